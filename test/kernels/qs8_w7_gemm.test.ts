// qs8_w7_gemm: GEMM with 7-bit ("reduce range") weights, int8 in [−64, 63] or uint8 in [0, 127].
// In every build, packGemmWeights(b, { reduceRange: true }) + gemm equals the reference exactly
// (TOLERANCES.accumulators / sameFormula): the relaxed build through its 7-bit kernels, each tile
// forced; the others through their 8-bit kernels. Cases cover all signedness combinations, the four
// output stages, both layouts, per-row/per-column zero points at the extremes, A = −128 against
// B'' = 127 (the largest pmaddubsw pair sums), and shapes around the 7-bit tiles: M around 4, N
// around 8 and 32, K around the quad, the K chunk (128) and the L2 row chunk. The builds of this run
// give the same bytes (TOLERANCES.crossBuild).
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, gemm, packGemmWeights, type Qkern } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { matmulInteger } from "../../src/reference/index.js";
import { REDUCED, checkGemm, gemmCase, type Dims } from "../support/gemm-check.js";
import { allAvailableBuilds, describeBuilds, rng } from "../support/helpers.js";

const dim = (small: number[], big: number[]): fc.Arbitrary<number> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...small) }, { weight: 1, arbitrary: fc.constantFrom(...big) });

/** Shapes around the 4x8c4 / 1x32c4 tiles, K not a multiple of 4, K across the chunk of 128. */
const DIMS_W7: Dims = {
  m: dim([1, 2, 3, 4, 5, 7, 8, 9], [12, 16, 33]),
  n: dim([1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40], [64, 65]),
  k: dim([1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 17, 31, 33, 63], [127, 128, 129, 131, 255, 257, 300]),
};
const cases = gemmCase(DIMS_W7, REDUCED);

/** int32 GEMM of 7-bit weights against the reference, for data too large for fast-check arrays. */
function checkLarge(qk: Qkern, m: number, k: number, n: number, fill: (r: () => number) => [number, number], seed: number): void {
  const r = rng(seed);
  const aU8 = seed % 2 === 0;
  const a = Array.from({ length: m * k }, () => fill(r)[0]);
  const b = Array.from({ length: k * n }, () => fill(r)[1]);
  const [za, zb] = aU8 ? [255, -64] : [-128, 63];
  using at = qk.tensor(aU8 ? Uint8Array.from(a, (v) => v + 128) : Int8Array.from(a), [m, k], { quant: { scale: 0.1, zeroPoint: za } });
  using bt = qk.tensor(Int8Array.from(b), [k, n], { quant: { scale: 0.1, zeroPoint: zb } });
  using w = packGemmWeights(bt, { reduceRange: true });
  using y = gemm(at, w);
  const want = matmulInteger({ m, k, n, a: aU8 ? a.map((v) => v + 128) : a, aZeroPoint: za, b, bZeroPoint: zb });
  const got = y.data;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) expect.fail(`[${m}x${k}x${n}] seed ${seed} element ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

describeBuilds("qs8_w7_gemm (reduce-range weights)", (get, isa) => {
  const rows = KERNELS.filter((k) => k.family === "qs8_w7_gemm" && buildHas(isa, k));
  const tiles = [...new Set(rows.filter((k) => k.stage !== null).map((k) => k.tile!))];
  for (const tile of tiles) {
    const names = rows.filter((k) => k.stage !== null && k.tile === tile).map((k) => k.name).join(", ");
    it(`${names}: exact against the reference for every stage, signedness, layout and edge shape`, () => {
      const oneRow = tile.startsWith("1x32");
      fc.assert(fc.property(cases.filter((x) => !oneRow || x.c.m === 1), (x) => void checkGemm(get(), x, { reduceRange: true, forceTile: tile })),
        { numRuns: oneRow ? 80 : 150 });
    });
  }
  it(`gemm on reduce-range weights picks this build's kernels and stays exact (${isa === "relaxed" ? "qs8_w7_gemm" : "8-bit qs8_gemm"})`, () => {
    fc.assert(fc.property(cases, (x) => void checkGemm(get(), x, { reduceRange: true })), { numRuns: 80 });
    using b = get().tensor(new Int8Array([-64, 63, 0, 5]), [2, 2], { quant: { scale: 0.1 } });
    using w = packGemmWeights(b, { reduceRange: true });
    expect([w.reduceRange, w.kernels?.family]).toEqual([true, isa === "relaxed" ? "qs8_w7_gemm" : "qs8_gemm"]);
  });
  it("largest pair sums (A_s = −128 against B'' = 127), K across several chunks, rows across the L2 chunk", () => {
    const qk = get();
    const corner = (): [number, number] => [-128, 63];
    const mixed = (r: () => number): [number, number] => [r() < 0.5 ? -128 : 127, r() < 0.5 ? -64 : 63];
    checkLarge(qk, 5, 1029, 17, corner, 1);
    checkLarge(qk, 1, 1029, 40, corner, 2);
    checkLarge(qk, 6, 515, 33, mixed, 3);
    checkLarge(qk, 1, 4099, 9, mixed, 4);
    // K = 1100: 29 row groups per L2 chunk of packed A, so 133 rows span five chunks.
    checkLarge(qk, 133, 1100, 9, (r) => [Math.floor(r() * 256) - 128, Math.floor(r() * 128) - 64], 5);
  });
});

it("reduce-range GEMM: the builds of this run give the same bytes", async () => {
  const builds = await allAvailableBuilds();
  expect(builds.length).toBeGreaterThanOrEqual(2);
  fc.assert(fc.property(cases, (x) => {
    const bytes = builds.map((qk) => Array.from(checkGemm(qk, x, { reduceRange: true })));
    for (let i = 1; i < bytes.length; i++) expect(bytes[i], `${builds[i]!.isa} vs ${builds[0]!.isa}`).toEqual(bytes[0]);
  }), { numRuns: 60 });
});
