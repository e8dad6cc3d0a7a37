// qs8_gemm: the int8 GEMM. Every kernel row of every build (forced through the op) against the
// reference MatMulInteger and output stages (exact: TOLERANCES.accumulators / sameFormula), both
// packers, all signedness combinations, per-row/per-column zero points, bias, both layouts, and
// the real-valued result (TOLERANCES.quantizedVsReal). Bytes after each output are guarded.
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, gemm, packGemmWeights, type Qkern, type Tensor } from "../src/index.js";
import { buildHas } from "../src/registry.js";
import { gemmFixedpointStage, gemmFloatStage, gemmFp32Stage, matmulInteger } from "../src/reference/index.js";
import { describeBuilds } from "./helpers.js";

const SENTINEL = 0x5a;

/** Fills the 16 slack bytes after a tensor's data; `intact` checks them later. */
function guard(t: Tensor): () => boolean {
  const mem = (): Uint8Array => new Uint8Array(t.qk.raw.memory.buffer, t.ptr + t.byteLength, 16);
  mem().fill(SENTINEL);
  return () => mem().every((b) => b === SENTINEL);
}

const RANGE = { int8: [-128, 127], uint8: [0, 255] } as const;
type D8 = "int8" | "uint8";

const dim = (small: number[], big: number[]): fc.Arbitrary<number> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...small) }, { weight: 1, arbitrary: fc.constantFrom(...big) });

/** A GEMM case: shapes around tile edges, values and zero points biased to the extremes. */
const gemmCase = fc.record({
  m: dim([1, 2, 3, 4, 5, 7, 8, 9], [16, 33]),
  n: dim([1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40], [64, 65]),
  k: dim([1, 2, 3, 7, 8, 9, 15, 16, 17, 31], [64, 100, 257, 1024]),
  aType: fc.constantFrom<D8>("int8", "uint8"),
  bType: fc.constantFrom<D8>("int8", "uint8"),
  perRowA: fc.boolean(),
  perColB: fc.boolean(),
  layout: fc.constantFrom<"kn" | "nk">("kn", "nk"),
  withBias: fc.boolean(),
  seed: fc.integer(),
}).chain((c) => {
  const val = (t: D8): fc.Arbitrary<number> => fc.oneof(fc.integer({ min: RANGE[t][0], max: RANGE[t][1] }), fc.constantFrom(RANGE[t][0], RANGE[t][1], 0));
  const zp = (t: D8): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(RANGE[t][0], RANGE[t][1], 0, t === "uint8" ? 128 : 0), fc.integer({ min: RANGE[t][0], max: RANGE[t][1] }));
  return fc.record({
    c: fc.constant(c),
    a: fc.array(val(c.aType), { minLength: c.m * c.k, maxLength: c.m * c.k }),
    b: fc.array(val(c.bType), { minLength: c.k * c.n, maxLength: c.k * c.n }),
    za: fc.array(zp(c.aType), { minLength: c.m, maxLength: c.m }),
    zb: fc.array(zp(c.bType), { minLength: c.n, maxLength: c.n }),
    bias: fc.array(fc.integer({ min: -100000, max: 100000 }), { minLength: c.n, maxLength: c.n }),
    aScales: fc.array(fc.float({ min: Math.fround(1e-3), max: Math.fround(0.1), noNaN: true }), { minLength: c.m, maxLength: c.m }),
    bScales: fc.array(fc.float({ min: Math.fround(1e-4), max: Math.fround(0.05), noNaN: true }), { minLength: c.n, maxLength: c.n }),
    yScale: fc.float({ min: Math.fround(0.01), max: Math.fround(2), noNaN: true }),
    yZp: fc.integer({ min: -128, max: 127 }),
    stage: fc.constantFrom("int32" as const, "fp32" as const, "fixedpoint" as const, "float32" as const),
    yType: fc.constantFrom<D8>("int8", "uint8"),
  });
});

type Case = typeof gemmCase extends fc.Arbitrary<infer T> ? T : never;

