// quantize with TFLite numerics (float32 and 8-bit inputs), relu (RELU / RELU6 / RELU_N1_TO_1),
// concat with an axis and TFLite numerics, maxPool2d with a fused activation, and the float32 model
// inputs and outputs of loadModel: against qkern/reference (tfliteQuantizeRef, tfliteRequantizeRef,
// tfliteReluRef, tfliteConcatRequantRef, tfliteActivationRange), edge-biased, in every build.

import fc from "fast-check";
import { expect, it } from "vitest";
import { concat, dequantize, loadModel, maxPool2d, quantize, relu } from "../../src/index.js";
import { tfliteActivationRange, tfliteConcatRequantRef, tflitePoolPadding, tfliteQuantizeRef, tfliteReluRef, tfliteRequantizeRef } from "../../src/reference/index.js";
import { describeBuilds, expectError, rng } from "../support/helpers.js";
import { floatIoTflite, unaryTflite } from "../support/tflite-build.js";

const f = Math.fround;
type Q8 = "int8" | "uint8";
const lo = (d: Q8): number => (d === "int8" ? -128 : 0);
const dtypeArb = fc.constantFrom<Q8>("int8", "uint8");
const scaleArb = fc.oneof(fc.constantFrom(1, 0.5, 2 ** -7, 1 / 255, 0.1, 0.02), fc.float({ min: f(1e-3), max: f(0.5), noNaN: true }));
const zpArb = (d: Q8) => fc.oneof(fc.constantFrom(lo(d), lo(d) + 255, lo(d) + 128), fc.integer({ min: lo(d), max: lo(d) + 255 }));
const bytes = (d: Q8, v: number[]): Int8Array | Uint8Array => (d === "int8" ? Int8Array.from(v) : Uint8Array.from(v));
const every = (d: Q8): number[] => Array.from({ length: 256 }, (_, i) => lo(d) + i);

