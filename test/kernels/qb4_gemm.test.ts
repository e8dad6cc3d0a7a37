// qb4_gemm: block-wise 4-bit weights. Every kernel (forced per isa) against the reference
// (exact: TOLERANCES.accumulators for the per-block int32 sums, TOLERANCES.sameFormula for float
// outputs) and the float64 value (TOLERANCES.blockFloatSum); imports decode as the formats define.
import fc from "fast-check";
import { expect, it, describe } from "vitest";
import {
  KERNELS, QkernError, dequantizeInt4, fromMatMulNBits, fromQ4_0, gemmInt4, packInt4Weights, quantizeInt4, toMatMulNBits, toQ4_0,
  type Int4Weights,
} from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { decodeMatMulNBits, decodeQ4_0, int4BlockSums } from "../../src/reference/index.js";
import { describeBuilds, rng } from "../support/helpers.js";
import { checkQb4, qb4Case, randomWeights } from "../support/qb4-check.js";

describeBuilds("qb4_gemm", (get, isa) => {
  const isas = [...new Set(KERNELS.filter((k) => k.family === "qb4_gemm" && k.tile === "1x4c32" && buildHas(isa, k)).map((k) => k.isa))];
  // (isas: the 1x4c32 kernels this build has, each forced in turn)
  for (const kernelIsa of isas) {
    it(`qb4_gemm_dequant_1x4c32__${kernelIsa}, qb4_gemm_int32_1x4c32__${kernelIsa}: exact against the reference`, () => {
      fc.assert(fc.property(qb4Case, (c) => checkQb4(get(), c, kernelIsa as "scalar" | "simd128" | "relaxed")), { numRuns: 80 });
    });
  }
  it("K longer than one 4096-value chunk of the packed order (several passes over the columns): exact in every kernel and tile", () => {
    // layout.ts: group blocks are stored chunk by chunk (4096 values of K) and the one-row kernels
    // carry their float sums across chunks in the output; K = 9000 is three chunks at block 32, 96
    // (42 blocks per chunk) and 128.
    const qk = get();
    let seed = 77;
    for (const bs of [32, 96, 128] as const) {
      for (const input of ["f32-block", "f32-row", "int8", "uint8"] as const) {
        const c = { m: input === "uint8" ? 5 : 2, n: 7, k: 9000, bs, input, perRow: true, withBias: seed % 2 === 0, seed: seed++ };
        for (const kernelIsa of isas) checkQb4(qk, c, kernelIsa as "scalar" | "simd128" | "relaxed");
        if (KERNELS.some((kk) => kk.name === "qb4_gemm_dequant_4x8c2__simd128" && buildHas(isa, kk))) checkQb4(qk, c, undefined, "4x8c2");
      }
    }
  });
  it("blocks longer than 4096 values at the extremes (q = 15 or 0, a = −128 or 127): exact in every kernel", () => {
    // The simd128 kernel sums 256-scaled products and must flush its partial sums every 4096 values
    // to stay inside int32 (4 · 4096 · 2 · 15 · 32768 / 2 < 2^31); K = 8200 in one block needs three flushes.
    const qk = get();
    const k = 8200, n = 6, bs = 8224;
    const q = new Uint8Array(n * k);
    for (let col = 0; col < n; col++) for (let kk = 0; kk < k; kk++) q[col * k + kk] = col === 3 ? (kk % 3 === 0 ? 0 : 15) : col % 2 === 0 ? 15 : 0;
    const w: Int4Weights = { n, k, blockSize: bs, q, scales: new Float32Array(n).fill(0.01), zeroPoints: Uint8Array.from({ length: n }, (_, c) => (c === 1 ? 15 : 0)) };
    using packed = packInt4Weights(qk, w);
    for (const [dtype, value, zp] of [["uint8", 0, 0], ["uint8", 255, 255], ["int8", -128, 127], ["int8", 127, 0]] as const) {
      const vals = new Array<number>(2 * k).fill(value);
      using x = qk.tensor(dtype === "uint8" ? Uint8Array.from(vals) : Int8Array.from(vals), [2, k], { quant: { scale: 0.02, zeroPoint: zp } });
      for (const kernelIsa of isas) {
        using sums = gemmInt4(x, packed, { output: "int32", forceIsa: kernelIsa as "scalar" | "simd128" | "relaxed" });
        const got = sums.toArray();
        for (let col = 0; col < n; col++) {
          const want = int4BlockSums(Int32Array.from(vals.slice(0, k)), zp, w, col);
          expect([got[col], got[n + col]], `${kernelIsa} ${dtype} ${value} col ${col}`).toEqual([want[0], want[0]]);
        }
      }
      if (KERNELS.some((kk) => kk.name === "qb4_gemm_dequant_4x8c2__simd128" && buildHas(isa, kk))) {
        using tile = gemmInt4(x, packed, { forceTile: "4x8c2" });
        using one = gemmInt4(x, packed, { forceTile: "1x4c32" });
        expect(Array.from(tile.data), `4x8c2 ${dtype} ${value}`).toEqual(Array.from(one.data));
      }
    }
  });
  if (KERNELS.some((k) => k.name === "qb4_gemm_dequant_4x8c2__simd128" && buildHas(isa, k))) {
    // The multi-row tile: rows around its 4-row groups, columns around its 8-column blocks (one
    // group of 4 present or two), every block size, K not a multiple of the block; same exact checks.
    const tileCase = qb4Case.chain((c) => fc.record({ m: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(4, 8, 9)), n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(8, 9, 16, 17)) })
      .map((d) => ({ ...c, ...d })));
    it("qb4_gemm_dequant_4x8c2__simd128: exact against the reference (float output)", () => {
      fc.assert(fc.property(tileCase, (c) => checkQb4(get(), c, undefined, "4x8c2")), { numRuns: 80 });
    });
    it("the default for M >= 4 (the 4x8c2 tile in SIMD builds) equals the 1x4c32 tile bit for bit", () => {
      const qk = get();
      const r = rng(11);
      const w = randomWeights(r, 19, 200, 64);
      using packed = packInt4Weights(qk, w, { bias: Float32Array.from({ length: 19 }, () => r() - 0.5) });
      using x = qk.tensor(Float32Array.from({ length: 6 * 200 }, () => r() * 2 - 1), [6, 200]);
      using auto = gemmInt4(x, packed);
      using one = gemmInt4(x, packed, { forceTile: "1x4c32" });
      expect(Array.from(auto.data)).toEqual(Array.from(one.data));
    });
  }
});

