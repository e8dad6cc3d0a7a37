// qs8_dwconv / qu8_dwconv / f32_dwconv: depthwise convolution. Every kernel tile of every build,
// forced through the op, against the reference (exact: TOLERANCES.accumulators / sameFormula;
// float: the same operation order, so exact too), over random geometry, padding modes,
// multipliers, batch, zero points at the extremes; the bytes after each output are guarded; and
// the distance of 8-bit outputs to the real-valued result (TOLERANCES.quantizedVsReal). Few
// channels (the row-vectorized anyp16w kernels and the binding's choice between them and the
// channel kernels) get their own geometries, also in guard mode (scratch and output in bounds).
import fc from "fast-check";
import { beforeAll, it } from "vitest";
import { KERNELS } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { createQkern, type Qkern } from "../../src/index.js";
import { checkDwconv, checkDwconvInteger, dwconvGeometry, dwconvSmallGeometry, dwconvStage } from "../support/dwconv-check.js";
import { describeBuilds } from "../support/helpers.js";

describeBuilds("depthwise convolution", (get, isa) => {
  const rows = KERNELS.filter((k) => (k.family === "qs8_dwconv" || k.family === "qu8_dwconv" || k.family === "f32_dwconv") && buildHas(isa, k) && k.stage !== null);
  const groups = new Map<string, string[]>();
  for (const k of rows) {
    const tile = k.tile!;
    const key = `${k.family}|${tile}`;
    groups.set(key, [...(groups.get(key) ?? []), k.name]);
  }
  for (const [key, names] of groups) {
    const [family, tile] = key.split("|") as [string, string];
    const size = tile.startsWith("3x3") ? 3 : tile.startsWith("5x5") ? 5 : undefined;
    it(`${names.join(", ")}: exact against the reference`, () => {
      fc.assert(
        fc.property(dwconvGeometry(size), dwconvStage, fc.integer(), (g, stage, seed) => checkDwconv(get(), family, g, stage, seed, tile)),
        { numRuns: 40 },
      );
    });
  }
});

describeBuilds("depthwise convolution, few channels", (get, isa) => {
  const rows = KERNELS.filter((k) => (k.family === "qs8_dwconv" || k.family === "qu8_dwconv") && k.tile === "anyp16w" && buildHas(isa, k));
  let guarded: Qkern | undefined;
  beforeAll(async () => {
    guarded = await createQkern({ isa, guard: true });
  });
  for (const unsigned of [false, true]) {
    const family = unsigned ? "qu8_dwconv" : "qs8_dwconv";
    const names = rows.filter((k) => k.family === family).map((k) => k.name);
    it(`${family}, the binding's choice${names.length > 0 ? ` (${names.join(", ")} or the channel kernels)` : ""}: exact against the reference`, () => {
      fc.assert(fc.property(dwconvSmallGeometry, dwconvStage, fc.integer(), (g, stage, seed) => checkDwconvInteger(get(), g, unsigned, stage, seed)), { numRuns: 60 });
    });
    it.skipIf(names.length === 0)(`${names.join(", ") || `${family} anyp16w (not in the ${isa} build)`}, forced: exact against the reference, in guard mode too`, () => {
      fc.assert(fc.property(dwconvSmallGeometry, dwconvStage, fc.integer(), (g, stage, seed) => checkDwconvInteger(get(), g, unsigned, stage, seed, "anyp16w")), { numRuns: 80 });
      fc.assert(fc.property(dwconvSmallGeometry, dwconvStage, fc.integer(), (g, stage, seed) => checkDwconvInteger(guarded!, g, unsigned, stage, seed, "anyp16w")), { numRuns: 20 });
    });
  }
});