describeBuilds("TFLite QUANTIZE, RELU, CONCATENATION, MAX_POOL_2D as public ops", (get) => {
  it("quantize float32 → int8 / uint8 with numerics: tfliteQuantizeRef (ties, saturation, NaN-free edges)", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb.chain((d) => fc.record({ d: fc.constant(d), s: scaleArb, z: zpArb(d), seed: fc.integer(), numerics: fc.constantFrom("litert" as const, "reference" as const) })), (c) => {
      const r = rng(c.seed);
      const s = f(c.s);
      const x = Float32Array.from({ length: 67 }, (_, i) => f(i % 3 === 0 ? (Math.floor(r() * 600) - 300 + 0.5) * s : i % 3 === 1 ? (r() - 0.5) * 600 * s : [0, -0, 1e30, -1e30][i % 4]!));
      using xt = qk.tensor(x, [67]);
      using y = quantize(xt, { dtype: c.d, scale: s, zeroPoint: c.z }, { numerics: c.numerics });
      expect(Array.from(y.toArray())).toEqual(Array.from(x, (v) => tfliteQuantizeRef(v, { scale: s, zeroPoint: c.z }, c.d, c.numerics)));
    }), { numRuns: 120 });
  });

  it("quantize between 8-bit types and parameters with numerics: tfliteRequantizeRef over every input value", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, dtypeArb, fc.constantFrom("litert" as const, "reference" as const), scaleArb, fc.oneof(fc.constantFrom(1, 0.5, 2, 1 / 256, 128, 200), fc.float({ min: f(0.05), max: f(8), noNaN: true })), fc.integer(), (from, to, numerics, sx, ratio, seed) => {
      const r = rng(seed);
      const qx = { scale: f(sx), zeroPoint: lo(from) + Math.floor(r() * 256) };
      const qy = { scale: f(sx / ratio), zeroPoint: lo(to) + Math.floor(r() * 256) };
      using xt = qk.tensor(bytes(from, every(from)), [256], { quant: qx });
      using y = quantize(xt, { dtype: to, ...qy }, { numerics });
      expect(Array.from(y.toArray())).toEqual(every(from).map((v) => tfliteRequantizeRef(v, qx, from, qy, to, numerics)));
    }), { numRuns: 120 });
  });

  it("relu / relu6 / relu_n1_to_1: tfliteReluRef over every input value, equal and differing parameters; float32 clamps", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, fc.constantFrom("relu" as const, "relu6" as const, "relu_n1_to_1" as const), scaleArb, fc.boolean(), fc.integer(), (d, fn, s, same, seed) => {
      const r = rng(seed);
      const qx = { scale: f(s), zeroPoint: lo(d) + Math.floor(r() * 256) };
      const qy = same ? qx : { scale: f(s * (0.2 + 3 * r())), zeroPoint: lo(d) + Math.floor(r() * 256) };
      using xt = qk.tensor(bytes(d, every(d)), [256], { quant: qx });
      using y = relu(xt, { fn, output: qy });
      expect(Array.from(y.toArray())).toEqual(every(d).map((v) => tfliteReluRef(v, qx, qy, fn, d)));
    }), { numRuns: 120 });
    using xf = qk.tensor(Float32Array.of(-3, -0.5, 0.5, 7), [4]);
    using yf = relu(xf, { fn: "relu_n1_to_1" });
    expect(Array.from(yf.toArray())).toEqual([-1, -0.5, 0.5, 1]);
  });

  it("concat along any axis: copies when parameters agree; uint8 requantized as tfliteConcatRequantRef with numerics; int8 mismatches refused", () => {
    const qk = get();
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), fc.boolean(), (rank, axisPick, k, seed, numerics) => {
      const r = rng(seed);
      const axis = axisPick % rank;
      const base = Array.from({ length: rank }, () => 1 + Math.floor(r() * 4));
      const shapes = Array.from({ length: k }, () => base.map((v, j) => (j === axis ? Math.floor(r() * 4) : v)));
      const qy = { scale: f(0.01 + r() * 0.2), zeroPoint: Math.floor(r() * 256) };
      const qs = shapes.map(() => (r() < 0.4 ? qy : { scale: f(0.01 + r() * 0.2), zeroPoint: Math.floor(r() * 256) }));
      const vals = shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 256)));
      const ts = shapes.map((s, i) => qk.tensor(Uint8Array.from(vals[i]!), s, { quant: qs[i]! }));
      try {
        using y = concat(ts, { axis: axis - (r() < 0.5 ? rank : 0), output: qy, ...(numerics ? { numerics: "reference" as const } : {}) });
        const total = shapes.reduce((s, sh) => s + sh[axis]!, 0);
        expect(y.shape).toEqual(base.map((v, j) => (j === axis ? total : v)));
        // Reference: walk the output index by index.
        const inner = base.slice(axis + 1).reduce((a, b) => a * b, 1);
        // null: a default-arithmetic requantization (ONNX Runtime's table, tested with requantTable), not checked here.
        const want: Array<number | null> = [];
        const outer = base.slice(0, axis).reduce((a, b) => a * b, 1);
        for (let o = 0; o < outer; o++) {
          shapes.forEach((s, i) => {
            const c = s[axis]! * inner;
            for (let e = 0; e < c; e++) {
              const v = vals[i]![o * c + e]!;
              const same = qs[i]!.scale === qy.scale && qs[i]!.zeroPoint === qy.zeroPoint;
              want.push(same ? v : numerics ? tfliteConcatRequantRef(v, qs[i]!, qy) : null);
            }
          });
        }
        const got = Array.from(y.toArray());
        expect(got.map((v, i) => (want[i] === null ? null : v))).toEqual(want);
      } finally {
        for (const t of ts) t.dispose();
      }
    }), { numRuns: 100 });
    const q1 = { quant: { scale: 0.1, zeroPoint: 0 } };
    using a = qk.tensor(new Int8Array(4), [2, 2], q1);
    using b = qk.tensor(new Int8Array(4), [2, 2], { quant: { scale: 0.2, zeroPoint: 0 } });
    expectError(() => concat([a, b], { numerics: "litert" }), "concat", "xs[1]", /TFLite's int8 CONCATENATION requires them equal/);
    expectError(() => concat([a, b], { axis: 2 }), "concat", "options.axis", /must be an integer in \[-2, 1\]/);
  });

  it("maxPool2d with a fused activation: the window maximum clamped to tfliteActivationRange", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom("same" as const, "valid" as const),
      fc.constantFrom("none" as const, "relu" as const, "relu6" as const, "relu_n1_to_1" as const), scaleArb, fc.integer(), (d, h, c, k, s, padding0, activation, scale, seed) => {
        const r = rng(seed);
        const padding = h < k ? "same" : padding0;
        const q = { scale: f(scale), zeroPoint: lo(d) + Math.floor(r() * 256) };
        const v = Array.from({ length: h * h * c }, () => lo(d) + Math.floor(r() * 256));
        using x = qk.tensor(bytes(d, v), [1, h, h, c], { quant: q });
        using y = maxPool2d(x, { kernel: k, strides: s, padding, activation });
        const [oh, pad] = tflitePoolPadding(h, k, s, padding);
        const [qlo, qhi] = tfliteActivationRange(activation, q.scale, q.zeroPoint, d);
        const want: number[] = [];
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < oh; ox++) for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
            const iy = oy * s - pad + i, ix = ox * s - pad + j;
            if (iy >= 0 && iy < h && ix >= 0 && ix < h) m = Math.max(m, v[(iy * h + ix) * c + ch]!);
          }
          want.push(Math.min(qhi, Math.max(qlo, m)));
        }
        expect(Array.from(y.toArray())).toEqual(want);
      }), { numRuns: 100 });
  });

  it("loadModel: float32 inputs and outputs around QUANTIZE / DEQUANTIZE; float computation refused, naming the operator", () => {
    const qk = get();
    const q = { scale: 0.05, zeroPoint: -3 };
    const qy = { scale: f(6 / 255), zeroPoint: -128 };
    using m = loadModel(qk, floatIoTflite([2, 3], "int8", q, qy), { numerics: "reference" });
    expect([m.inputs[0]!.dtype, m.outputs[0]!.dtype, m.inputs[0]!.scale, m.outputs[0]!.zeroPoint]).toEqual(["float32", "float32", 1, 0]);
    const x = Float32Array.of(-1, 0, 0.125, 2.5, 6.2, 100);
    const [y] = m.run([x]);
    const want = Array.from(x, (v) => {
      const qv = tfliteQuantizeRef(v, q, "int8", "reference");
      return f((tfliteReluRef(qv, q, qy, "relu6", "int8") - qy.zeroPoint) * qy.scale);
    });
    expect(y).toBeInstanceOf(Float32Array);
    expect(Array.from(y!)).toEqual(want);
    using dq = qk.tensor(Int8Array.of(5), [1], { quant: qy });
    using df = dequantize(dq);
    expect(df.toArray()[0]).toBe(f((5 + 128) * qy.scale));
    // A float RELU (a float model): refused at load, naming the operator and tensor.
    expect(() => loadModel(qk, unaryTflite(19, [4], "float32", null, "float32", null))).toThrow(/operator 0 \(RELU\): computes on float32 tensor 0 \(x\); float32 runs only in CONV_2D.*\(float models\)/);
  });
});