describe("int4 formats", () => {
  it("MatMulNBits imports decode as the format defines and export back unchanged", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 150 }), fc.constantFrom(32, 64, 128), fc.boolean(), fc.integer(), (n, k, bs, withZp, seed) => {
      const r = rng(seed);
      const nb = Math.ceil(k / bs);
      const b = Uint8Array.from({ length: n * nb * (bs / 2) }, () => Math.floor(r() * 256));
      const scales = Float32Array.from({ length: n * nb }, () => 0.01 + r());
      const zeroPoints = withZp ? Uint8Array.from({ length: n * Math.ceil(nb / 2) }, () => Math.floor(r() * 256)) : undefined;
      const w = fromMatMulNBits({ b, scales, n, k, blockSize: bs, ...(zeroPoints ? { zeroPoints } : {}) });
      expect(Array.from(dequantizeInt4(w))).toEqual(Array.from(decodeMatMulNBits(b, scales, zeroPoints, n, k, bs)));
      const back = toMatMulNBits(w);
      // Bytes past K in the last block and the unused high nibble of an odd zero-point count are not data.
      expect(Array.from(dequantizeInt4(fromMatMulNBits(back)))).toEqual(Array.from(dequantizeInt4(w)));
    }));
  });

  it("Q4_0 imports decode as ggml defines (fp16 d, low nibble j, high nibble j + 16) and export back exactly", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, blocks, seed) => {
      const r = rng(seed);
      const k = 32 * blocks;
      const data = new Uint8Array(n * blocks * 18);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
      for (let blk = 0; blk < n * blocks; blk++) data[blk * 18 + 1] = data[blk * 18 + 1]! & 0x3b; // finite fp16 scales
      const w = fromQ4_0(data, n, k);
      expect(Array.from(dequantizeInt4(w))).toEqual(Array.from(decodeQ4_0(data, n, k)));
      expect(Array.from(toQ4_0(w))).toEqual(Array.from(data));
    }));
  });

  it("quantizeInt4 stays within half a step inside the range", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 100 }), fc.constantFrom(32, 64, "channel" as const), fc.constantFrom("symmetric" as const, "asymmetric" as const), fc.integer(), (n, k, bs, scheme, seed) => {
      const r = rng(seed);
      const wf = Float32Array.from({ length: k * n }, () => (r() - 0.5) * 2);
      const w = quantizeInt4(wf, [k, n], { blockSize: bs, scheme });
      const back = dequantizeInt4(w);
      const nb = Math.ceil(k / w.blockSize);
      for (let kk = 0; kk < k; kk++) {
        for (let col = 0; col < n; col++) {
          const s = w.scales[col * nb + Math.floor(kk / w.blockSize)]!;
          expect(Math.abs(back[kk * n + col]! - wf[kk * n + col]!)).toBeLessThanOrEqual(s * 0.5 * (1 + 1e-6) + 1e-7);
        }
      }
    }));
  });

  it("refuses bad formats and shapes", async () => {
    const { createQkern } = await import("../../src/index.js");
    const qk = await createQkern({ isa: "scalar" });
    expect(() => quantizeInt4(new Float32Array(64), [64, 1], { blockSize: 48 })).toThrow(/multiple of 32/);
    expect(() => fromMatMulNBits({ b: new Uint8Array(10), scales: new Float32Array(1), n: 1, k: 32, blockSize: 32 })).toThrow(/has 10 bytes/);
    expect(() => fromQ4_0(new Uint8Array(18), 1, 40)).toThrow(/multiple of 32/);
    const w = quantizeInt4(new Float32Array(64), [32, 2]);
    expect(() => packInt4Weights(qk, { ...w, scales: new Float32Array(3) })).toThrow(/w.scales: has 3 values/);
    expect(() => packInt4Weights(qk, { ...w, q: new Uint8Array(64).fill(16) })).toThrow(QkernError);
    const packed = packInt4Weights(qk, w);
    expect(() => gemmInt4(qk.tensor(new Float32Array(31), [1, 31]), packed)).toThrow(/gemmInt4: x: must be \[M, K\] with K = 32/);
    expect(() => gemmInt4(qk.tensor(new Int8Array(32), [1, 32]), packed)).toThrow(/needs quantization parameters/);
    packed.dispose();
    expect(() => gemmInt4(qk.tensor(new Float32Array(32), [1, 32]), packed)).toThrow(/were disposed/);
  });
});
