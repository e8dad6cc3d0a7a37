// The palettized checker shared by the qp4_gemm tests: 4-bit palettized (codebook) weights and
// float activations from a seed, run through `gemmPalettized` forced to one kernel isa and compared
// with the reference: per-block int32 sums exactly (TOLERANCES.accumulators) and the float output
// exactly (TOLERANCES.sameFormula).
import fc from "fast-check";
import { expect } from "vitest";
import { gemmPalettized, packPalettizedWeights, palettize, type Qkern } from "../../src/index.js";
import { palettizedBlockSums, quantizeActivationsRef } from "../../src/reference/index.js";
import { rng } from "./helpers.js";

/** Standard normal values (Box–Muller) from a [0, 1) generator. */
export const gauss = (r: () => number) => (): number => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

/** A case: data seed, M, N, K (around the 32-value blocks), per-channel or per-tensor codebooks, activation block size. */
export const qp4Case = fc.record({
  seed: fc.integer(),
  m: fc.integer({ min: 1, max: 4 }),
  n: fc.integer({ min: 1, max: 11 }),
  k: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(32, 64, 65)),
  granularity: fc.constantFrom("channel" as const, "tensor" as const),
  bs: fc.constantFrom(32, 64, 128, 96, 320),
});

export type Qp4Case = typeof qp4Case extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs one case (weights palettized from Gaussian values, activations from `seed`) through
 * `gemmPalettized` forced to `isa`: the per-block int32 sums and the float output exactly as the reference.
 */
export function checkQp4(qk: Qkern, c: Qp4Case, isa: string): void {
  const { seed, m, n, k, granularity, bs } = c;
  const r = rng(seed);
  const w = Float32Array.from({ length: k * n }, gauss(r));
  const p = palettize(w, [k, n], { bits: 4, granularity, seed, iterations: 5 });
  using packed = packPalettizedWeights(qk, p, { blockSize: bs });
  const xf = Float32Array.from({ length: m * k }, () => (r() - 0.5) * 4);
  using x = qk.tensor(xf, [m, k]);
  using sums = gemmPalettized(x, packed, { output: "int32", forceIsa: isa as "scalar" });
  using y = gemmPalettized(x, packed, { forceIsa: isa as "scalar" });
  const nb = Math.ceil(k / bs);
  const got = sums.toArray();
  const gotY = y.toArray();
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    const { a, scales } = quantizeActivationsRef(xf.subarray(i * k, (i + 1) * k), k, bs);
    for (let col = 0; col < n; col++) {
      const want = palettizedBlockSums(a, 0, p, col, bs);
      expect(Array.from(got.slice((i * n + col) * nb, (i * n + col + 1) * nb)), `row ${i} col ${col}`).toEqual(Array.from(want));
      const s = p.scales[granularity === "channel" ? col : 0]!;
      let acc = 0;
      for (let b = 0; b < nb; b++) acc = f(acc + f(f(want[b]!) * f(s * scales[b]!)));
      expect(gotY[i * n + col]).toBe(f(acc + 0));
    }
  }
}
