// qs32_q8_requant: the two output stages. Registry rows × builds against the literal reference
// formulas (exact: TOLERANCES.sameFormula), the public `requantize` op, and the distance to the
// real-valued result (TOLERANCES.quantizedVsReal).
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, requantize, type Multipliers } from "../../src/index.js";
import { outputParams } from "../../src/kernels/output.js";
import { buildHas } from "../../src/registry.js";
import { fp32Multiplier, quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32 } from "../../src/reference/index.js";
import { accumulator, length, scale, zeroPoint } from "../support/arbitraries.js";
import { describeBuilds, withRaw } from "../support/helpers.js";

const RUNS = { numRuns: 150 };

const multiplier = fc.oneof(fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }), fc.constantFrom(0, 2 ** 30, 2 ** 31 - 1));
const shift = fc.oneof(fc.integer({ min: -31, max: 2 }), fc.constantFrom(-31, -1, 0, 1, 30));
const fp32Scale = fc.oneof(scale, fc.float({ min: Math.fround(1e-12), max: Math.fround(1e6), noNaN: true, noDefaultInfinity: true }));

const kernelCase = fc
  .record({ unsigned: fc.boolean(), rows: fc.integer({ min: 1, max: 5 }), cols: length, channels: fc.integer({ min: 1, max: 6 }) })
  .chain(({ unsigned, rows, cols, channels }) => {
    const dtype = unsigned ? "uint8" : "int8";
    const c = Math.max(channels, cols, 1);
    return fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      channels: fc.constant(channels),
      acc: fc.array(accumulator, { minLength: rows * cols, maxLength: rows * cols }),
      scales: fc.array(fp32Scale, { minLength: c, maxLength: c }),
      mults: fc.array(multiplier, { minLength: c, maxLength: c }),
      shifts: fc.array(shift, { minLength: c, maxLength: c }),
      zp: zeroPoint(dtype),
      bounds: fc.tuple(fc.integer({ min: unsigned ? 0 : -128, max: unsigned ? 255 : 127 }), fc.integer({ min: unsigned ? 0 : -128, max: unsigned ? 255 : 127 }))
        .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
    });
  });

describeBuilds("qs32_q8_requant kernels", (get, isa) => {
  for (const k of KERNELS.filter((k) => k.family === "qs32_q8_requant" && buildHas(isa, k))) {
    const stage = k.stage as "fp32" | "fixedpoint";
    const byCols = k.tile === "cols";
    it(`${k.name} matches the reference bit for bit, never writes outside its output`, () => {
      fc.assert(
        fc.property(kernelCase, ({ rows, cols, channels: ch, acc, scales, mults, shifts, zp, bounds: [qmin, qmax] }) => {
          const qk = get();
          const channels = byCols ? cols : ch;
          const m: Multipliers = stage === "fp32"
            ? { stage, scale: Float32Array.from(scales.slice(0, channels)) }
            : { stage, multiplier: Int32Array.from(mults.slice(0, channels)), shift: Int32Array.from(shifts.slice(0, channels)) };
          withRaw(qk, (s) => {
            const px = s.i32(acc);
            const pp = s.input(new Uint8Array(outputParams(qk.rt).bytes(stage, channels)));
            outputParams(qk.rt).write(pp, m, zp, qmin, qmax);
            const py = s.output(rows * cols);
            qk.raw.kernel(k.name)(px, py, rows, cols, pp);
            const got = s.read(py, rows * cols);
            for (let i = 0; i < rows * cols; i++) {
              const c = byCols ? i % cols : Math.floor(i / cols) % channels;
              const want = (stage === "fp32"
                ? requantizeFp32(acc[i]!, scales[c]!, zp, qmin, qmax)
                : requantizeFixedpoint(acc[i]!, mults[c]!, shifts[c]!, zp, qmin, qmax)) & 0xff;
              if (got[i] !== want) {
                expect.fail(`element ${i} acc=${acc[i]} ${stage === "fp32" ? `m=${scales[c]}` : `mult=${mults[c]} shift=${shifts[c]}`} zp=${zp} [${qmin},${qmax}]: got ${got[i]}, want ${want}`);
              }
            }
          });
        }),
        RUNS,
      );
    });
  }
});

