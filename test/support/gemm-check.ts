// The GEMM checker shared by the 8-bit and 7-bit ("reduce range") GEMM tests: a fast-check case
// biased to tile edges and value extremes, run through `gemm` (optionally forcing a kernel tile or
// packer) and compared exactly with the reference MatMulInteger and output stages
// (TOLERANCES.accumulators / sameFormula), with the bytes after the output guarded.
import fc from "fast-check";
import { expect } from "vitest";
import { gemm, packGemmWeights, type Qkern } from "../../src/index.js";
import { gemmFixedpointStage, gemmFloatStage, gemmFp32Stage, matmulInteger } from "../../src/reference/index.js";
import { guardAfter } from "./helpers.js";

type Range = { readonly int8: readonly [number, number]; readonly uint8: readonly [number, number] };
const RANGE: Range = { int8: [-128, 127], uint8: [0, 255] };
/** The 7-bit weights `packGemmWeights(b, { reduceRange: true })` accepts. */
export const REDUCED: Range = { int8: [-64, 63], uint8: [0, 127] };
type D8 = "int8" | "uint8";

const dim = (small: number[], big: number[]): fc.Arbitrary<number> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...small) }, { weight: 1, arbitrary: fc.constantFrom(...big) });

/** Shapes of the cases: M, N and K around the tiles of the kernels that run them. */
export interface Dims {
  readonly m: fc.Arbitrary<number>;
  readonly n: fc.Arbitrary<number>;
  readonly k: fc.Arbitrary<number>;
}

/** The 8-bit kernels' edges: M around the 4-row tile, N around 8/32 columns, K around the K pair. */
export const DIMS_C2: Dims = {
  m: dim([1, 2, 3, 4, 5, 7, 8, 9], [16, 33]),
  n: dim([1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40], [64, 65]),
  k: dim([1, 2, 3, 7, 8, 9, 15, 16, 17, 31], [64, 100, 257, 1024]),
};

/**
 * A GEMM case: shapes from `dims`, values and zero points biased to the extremes; B's values from
 * `bRange` (its zero points still span the whole type).
 */
export const gemmCase = (dims: Dims = DIMS_C2, bRange: Range = RANGE) => fc.record({
  m: dims.m,
  n: dims.n,
  k: dims.k,
  aType: fc.constantFrom<D8>("int8", "uint8"),
  bType: fc.constantFrom<D8>("int8", "uint8"),
  perRowA: fc.boolean(),
  perColB: fc.boolean(),
  layout: fc.constantFrom<"kn" | "nk">("kn", "nk"),
  withBias: fc.boolean(),
  seed: fc.integer(),
}).chain((c) => {
  const val = (t: D8, r: Range = RANGE): fc.Arbitrary<number> => fc.oneof(fc.integer({ min: r[t][0], max: r[t][1] }), fc.constantFrom(r[t][0], r[t][1], 0));
  const zp = (t: D8): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(RANGE[t][0], RANGE[t][1], 0, t === "uint8" ? 128 : 0), fc.integer({ min: RANGE[t][0], max: RANGE[t][1] }));
  return fc.record({
    c: fc.constant(c),
    a: fc.array(val(c.aType), { minLength: c.m * c.k, maxLength: c.m * c.k }),
    b: fc.array(val(c.bType, bRange), { minLength: c.k * c.n, maxLength: c.k * c.n }),
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

export type GemmCase = ReturnType<typeof gemmCase> extends fc.Arbitrary<infer T> ? T : never;

/** How `checkGemm` runs a case: forced kernel tile / packer, 7-bit packing. */
export interface CheckOptions {
  readonly forceTile?: string;
  readonly forcePacka?: "scalar" | "simd128";
  readonly reduceRange?: boolean;
}

/** Runs one case through `gemm` and checks it exactly; returns the output's bytes. */
export function checkGemm(qk: Qkern, x: GemmCase, options: CheckOptions = {}): Uint8Array {
  const { forceTile, forcePacka, reduceRange } = options;
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
  using w = packGemmWeights(b, { layout: c.layout, sparse: false, reduceRange: reduceRange === true, ...(c.withBias ? { bias: x.bias } : {}), floatBias: x.bScales.map((s) => s * 3) });
  const acc = matmulInteger({ m: c.m, k: c.k, n: c.n, a: x.a, aZeroPoint: zaUse, b: x.b, bZeroPoint: zb, ...(c.withBias ? { bias: x.bias } : {}) });
  const dtype = x.stage === "int32" ? "int32" : x.stage === "float32" ? "float32" : x.yType;
  const yZp = x.yType === "uint8" ? x.yZp + 128 : x.yZp;
  using out = qk.empty(dtype, [c.m, c.n], eightBit ? { quant: { scale: x.yScale, zeroPoint: yZp } } : {});
  const intact = guardAfter(out);
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
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.byteLength).slice();
}
