// Cross-build identity (TOLERANCES.crossBuild): every build available in this process gives the
// same bytes for the same op on the same input. The default run compares scalar and simd128;
// the relaxed run (test/vitest.relaxed.config.ts) compares all three.
import fc from "fast-check";
import { expect, it } from "vitest";
import { dequantize, dynamicQuantize, quantize, requantize, type Qkern, type Tensor } from "../../src/index.js";
import { accumulator, quantDType, quantInput, scale, zeroPoint } from "../support/arbitraries.js";
import { allAvailableBuilds } from "../support/helpers.js";

const builds: Qkern[] = await allAvailableBuilds();

function same(results: Tensor[]): void {
  const bytes = results.map((t) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.byteLength)));
  for (let i = 1; i < bytes.length; i++) expect(bytes[i], `${results[i]!.qk.isa} vs ${results[0]!.qk.isa}`).toEqual(bytes[0]);
  results.forEach((t) => t.dispose());
}

it(`builds in this run (${builds.map((b) => b.isa).join(", ")}) agree byte for byte on quantize / dequantize / dynamicQuantize / requantize`, () => {
  expect(builds.length).toBeGreaterThanOrEqual(2);
  const cases = fc.tuple(quantDType, scale).chain(([dtype, s]) => fc.record({
    dtype: fc.constant(dtype),
    s: fc.constant(s),
    values: fc.array(quantInput(s), { maxLength: 300 }),
    accs: fc.array(accumulator, { maxLength: 300 }),
    stage: fc.constantFrom("fp32" as const, "fixedpoint" as const),
    zp: zeroPoint("int8"),
  }));
  fc.assert(
    fc.property(cases, ({ dtype, s, values, accs, stage, zp }) => {
      const zpFor = dtype === "int8" ? zp : 0;
      same(builds.map((qk) => { using x = qk.tensor(values); return quantize(x, { dtype, scale: s, zeroPoint: zpFor }); }));
      same(builds.map((qk) => { using x = qk.tensor(values); using q = quantize(x, { dtype, scale: s, zeroPoint: zpFor }); return dequantize(q); }));
      const finite = values.map((v) => (Number.isFinite(v) ? Math.max(-1e30, Math.min(1e30, v)) : 0));
      same(builds.map((qk) => { using x = qk.tensor(finite); return dynamicQuantize(x, { dtype: zp % 2 ? "int8" : "uint8" }); }));
      same(builds.map((qk) => {
        using a = qk.tensor(Int32Array.from(accs), [accs.length], { quant: { scale: s } });
        return requantize(a, { dtype: "int8", scale: 0.37, zeroPoint: zp }, { stage });
      }));
    }),
    { numRuns: 100 },
  );
});
