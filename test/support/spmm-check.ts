// The sparse checker shared by the qs8_spmm tests (both tiles): a fast-check case (shapes around the
// 1×4 blocks; random, all-zero, dense, single-value and zero-column patterns; int8/uint8; per-column
// zero points; every output stage), weights pruned to their zero points, run through `gemm` on
// sparse-packed weights (optionally forcing a tile) and compared exactly with the dense GEMM on the
// same weights (TOLERANCES.accumulators / sameFormula).
import fc from "fast-check";
import { expect } from "vitest";
import { gemm, packGemmWeights, type Qkern } from "../../src/index.js";
import { rng } from "./helpers.js";

/** A case: shapes around the 1×4 blocks, a sparsity pattern, dtypes, zero points, output stage, bias; data from `seed`. */
export const spmmCase = fc.record({
  m: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 20 })),
  k: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(4, 8, 63, 64, 65)),
  n: fc.integer({ min: 1, max: 20 }),
  pattern: fc.constantFrom("random", "all-zero", "dense", "single", "zero-columns"),
  density: fc.double({ min: 0, max: 1, noNaN: true }),
  aType: fc.constantFrom("int8" as const, "uint8" as const),
  bType: fc.constantFrom("int8" as const, "uint8" as const),
  perColumnZb: fc.boolean(),
  stage: fc.constantFrom("int32" as const, "fp32" as const, "fixedpoint" as const),
  withBias: fc.boolean(),
  seed: fc.integer(),
});

export type SpmmCase = typeof spmmCase extends fc.Arbitrary<infer T> ? T : never;

/** Runs one case through `gemm` on sparse-packed weights (optionally forcing a tile) and checks it equals the dense GEMM. */
export function checkSpmm(qk: Qkern, c: SpmmCase, tile?: string): void {
  const r = rng(c.seed);
  const [blo, bhi] = c.bType === "int8" ? [-128, 127] : [0, 255];
  const [alo, ahi] = c.aType === "int8" ? [-128, 127] : [0, 255];
  const zb = Array.from({ length: c.n }, () => (c.perColumnZb ? blo + Math.floor(r() * (bhi - blo + 1)) : c.bType === "uint8" ? 128 : 0));
  const zbAt = (col: number): number => (c.perColumnZb ? zb[col]! : zb[0]!);
  const b = new Array<number>(c.k * c.n);
  const singleAt = Math.floor(r() * c.k * c.n);
  for (let kk = 0; kk < c.k; kk++) {
    for (let col = 0; col < c.n; col++) {
      const i = kk * c.n + col;
      const blockKept = c.pattern === "dense" || (c.pattern === "random" && rng(c.seed + (kk >> 2) * 131 + col)() < c.density) || (c.pattern === "zero-columns" && col % 3 === 1);
      b[i] = c.pattern === "single" ? (i === singleAt ? (zbAt(col) === bhi ? blo : bhi) : zbAt(col)) : blockKept ? blo + Math.floor(r() * (bhi - blo + 1)) : zbAt(col);
    }
  }
  const quant = c.perColumnZb ? { axis: 1, scale: Array.from({ length: c.n }, () => 0.001 + r() * 0.01), zeroPoint: zb } : { scale: 0.005, zeroPoint: zb[0]! };
  using bt = qk.tensor(c.bType === "int8" ? Int8Array.from(b) : Uint8Array.from(b), [c.k, c.n], { quant });
  const bias = c.withBias ? { bias: Array.from({ length: c.n }, () => Math.floor((r() - 0.5) * 5000)) } : {};
  using dense = packGemmWeights(bt, { sparse: false, ...bias });
  using sparse = packGemmWeights(bt, { sparse: true, ...bias });
  expect(sparse.format).toBe("sparse");
  const av = Array.from({ length: c.m * c.k }, () => (r() < 0.1 ? alo : alo + Math.floor(r() * (ahi - alo + 1))));
  const za = alo + Math.floor(r() * (ahi - alo + 1));
  using a = qk.tensor(c.aType === "int8" ? Int8Array.from(av) : Uint8Array.from(av), [c.m, c.k], { quant: { scale: 0.02, zeroPoint: za } });
  const options = c.stage === "int32" ? {} : { output: { dtype: "uint8" as const, scale: 0.3, zeroPoint: 120 }, stage: c.stage };
  using want = gemm(a, dense, options);
  using got = gemm(a, sparse, { ...options, ...(tile ? { forceTile: tile } : {}) });
  expect(Array.from(got.toArray())).toEqual(Array.from(want.toArray()));
}
