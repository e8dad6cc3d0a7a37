// The int4 checker shared by the qb4_gemm tests: block-wise 4-bit weights and activations from a
// seed (float quantized per block or per row, or int8/uint8 with per-row parameters), run through
// `gemmInt4` and compared with the reference: the per-block int32 sums exactly
// (TOLERANCES.accumulators), the float output exactly (TOLERANCES.sameFormula) and within
// TOLERANCES.blockFloatSum of the float64 value.
import fc from "fast-check";
import { expect } from "vitest";
import { gemmInt4, packInt4Weights, type Int4Weights, type Qkern } from "../../src/index.js";
import { int4BlockSums, int4Float, quantizeActivationsRef } from "../../src/reference/index.js";
import { rng } from "./helpers.js";

/** Random int4 weights [N, K] in blocks of `bs`: nibbles, scales, zero points 8 half the time. */
export function randomWeights(r: () => number, n: number, k: number, bs: number): Int4Weights {
  const nb = Math.ceil(k / bs);
  return {
    n, k, blockSize: bs,
    q: Uint8Array.from({ length: n * k }, () => Math.floor(r() * 16)),
    scales: Float32Array.from({ length: n * nb }, () => 0.001 + r() * 0.1),
    zeroPoints: Uint8Array.from({ length: n * nb }, () => (r() < 0.5 ? 8 : Math.floor(r() * 16))),
  };
}

/** A case: shapes around blocks and tiles, block size, activations (float per block / per row, int8, uint8), bias; data from `seed`. */
export const qb4Case = fc.record({
  m: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(1)),
  n: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(4, 8, 17)),
  k: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(32, 64, 128, 129, 256, 300)),
  bs: fc.constantFrom(32, 64, 128, 96, 320),
  input: fc.constantFrom("f32-block" as const, "f32-row" as const, "int8" as const, "uint8" as const),
  perRow: fc.boolean(),
  withBias: fc.boolean(),
  seed: fc.integer(),
});

export type Qb4Case = typeof qb4Case extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs one case through `gemmInt4` (int32 block sums and float output; optionally forcing the kernel
 * isa or the 4x8c2 tile) and checks both exactly against the reference and the float output
 * against the float64 value (TOLERANCES.blockFloatSum).
 */
export function checkQb4(qk: Qkern, c: Qb4Case, isa?: "scalar" | "simd128" | "relaxed", tile?: "4x8c2"): void {
  const r = rng(c.seed);
  const w = randomWeights(r, c.n, c.k, c.bs);
  const bias = c.withBias ? Float32Array.from({ length: c.n }, () => r() * 4 - 2) : undefined;
  using packed = packInt4Weights(qk, w, bias ? { bias } : {});
  const nb = Math.ceil(c.k / c.bs);
  let x;
  const rows: { a: Int32Array; za: number; scale: (b: number) => number }[] = [];
  if (c.input === "f32-block" || c.input === "f32-row") {
    const xf = Float32Array.from({ length: c.m * c.k }, () => (r() < 0.05 ? 0 : (r() - 0.5) * 6));
    x = qk.tensor(xf, [c.m, c.k]);
    for (let i = 0; i < c.m; i++) {
      const ablock = c.input === "f32-block" ? c.bs : nb * c.bs;
      const { a, scales } = quantizeActivationsRef(xf.subarray(i * c.k, (i + 1) * c.k), c.k, ablock);
      rows.push({ a, za: 0, scale: (b) => scales[Math.floor((b * c.bs) / ablock)]! });
    }
  } else {
    const [lo, hi] = c.input === "int8" ? [-128, 127] : [0, 255];
    const vals = Array.from({ length: c.m * c.k }, () => (r() < 0.1 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1))));
    const zps = Array.from({ length: c.m }, () => (r() < 0.3 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1))));
    const scales = Array.from({ length: c.m }, () => 0.01 + r() * 0.05);
    const quant = c.perRow ? { axis: 0, scale: scales, zeroPoint: zps } : { scale: scales[0]!, zeroPoint: zps[0]! };
    x = qk.tensor(c.input === "int8" ? Int8Array.from(vals) : Uint8Array.from(vals), [c.m, c.k], { quant });
    for (let i = 0; i < c.m; i++) {
      const s = Math.fround(c.perRow ? scales[i]! : scales[0]!);
      rows.push({ a: Int32Array.from(vals.slice(i * c.k, (i + 1) * c.k)), za: c.perRow ? zps[i]! : zps[0]!, scale: () => s });
    }
  }
  using xt = x;
  const activations = c.input === "f32-row" ? "per-row" as const : "per-block" as const;
  using sums = gemmInt4(xt, packed, { output: "int32", activations, ...(isa ? { forceIsa: isa } : {}) });
  using y = gemmInt4(xt, packed, { activations, ...(isa ? { forceIsa: isa } : {}), ...(tile ? { forceTile: tile } : {}) });
  const gotSums = sums.toArray();
  const gotY = y.toArray();
  for (let i = 0; i < c.m; i++) {
    for (let col = 0; col < c.n; col++) {
      const want = int4BlockSums(rows[i]!.a, rows[i]!.za, w, col);
      for (let b = 0; b < nb; b++) {
        if (gotSums[(i * c.n + col) * nb + b] !== want[b]) expect.fail(`int32 row ${i} col ${col} block ${b}: got ${gotSums[(i * c.n + col) * nb + b]}, want ${want[b]}`);
      }
      const wantY = int4Float(want, w, col, rows[i]!.scale, bias ? bias[col]! : 0);
      if (!Object.is(gotY[i * c.n + col], wantY)) expect.fail(`float row ${i} col ${col}: got ${gotY[i * c.n + col]}, want ${wantY}`);
      // TOLERANCES.blockFloatSum
      let y64 = bias ? bias[col]! : 0;
      let mag = Math.abs(y64);
      for (let b = 0; b < nb; b++) {
        const term = want[b]! * w.scales[col * nb + b]! * rows[i]!.scale(b);
        y64 += term;
        mag += Math.abs(term);
      }
      expect(Math.abs(gotY[i * c.n + col]! - y64)).toBeLessThanOrEqual((nb + 2) * 2 ** -23 * mag + 1e-30);
    }
  }
}