/** Runs one case through `gemm` (optionally forcing a kernel tile / packer) and checks it exactly. */
function check(qk: Qkern, x: Case, forceTile?: string, forcePacka?: "scalar" | "simd128"): void {
  const { c } = x;
  const za = c.perRowA ? x.za : x.za.map(() => x.za[0]!);
  const zb = c.perColB ? x.zb : x.zb.map(() => x.zb[0]!);
  const eightBit = x.stage === "fp32" || x.stage === "fixedpoint";
  const perRowA = c.perRowA && !eightBit; // 8-bit outputs take per-tensor A
  const zaUse = perRowA ? za : za.map(() => za[0]!);
  const aScale = perRowA ? x.aScales : x.aScales.map(() => x.aScales[0]!);
  const aQuant = perRowA ? { axis: 0, scale: aScale, zeroPoint: zaUse } : { scale: aScale[0]!, zeroPoint: zaUse[0]! };
  using a = qk.tensor(c.aType === "int8" ? Int8Array.from(x.a) : Uint8Array.from(x.a), [c.m, c.k], { quant: aQuant });
  // B's values are generated in [K, N] order; lay them out as the case's layout asks.
  const bData = c.layout === "kn" ? x.b : Array.from({ length: c.n * c.k }, (_, i) => x.b[(i % c.k) * c.n + Math.floor(i / c.k)]!);
  const bShape = c.layout === "kn" ? [c.k, c.n] : [c.n, c.k];
  const bScale = c.perColB ? x.bScales : x.bScales.map(() => x.bScales[0]!);
  const bQuant = c.perColB ? { axis: c.layout === "kn" ? 1 : 0, scale: bScale, zeroPoint: zb } : { scale: bScale[0]!, zeroPoint: zb[0]! };
  using b = qk.tensor(c.bType === "int8" ? Int8Array.from(bData) : Uint8Array.from(bData), bShape, { quant: bQuant });
  using w = packGemmWeights(b, { layout: c.layout, sparse: false, ...(c.withBias ? { bias: x.bias } : {}), floatBias: x.bScales.map((s) => s * 3) });
  const acc = matmulInteger({ m: c.m, k: c.k, n: c.n, a: x.a, aZeroPoint: zaUse, b: x.b, bZeroPoint: zb, ...(c.withBias ? { bias: x.bias } : {}) });
  const dtype = x.stage === "int32" ? "int32" : x.stage === "float32" ? "float32" : x.yType;
  const yZp = x.yType === "uint8" ? x.yZp + 128 : x.yZp;
  using out = qk.empty(dtype, [c.m, c.n], eightBit ? { quant: { scale: x.yScale, zeroPoint: yZp } } : {});
  const intact = guard(out);
  gemm(a, w, { out, ...(eightBit ? { stage: x.stage as "fp32" | "fixedpoint" } : {}), ...(forceTile ? { forceTile } : {}), ...(forcePacka ? { forcePacka } : {}) });
  expect(intact(), "bytes after the output were overwritten").toBe(true);
  const [qmin, qmax] = RANGE[x.yType];
  const want = x.stage === "int32" ? acc
    : x.stage === "fp32" ? gemmFp32Stage(acc, c.n, aScale[0]!, bScale, x.yScale, yZp, qmin, qmax)
      : x.stage === "fixedpoint" ? gemmFixedpointStage(acc, c.n, aScale[0]!, bScale, x.yScale, yZp, qmin, qmax)
        : gemmFloatStage(acc, c.n, aScale, bScale, x.bScales.map((s) => Math.fround(s * 3)));
  const got = out.toArray();
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) {
      expect.fail(`${x.stage} [${c.m}x${c.k}x${c.n}] ${c.aType}×${c.bType} ${c.layout} element ${i} (row ${Math.floor(i / c.n)}, col ${i % c.n}): got ${got[i]}, want ${want[i]}`);
    }
  }
  if (eightBit) {
    // TOLERANCES.quantizedVsReal: within one step of the real-valued product.
    for (let i = 0; i < want.length; i++) {
      const real = (acc[i]! * aScale[0]! * bScale[i % c.n]!) / Math.fround(x.yScale) + yZp;
      const clamped = Math.min(qmax, Math.max(qmin, Math.round(real)));
      expect(Math.abs(got[i]! - clamped)).toBeLessThanOrEqual(1);
    }
  }
}

describeBuilds("qs8_gemm", (get, isa) => {
  const rows = KERNELS.filter((k) => k.family === "qs8_gemm" && buildHas(isa, k));
  const tiles = [...new Set(rows.map((k) => k.variant.split("_")[1]).filter((t): t is string => t !== undefined))];
  for (const tile of tiles) {
    const names = rows.filter((k) => k.variant.endsWith(`_${tile}`)).map((k) => k.name).join(", ");
    it(`${names}: exact against the reference for every stage, signedness, layout and edge shape`, () => {
      const oneRow = tile.startsWith("1x32");
      fc.assert(fc.property(gemmCase.filter((x) => !oneRow || x.c.m === 1), (x) => check(get(), x, tile)), { numRuns: oneRow ? 60 : 120 });
    });
  }
  for (const k of rows.filter((k) => k.variant === "packa")) {
    it(`${k.name} packs A so that the GEMM stays exact`, () => {
      fc.assert(fc.property(gemmCase, (x) => check(get(), x, undefined, k.isa as "scalar" | "simd128")), { numRuns: 60 });
    });
  }
  it("handles M = 0 and reuses packed weights for any M", () => {
    const qk = get();
    using b = qk.tensor(new Int8Array([1, 2, 3, 4, 5, 6]), [3, 2], { quant: { scale: 0.1 } });
    using w = packGemmWeights(b);
    using a0 = qk.tensor(new Int8Array(0), [0, 3]);
    expect(gemm(a0, w).shape).toEqual([0, 2]);
    for (const m of [1, 4, 5]) {
      using a = qk.tensor(Int8Array.from({ length: 3 * m }, (_, i) => i - 3), [m, 3]);
      using y = gemm(a, w);
      expect(Array.from(y.data)).toEqual(Array.from(matmulInteger({ m, k: 3, n: 2, a: a.toArray(), aZeroPoint: 0, b: [1, 2, 3, 4, 5, 6], bZeroPoint: 0 })));
    }
  });
});
