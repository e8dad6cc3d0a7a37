// q8_f32_vcvt and qs32_f32_vcvt: ONNX DequantizeLinear. Registry rows × builds against the
// reference (exact: TOLERANCES.sameFormula), then the public `dequantize` op.
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS, dequantize, type QuantDType } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { dequantizeLinear } from "../../src/reference/index.js";
import { accumulator, dtypeRange, length, quantDType, scale, zeroPoint } from "../support/arbitraries.js";
import { describeBuilds, withRaw } from "../support/helpers.js";

const RUNS = { numRuns: 150 };

const kernelCase = fc
  .record({ unsigned: fc.boolean(), wide: fc.boolean(), rows: fc.integer({ min: 1, max: 5 }), cols: length, channels: fc.integer({ min: 1, max: 5 }) })
  .chain(({ unsigned, wide, rows, cols, channels }) => {
    const dtype: QuantDType = unsigned ? "uint8" : "int8";
    const [lo, hi] = dtypeRange(dtype);
    const n = Math.max(channels, cols, 1);
    return fc.record({
      unsigned: fc.constant(unsigned),
      wide: fc.constant(wide),
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      channels: fc.constant(Math.min(channels, rows)),
      q: fc.array(wide ? accumulator : fc.integer({ min: lo, max: hi }), { minLength: rows * cols, maxLength: rows * cols }),
      scales: fc.array(scale, { minLength: n, maxLength: n }),
      zps: fc.array(wide ? fc.constant(0) : zeroPoint(dtype), { minLength: n, maxLength: n }),
    });
  });

describeBuilds("dequantize kernels", (get, isa) => {
  const rows = KERNELS.filter((k) => (k.family === "q8_f32_vcvt" || k.family === "qs32_f32_vcvt") && buildHas(isa, k));
  for (const k of rows) {
    const wide = k.family === "qs32_f32_vcvt";
    it(`${k.name} matches the reference bit for bit, never writes outside its output`, () => {
      fc.assert(
        fc.property(kernelCase.filter((c) => c.wide === wide), ({ unsigned, rows, cols, channels, q, scales, zps }) => {
          const qk = get();
          withRaw(qk, (s) => {
            const pq = wide ? s.i32(q) : s.input(unsigned ? Uint8Array.from(q) : new Uint8Array(Int8Array.from(q).buffer));
            const ps = s.f32(scales);
            const pz = s.i32(zps);
            const py = s.output(4 * rows * cols);
            const fn = qk.raw.kernel(k.name);
            if (wide) {
              if (k.variant === "rows") fn(pq, py, rows, cols, ps, channels);
              else fn(pq, py, rows, cols, ps);
            } else if (k.variant === "rows") fn(pq, py, rows, cols, ps, pz, channels, unsigned ? 1 : 0);
            else fn(pq, py, rows, cols, ps, pz, unsigned ? 1 : 0);
            const got = new Float32Array(s.read(py, 4 * rows * cols).buffer);
            for (let i = 0; i < rows * cols; i++) {
              const c = k.variant === "rows" ? Math.floor(i / cols) % channels : i % cols;
              const want = dequantizeLinear([q[i]!], [1], { scale: scales[c]!, zeroPoint: zps[c]! })[0]!;
              if (!Object.is(got[i], want)) expect.fail(`element ${i} (q=${q[i]}, scale=${scales[c]}, zp=${zps[c]}): got ${got[i]}, want ${want}`);
            }
          });
        }),
        RUNS,
      );
    });
  }
});

const opCase = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(16, 17, 33)), { minLength: 1, maxLength: 3 })
  .filter((shape) => shape.reduce((a, b) => a * b, 1) <= 3000)
  .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.option(fc.integer({ min: 0, max: shape.length - 1 }), { nil: undefined }), dtype: fc.oneof(quantDType, fc.constant("int32" as const)) }))
  .chain(({ shape, axis, dtype }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const c = axis === undefined ? 1 : shape[axis]!;
    const [lo, hi] = dtype === "int32" ? [-2147483648, 2147483647] : dtypeRange(dtype);
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.constant(axis),
      dtype: fc.constant(dtype),
      q: fc.array(dtype === "int32" ? accumulator : fc.integer({ min: lo, max: hi }), { minLength: size, maxLength: size }),
      scales: fc.array(scale, { minLength: c, maxLength: c }),
      zps: fc.array(dtype === "int32" ? fc.constant(0) : zeroPoint(dtype), { minLength: c, maxLength: c }),
    });
  });

describeBuilds("dequantize", (get) => {
  it("equals ONNX DequantizeLinear (reference) for int8, uint8, int4, uint4, int32, per tensor and per axis", () => {
    fc.assert(
      fc.property(opCase, ({ shape, axis, dtype, q, scales, zps }) => {
        const qk = get();
        const quant = axis === undefined ? { scale: scales[0]!, zeroPoint: zps[0]! } : { axis, scale: scales, zeroPoint: zps };
        using t = qk.tensor(q, shape, { dtype, quant });
        using y = dequantize(t);
        expect(y.shape).toEqual(shape);
        const want = dequantizeLinear(q, shape, quant);
        expect(Array.from(y.data)).toEqual(Array.from(want));
      }),
      RUNS,
    );
  });

  it("writes into a caller-provided float32 output", () => {
    const qk = get();
    using q = qk.tensor(new Uint8Array([0, 128, 255]), [3], { quant: { scale: 0.5, zeroPoint: 128 } });
    using out = qk.empty("float32", [3]);
    expect(dequantize(q, out)).toBe(out);
    expect(Array.from(out.data)).toEqual([-64, 0, 63.5]);
  });
});