const opCase = fc.record({
  unsigned: fc.boolean(),
  perChannel: fc.boolean(),
  rows: fc.integer({ min: 1, max: 4 }),
  cols: fc.integer({ min: 1, max: 40 }),
  stage: fc.constantFrom("fp32" as const, "fixedpoint" as const),
  activation: fc.constantFrom("none" as const, "relu" as const, "relu6" as const),
}).chain((c) => fc.record({
  c: fc.constant(c),
  acc: fc.array(fc.oneof(fc.integer({ min: -40000, max: 40000 }), accumulator), { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }),
  accScales: fc.array(fc.float({ min: Math.fround(1e-6), max: Math.fround(1e-2), noNaN: true }), { minLength: c.cols, maxLength: c.cols }),
  outScale: fc.float({ min: Math.fround(1e-3), max: Math.fround(1), noNaN: true }),
  zp: zeroPoint(c.unsigned ? "uint8" : "int8"),
}));

describeBuilds("requantize", (get) => {
  it("equals the reference stages, per tensor and per channel (last axis), with fused activations", () => {
    fc.assert(
      fc.property(opCase, ({ c, acc, accScales, outScale, zp }) => {
        const qk = get();
        const dtype = c.unsigned ? "uint8" : "int8";
        const quant = c.perChannel ? { axis: 1, scale: accScales } : { scale: accScales[0]! };
        using a = qk.tensor(Int32Array.from(acc), [c.rows, c.cols], { quant });
        using y = requantize(a, { dtype, scale: outScale, zeroPoint: zp }, { stage: c.stage, activation: c.activation });
        const [lo, hi] = c.unsigned ? [0, 255] : [-128, 127];
        const f32Out = Math.fround(outScale);
        const qmin = c.activation === "none" ? lo : Math.max(lo, zp);
        const qmax = c.activation === "relu6" ? Math.min(hi, zp + Math.round(6 / f32Out)) : hi;
        const got = y.toArray();
        for (let i = 0; i < acc.length; i++) {
          const s = Math.fround(c.perChannel ? accScales[i % c.cols]! : accScales[0]!);
          let want: number;
          if (c.stage === "fp32") want = requantizeFp32(acc[i]!, fp32Multiplier(s, 1, f32Out), zp, qmin, qmax);
          else {
            const q = quantizeMultiplierRef(s / f32Out);
            want = requantizeFixedpoint(acc[i]!, q.multiplier, q.shift, zp, qmin, qmax);
          }
          expect(got[i], `element ${i}`).toBe(want);
          // TOLERANCES.quantizedVsReal: within one step of the real-valued result.
          const real = Math.min(qmax, Math.max(qmin, Math.round((acc[i]! * s) / f32Out) + zp));
          expect(Math.abs(got[i]! - real), `element ${i} vs real`).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  // Regression (fast-check counterexample, fixed in this commit): a multiplier just above 1 has
  // shift 1, and TFLite's int32 `acc · 2` wrapped INT32_MIN to 0 (output = zero point instead of
  // −128). The left shift now saturates.
  it("saturates the fixed-point left shift instead of wrapping (regression)", () => {
    const qk = get();
    using a = qk.tensor(Int32Array.from([-2147483648, 2147483647, 1000]), [3], { quant: { scale: 0.0010000027250498533 } });
    using y = requantize(a, { dtype: "int8", scale: 0.0010000000474974513, zeroPoint: 0 }, { stage: "fixedpoint" });
    expect(Array.from(y.data)).toEqual([-128, 127, 127]);
  });

  it("keeps per-axis parameters on a non-last axis (rows layout)", () => {
    const qk = get();
    using a = qk.tensor(Int32Array.from([100, 200, 300, 100, 200, 300]), [2, 3], { quant: { axis: 0, scale: [0.01, 0.02] } });
    using y = requantize(a, { dtype: "int8", scale: 0.1 });
    expect(Array.from(y.data)).toEqual([10, 20, 30, 20, 40, 60]);
  });
});
