// f32_q8_vcvt: ONNX QuantizeLinear. Every registry row in every build against the reference
// (exact: TOLERANCES.sameFormula), then the public `quantize` op end to end.
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, dequantize, quantize, type QuantDType } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { quantizeLinear, quantizeValue } from "../../src/reference/index.js";
import { dtypeRange, length, quantDType, quantInput, scale, zeroPoint } from "../support/arbitraries.js";
import { describeBuilds, withRaw } from "../support/helpers.js";

const RUNS = { numRuns: 150 };

/** A kernel case: rows × cols of floats with `channels` parameter sets and clamp bounds. */
const kernelCase = fc
  .record({ dtype: quantDType, rows: fc.integer({ min: 1, max: 5 }), cols: length, channels: fc.integer({ min: 1, max: 5 }), s: scale })
  .chain(({ dtype, rows, cols, channels, s }) => {
    const [lo, hi] = dtypeRange(dtype);
    const n = Math.max(channels, cols);
    return fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      channels: fc.constant(Math.min(channels, rows)),
      x: fc.array(quantInput(s), { minLength: rows * cols, maxLength: rows * cols }),
      scales: fc.array(fc.oneof(fc.constant(s), scale), { minLength: n, maxLength: n }),
      zps: fc.array(zeroPoint(dtype), { minLength: n, maxLength: n }),
      qmin: fc.oneof(fc.constant(lo), fc.integer({ min: lo, max: hi })),
      qmax: fc.constant(hi),
    });
  });

describeBuilds("f32_q8_vcvt kernels", (get, isa) => {
  for (const k of KERNELS.filter((k) => k.family === "f32_q8_vcvt" && buildHas(isa, k))) {
    it(`${k.name} matches the reference bit for bit, never writes outside its output`, () => {
      fc.assert(
        fc.property(kernelCase, ({ rows, cols, channels, x, scales, zps, qmin, qmax }) => {
          const qk = get();
          const cs = k.variant === "cols" ? cols : channels;
          withRaw(qk, (s) => {
            const px = s.f32(x);
            const ps = s.f32(scales.slice(0, Math.max(cs, 1)));
            const pz = s.i32(zps.slice(0, Math.max(cs, 1)));
            const py = s.output(rows * cols);
            if (k.variant === "rows") qk.raw.kernel(k.name)(px, py, rows, cols, ps, pz, channels, qmin, qmax);
            else qk.raw.kernel(k.name)(px, py, rows, cols, ps, pz, qmin, qmax);
            const got = s.read(py, rows * cols);
            for (let i = 0; i < rows * cols; i++) {
              const c = k.variant === "rows" ? Math.floor(i / cols) % channels : i % cols;
              const want = quantizeValue(x[i]!, scales[c]!, zps[c]!, qmin, Math.max(qmin, qmax)) & 0xff;
              if (got[i] !== want) {
                expect.fail(`element ${i} (x=${x[i]}, scale=${scales[c]}, zp=${zps[c]}): got ${got[i]}, want ${want}`);
              }
            }
          });
        }),
        RUNS,
      );
    });
  }
});

/** Shapes of rank 1–3 with small dimensions, and an axis for per-axis parameters. */
const shapeCase = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(15, 16, 17, 33)), { minLength: 1, maxLength: 3 })
  .filter((shape) => shape.reduce((a, b) => a * b, 1) <= 3000)
  .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.option(fc.integer({ min: 0, max: shape.length - 1 }), { nil: undefined }), dtype: quantDType, s: scale }))
  .chain(({ shape, axis, dtype, s }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const c = axis === undefined ? 1 : shape[axis]!;
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.constant(axis),
      dtype: fc.constant(dtype),
      x: fc.array(quantInput(s), { minLength: size, maxLength: size }),
      scales: fc.array(fc.oneof(fc.constant(s), scale), { minLength: c, maxLength: c }),
      zps: fc.array(zeroPoint(dtype), { minLength: c, maxLength: c }),
    });
  });

describeBuilds("quantize", (get) => {
  it("equals ONNX QuantizeLinear (reference) for every dtype, per tensor and per axis", () => {
    fc.assert(
      fc.property(shapeCase, ({ shape, axis, dtype, x, scales, zps }) => {
        const qk = get();
        using t = qk.tensor(x, shape);
        const spec = axis === undefined
          ? { dtype, scale: scales[0]!, zeroPoint: zps[0]! }
          : { dtype, axis, scale: scales, zeroPoint: zps };
        using q = quantize(t, spec);
        const want = quantizeLinear(x, shape, dtype, axis === undefined ? { scale: scales[0]!, zeroPoint: zps[0]! } : { axis, scale: scales, zeroPoint: zps });
        expect(Array.from(q.toArray())).toEqual(Array.from(want));
        if ((dtype === "int4" || dtype === "uint4") && q.size % 2 === 1) {
          expect(q.data[q.byteLength - 1]! >> 4, "int4 padding nibble").toBe(0);
        }
      }),
      RUNS,
    );
  });

  it("writes into a caller-provided output and leaves its quant params as given", () => {
    const qk = get();
    using x = qk.tensor([0.5, -1, 2.25, 300, 0.025, -0.025], [3, 2]);
    using y = qk.zeros("uint8", [3, 2], { quant: { axis: 1, scale: [0.01, 0.5], zeroPoint: [128, 3] } });
    expect(quantize(x, y)).toBe(y);
    expect(Array.from(y.data)).toEqual([178, 1, 255, 255, 130, 3]);
  });

  it("round-trips within half a step of the real value (TOLERANCES.quantizeRoundTrip)", () => {
    fc.assert(
      fc.property(fc.constantFrom<QuantDType>("int8", "uint8"), scale, fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { maxLength: 100 }), (dtype, s0, raw) => {
        const qk = get();
        const s = Math.fround(s0);
        const zp = dtype === "int8" ? 0 : 128;
        const values = raw.map((v) => Math.fround(v * 100 * s)); // within ±100 steps: never saturates
        using x = qk.tensor(values);
        using q = quantize(x, { dtype, scale: s, zeroPoint: zp });
        using back = dequantize(q);
        back.data.forEach((v, i) => {
          expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual((s / 2) * (1 + 2 ** -22));
        });
      }),
      RUNS,
    );
  });
});
