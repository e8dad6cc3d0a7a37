// qs8_gemm: the int8 GEMM. Every kernel row of every build (forced through the op) against the
// reference MatMulInteger and output stages (exact: TOLERANCES.accumulators / sameFormula), both
// packers, all signedness combinations, per-row/per-column zero points, bias, both layouts, and
// the real-valued result (TOLERANCES.quantizedVsReal). Bytes after each output are guarded.
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, gemm, packGemmWeights } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { matmulInteger } from "../../src/reference/index.js";
import { checkGemm, gemmCase } from "../support/gemm-check.js";
import { describeBuilds } from "../support/helpers.js";

describeBuilds("qs8_gemm", (get, isa) => {
  const rows = KERNELS.filter((k) => k.family === "qs8_gemm" && buildHas(isa, k));
  const tiles = [...new Set(rows.filter((k) => k.stage !== null).map((k) => k.tile!))];
  for (const tile of tiles) {
    const names = rows.filter((k) => k.stage !== null && k.tile === tile).map((k) => k.name).join(", ");
    it(`${names}: exact against the reference for every stage, signedness, layout and edge shape`, () => {
      const oneRow = tile.startsWith("1x32");
      fc.assert(fc.property(gemmCase().filter((x) => !oneRow || x.c.m === 1), (x) => void checkGemm(get(), x, { forceTile: tile })), { numRuns: oneRow ? 60 : 120 });
    });
  }
  for (const k of rows.filter((k) => k.variant === "packa")) {
    it(`${k.name} packs A so that the GEMM stays exact`, () => {
      fc.assert(fc.property(gemmCase(), (x) => void checkGemm(get(), x, { forcePacka: k.isa as "scalar" | "simd128" })), { numRuns: 60 });
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
