// qp4_gemm and palettize: k-means weight sharing and the codebook (swizzle) kernels. Kernels per isa
// against the reference (exact: TOLERANCES.accumulators / sameFormula).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KERNELS, QkernError, createQkern, dequantizeInt4, gemmPalettized, packPalettizedWeights, palettize, depalettize, quantizeInt4 } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { palettizedBlockSums } from "../../src/reference/index.js";
import { describeBuilds, rng } from "../support/helpers.js";
import { checkQp4, gauss, qp4Case } from "../support/qp4-check.js";

const laplace = (r: () => number) => (): number => (r() < 0.5 ? 1 : -1) * Math.log(r() + 1e-12);

function sqnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    s += (a[i] as number) ** 2;
    e += ((a[i] as number) - (b[i] as number)) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe("palettize", () => {
  it("is deterministic per seed and never uses more than 2^bits codebook entries", () => {
    fc.assert(fc.property(fc.constantFrom(2 as const, 3 as const, 4 as const), fc.constantFrom("channel" as const, "tensor" as const), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 80 }), fc.integer(), (bits, granularity, n, k, seed) => {
      const r = rng(seed);
      const w = Float32Array.from({ length: k * n }, gauss(r));
      const a = palettize(w, [k, n], { bits, granularity, seed: 5 });
      const b = palettize(w, [k, n], { bits, granularity, seed: 5 });
      expect(a).toEqual(b);
      expect(a.indices.every((i) => i < 2 ** bits)).toBe(true);
      const groups = granularity === "channel" ? n : 1;
      for (let g = 0; g < groups; g++) expect(a.codebooks.slice(g * 16 + 2 ** bits, g * 16 + 16).every((v) => v === 0)).toBe(true);
    }), { numRuns: 60 });
  });

  it("beats uniform per-channel int4 in SQNR on Gaussian and Laplacian weights (4 bits)", () => {
    for (const [name, dist] of [["gaussian", gauss], ["laplacian", laplace]] as const) {
      const r = rng(42);
      const sample = dist(r);
      const [k, n] = [512, 64];
      const w = Float32Array.from({ length: k * n }, () => sample() * 0.05);
      const p = palettize(w, [k, n], { bits: 4, seed: 1 });
      const uniform = sqnr(w, dequantizeInt4(quantizeInt4(w, [k, n], { blockSize: "channel" })));
      expect(p.sqnr, name).toBeGreaterThan(uniform);
      expect(Math.abs(p.sqnr - sqnr(w, depalettize(p)))).toBeLessThan(1e-6);
    }
  });

  it("refuses bad options and inputs", async () => {
    expect(() => palettize(new Float32Array(8), [4, 2], { bits: 5 as 4 })).toThrow(/2, 3 or 4/);
    expect(() => palettize(new Float32Array(7), [4, 2])).toThrow(/has 7 values/);
    const qk = await createQkern({ isa: "scalar" });
    const p = palettize(new Float32Array(64).map((_, i) => i), [32, 2], { bits: 2 });
    expect(() => packPalettizedWeights(qk, { ...p, codebooks: new Int8Array(17 * 2) })).toThrow(/at most 16 entries/);
    expect(() => packPalettizedWeights(qk, { ...p, indices: new Uint8Array(64).fill(4) })).toThrow(/out of range for 2-bit indices/);
    expect(() => gemmPalettized(qk.tensor(new Float32Array(31), [1, 31]), packPalettizedWeights(qk, p))).toThrow(QkernError);
  });
});

describeBuilds("qp4_gemm", (get, build) => {
  const isas = [...new Set(KERNELS.filter((k) => k.family === "qp4_gemm" && k.tile === "1x4c32" && buildHas(build, k)).map((k) => k.isa))];
  for (const isa of isas) {
    it(`qp4_gemm_dequant_1x4c32__${isa}, qp4_gemm_int32_1x4c32__${isa}: exact against the reference`, () => {
      fc.assert(fc.property(qp4Case, (c) => checkQp4(get(), c, isa)), { numRuns: 60 });
    });
  }
  it("blocks of 1024 values at the extremes (codebook −128 / 127, activations −128 / 127): exact in every kernel", () => {
    // The SIMD kernels sum 256-scaled products and shift them back every 256 values of K; one
    // 1024-value block at the extremes overflows int32 if a flush is missing.
    const qk = get();
    const k = 1000, n = 5, bs = 1024;
    const codebooks = new Int8Array(n * 16);
    for (let c = 0; c < n; c++) { codebooks[c * 16] = -128; codebooks[c * 16 + 1] = 127; codebooks[c * 16 + 15] = -128; }
    const indices = new Uint8Array(n * k);
    for (let c = 0; c < n; c++) for (let kk = 0; kk < k; kk++) indices[c * k + kk] = c === 1 ? 1 : c === 2 ? (kk % 2 ? 15 : 1) : c === 3 ? 15 : 0;
    const p = { n, k, bits: 4, granularity: "channel" as const, codebooks, scales: new Float32Array(n).fill(0.01), indices, sqnr: 0, bytes: 0 };
    using packed = packPalettizedWeights(qk, p, { blockSize: bs });
    for (const value of [-128, 127]) {
      using x = qk.tensor(new Int8Array(2 * k).fill(value), [2, k], { quant: { scale: 0.02, zeroPoint: 0 } });
      for (const isa of isas) {
        using sums = gemmPalettized(x, packed, { output: "int32", forceIsa: isa as "scalar" });
        const got = sums.toArray();
        for (let col = 0; col < n; col++) {
          const want = palettizedBlockSums(new Int32Array(k).fill(value), 0, p, col, bs);
          expect([got[col], got[n + col]], `${isa} a = ${value} col ${col}`).toEqual([want[0], want[0]]);
        }
      }
    }
  });
});
