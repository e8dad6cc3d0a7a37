// f32_rminmax kernels and the public dynamicQuantize op: ONNX DynamicQuantizeLinear (uint8) and
// the symmetric int8 variant, per tensor and per row (exact: TOLERANCES.sameFormula).
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, QkernError, dynamicQuantize, isPerAxisQuant } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { dynamicParamsS8, dynamicParamsU8, quantizeLinear } from "../../src/reference/index.js";
import { length } from "../support/arbitraries.js";
import { describeBuilds, withRaw } from "../support/helpers.js";

const RUNS = { numRuns: 150 };

const floats = fc.oneof(
  fc.float({ min: -1000, max: 1000, noNaN: true }),
  fc.constantFrom(0, -0, 1e-30, -1e-30, 3e38, -3e38),
);

describeBuilds("f32_rminmax kernels", (get, isa) => {
  for (const k of KERNELS.filter((k) => k.family === "f32_rminmax" && buildHas(isa, k))) {
    it(`${k.name} finds min, max and NaN per row`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), length, fc.boolean(), (rows, cols, withNan) => {
          const values = Array.from({ length: rows * cols }, (_, i) => Math.fround(Math.sin(i * 12.9898 + cols) * 1000));
          if (withNan && values.length > 0) values[values.length >> 1] = NaN;
          const qk = get();
          withRaw(qk, (s) => {
            const px = s.f32(values);
            const out = s.output(16 * rows);
            qk.raw.kernel(k.name)(px, rows, cols, out);
            const bytes = s.read(out, 16 * rows);
            const f = new Float32Array(bytes.buffer);
            const i = new Int32Array(bytes.buffer);
            for (let r = 0; r < rows; r++) {
              const row = values.slice(r * cols, (r + 1) * cols);
              const finite = row.filter((v) => !Number.isNaN(v));
              expect(f[4 * r]).toBe(finite.length ? Math.min(...finite) : Infinity);
              expect(f[4 * r + 1]).toBe(finite.length ? Math.max(...finite) : -Infinity);
              expect(i[4 * r + 2]).toBe(row.some((v) => Number.isNaN(v)) ? 1 : 0);
            }
          });
        }),
        RUNS,
      );
    });
  }
});

describeBuilds("dynamicQuantize", (get) => {
  it("matches ONNX DynamicQuantizeLinear (uint8) and the symmetric int8 variant, per tensor", () => {
    fc.assert(
      fc.property(fc.array(floats, { maxLength: 200 }), fc.constantFrom("uint8" as const, "int8" as const), (x, dtype) => {
        const qk = get();
        using t = qk.tensor(x);
        const p = dtype === "uint8" ? dynamicParamsU8(x) : dynamicParamsS8(x);
        if (!Number.isFinite(p.scale) || p.scale === 0) {
          expect(() => dynamicQuantize(t, { dtype })).toThrow(/dynamicQuantize: x: row 0: .*scale/);
          return;
        }
        using q = dynamicQuantize(t, { dtype });
        expect(q.quant).toEqual(p);
        expect(Array.from(q.toArray())).toEqual(Array.from(quantizeLinear(x, [x.length], dtype, p)));
      }),
      RUNS,
    );
  });

  it("gives one scale and zero point per row with perRow", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom("uint8" as const, "int8" as const), (rows, cols, dtype) => {
        const qk = get();
        const x = Array.from({ length: rows * cols }, (_, i) => Math.fround(Math.cos(i * 7.1 + rows) * (i % 7) * 3));
        using t = qk.tensor(x, [rows, cols]);
        using q = dynamicQuantize(t, { dtype, perRow: true });
        const quant = q.quant!;
        expect(isPerAxisQuant(quant)).toBe(true);
        const values = q.toArray();
        for (let r = 0; r < rows; r++) {
          const row = x.slice(r * cols, (r + 1) * cols);
          const p = dtype === "uint8" ? dynamicParamsU8(row) : dynamicParamsS8(row);
          if (!isPerAxisQuant(quant)) throw new Error("unreachable");
          expect([quant.scale[r], quant.zeroPoint[r]]).toEqual([p.scale, p.zeroPoint]);
          expect(Array.from(values.slice(r * cols, (r + 1) * cols))).toEqual(Array.from(quantizeLinear(row, [cols], dtype, p)));
        }
      }),
      RUNS,
    );
  });

  // Regression (cross-build property counterexample [-1.4e-45]): a range whose float32 scale
  // underflows to 0 used to throw; it now behaves like an all-zero range (scale 1).
  it("treats a range too small for a float32 scale like an all-zero range (regression)", () => {
    const qk = get();
    using t = qk.tensor([-1.401298464324817e-45]);
    using q = dynamicQuantize(t);
    expect(q.quant).toEqual({ scale: 1, zeroPoint: 0 });
    expect(Array.from(q.data)).toEqual([0]);
  });

  it("refuses NaN and infinities, and perRow on a tensor that is not 2-D", () => {
    const qk = get();
    using a = qk.tensor([1, NaN, 2]);
    using b = qk.tensor([1, -Infinity]);
    using c = qk.tensor([1, 2, 3, 4], [1, 2, 2]);
    expect(() => dynamicQuantize(a)).toThrow(/dynamicQuantize: x: row 0 contains NaN/);
    expect(() => dynamicQuantize(b)).toThrow(/infinity/);
    expect(() => dynamicQuantize(c, { perRow: true })).toThrow(QkernError);
  });
});
