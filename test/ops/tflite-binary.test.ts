// add / sub / mul with TFLite numerics against qkern/reference (tfliteAddRef, tfliteMulRef,
// broadcastIndexRef): both numerics, int8 and uint8, TFLite's broadcasting (vector per channel,
// scalar, [N, H, 1, C] against [1, 1, W, 1], rank 1 to 5), fused activations and clamps, edge-biased
// scales (powers of two, ratios at XNNPACK's range limits), zero points at the extremes and
// saturating values, in every build.

import fc from "fast-check";
import { expect, it } from "vitest";
import { add, loadModel, mul, sub } from "../../src/index.js";
import { broadcastIndexRef, tfliteActivationRange, tfliteAddRef, tfliteMulRef } from "../../src/reference/index.js";
import { describeBuilds, expectError, guardAfter, rng } from "../support/helpers.js";
import { binaryTflite } from "../support/tflite-build.js";

const f = Math.fround;
const shapes = fc.oneof(
  fc.record({ h: fc.integer({ min: 1, max: 5 }), w: fc.integer({ min: 1, max: 5 }), c: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(16, 17, 31)) })
    .chain(({ h, w, c }) => fc.constantFrom<[number[], number[]]>(
      [[1, h, w, c], [1, h, w, c]], [[1, h, w, c], [c]], [[1, h, w, c], [1, 1, 1, c]], [[1, h, w, c], [1]], [[1], [1, h, w, c]], [[c], [1, h, w, c]],
      [[2, h, 1, c], [1, 1, w, 1]], [[1, h, w, 1], [1, 1, 1, c]], [[h, 1, c], [w, 1]], [[2, 1, h, w, c], [h, 1, c]], [[h * w * c], [h * w * c]],
    )),
);
const scale = fc.oneof(fc.constantFrom(1, 0.5, 2 ** -7, 2 ** -10, 0.0078125, 1 / 255, 0.1), fc.float({ min: f(1e-3), max: f(0.5), noNaN: true }));
const zp = (dtype: "int8" | "uint8") => fc.oneof(fc.constantFrom(...(dtype === "int8" ? [-128, 127, 0, -1] : [0, 255, 128])), fc.integer({ min: dtype === "int8" ? -128 : 0, max: dtype === "int8" ? 127 : 255 }));
const caseArb = fc.constantFrom("int8" as const, "uint8" as const).chain((dtype) => fc.record({
  dtype: fc.constant(dtype), shapes, sa: scale, sb: scale, sy: scale, za: zp(dtype), zb: zp(dtype), zy: zp(dtype),
  numerics: fc.constantFrom("litert" as const, "reference" as const), activation: fc.constantFrom("none" as const, "none" as const, "relu" as const, "relu6" as const, "relu_n1_to_1" as const),
  mode: fc.integer({ min: 0, max: 2 }), seed: fc.integer(),
}));

function values(r: () => number, n: number, dtype: "int8" | "uint8", mode: number): number[] {
  const lo = dtype === "int8" ? -128 : 0;
  return Array.from({ length: n }, () => (mode === 0 ? lo + Math.floor(r() * 256) : mode === 1 ? (r() < 0.5 ? lo : lo + 255) : lo + 124 + Math.floor(r() * 8)));
}

describeBuilds("add / sub / mul with TFLite numerics", (get) => {
  for (const kind of ["add", "sub", "mul"] as const) {
    it(`${kind}: every output equals the reference (both numerics, broadcasting, activations)`, () => {
      const qk = get();
      fc.assert(fc.property(caseArb, (c) => {
        const [sa, sb] = c.shapes;
        const qa = { scale: f(c.sa), zeroPoint: c.za };
        const qb = { scale: f(c.sb), zeroPoint: c.zb };
        // MUL's output scale near the product keeps TFLite's multiplier in range; ADD's near the inputs'.
        const qy = { scale: f(kind === "mul" ? c.sa * c.sb * (0.05 + c.sy) : Math.max(c.sa, c.sb) * (0.1 + 4 * c.sy)), zeroPoint: c.zy };
        const r = rng(c.seed);
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const av = values(r, size(sa), c.dtype, c.mode);
        const bv = values(r, size(sb), c.dtype, c.mode);
        const Arr = c.dtype === "int8" ? Int8Array : Uint8Array;
        using a = qk.tensor(Arr.from(av), sa, { quant: qa });
        using b = qk.tensor(Arr.from(bv), sb, { quant: qb });
        const opts = { numerics: c.numerics, activation: c.activation, output: qy };
        using y = kind === "add" ? add(a, b, opts) : kind === "sub" ? sub(a, b, opts) : mul(a, b, opts);
        const [lo, hi] = tfliteActivationRange(c.activation, qy.scale, qy.zeroPoint, c.dtype);
        const want = Array.from({ length: y.size }, (_, i) => {
          const x1 = av[broadcastIndexRef(i, y.shape, sa)]!;
          const x2 = bv[broadcastIndexRef(i, y.shape, sb)]!;
          return kind === "mul" ? tfliteMulRef(x1, x2, qa, qb, qy, c.numerics, lo, hi) : tfliteAddRef(x1, x2, qa, qb, qy, kind === "sub", c.numerics, lo, hi);
        });
        expect(Array.from(y.toArray())).toEqual(want);
        // Into a caller's output: the same bytes, nothing written past its end.
        using out = qk.empty(c.dtype, y.shape, { quant: qy });
        const intact = guardAfter(out);
        const withOut = { numerics: c.numerics, activation: c.activation, out };
        if (kind === "add") add(a, b, withOut);
        else if (kind === "sub") sub(a, b, withOut);
        else mul(a, b, withOut);
        expect(Array.from(out.toArray())).toEqual(want);
        expect(intact()).toBe(true);
      }), { numRuns: 150 });
    });
  }

  it("loadModel 'reference': ADD / SUB / MUL files with broadcasting give tfliteAddRef / tfliteMulRef", () => {
    const qk = get();
    const r = rng(77);
    for (let t = 0; t < 12; t++) {
      const code = ([0, 41, 18] as const)[t % 3]!;
      const qa = { scale: f(0.02 + r() * 0.1), zeroPoint: Math.floor(r() * 256) - 128 };
      const qb = { scale: f(0.02 + r() * 0.1), zeroPoint: Math.floor(r() * 256) - 128 };
      const qy = { scale: code === 18 ? f(qa.scale * qb.scale * 2 ** Math.floor(r() * 4)) : f(qa.scale * 2 ** Math.floor(r() * 2)), zeroPoint: Math.floor(r() * 256) - 128 };
      const act = (["none", "relu", "relu6", "relu_n1_to_1"] as const)[t % 4]!;
      using m = loadModel(qk, binaryTflite(code, [1, 3, 4, 5], [5], [1, 3, 4, 5], "int8", qa, qb, qy, act), { numerics: "reference" });
      const av = values(r, 60, "int8", t % 3);
      const bv = values(r, 5, "int8", 0);
      const [y] = m.run([Int8Array.from(av), Int8Array.from(bv)]);
      const [lo, hi] = tfliteActivationRange(act, qy.scale, qy.zeroPoint, "int8");
      const want = av.map((x, i) => (code === 18 ? tfliteMulRef(x, bv[i % 5]!, qa, qb, qy, "reference", lo, hi) : tfliteAddRef(x, bv[i % 5]!, qa, qb, qy, code === 41, "reference", lo, hi)));
      expect(Array.from(y!), `code ${code} ${act}`).toEqual(want);
    }
  });

  it("ratios at XNNPACK's limits switch 'litert' to TFLite's kernel, as LiteRT does", () => {
    const qk = get();
    // sa / sy = 2^-11 is below XNNPACK's add range: TFLite's reference arithmetic runs.
    using a = qk.tensor(Int8Array.of(-128, 127, 5), [3], { quant: { scale: 2 ** -11, zeroPoint: 0 } });
    using b = qk.tensor(Int8Array.of(3, -3, 100), [3], { quant: { scale: 1, zeroPoint: 0 } });
    using y1 = add(a, b, { numerics: "litert", output: { scale: 1, zeroPoint: 0 } });
    using y2 = add(a, b, { numerics: "reference", output: { scale: 1, zeroPoint: 0 } });
    expect(Array.from(y1.toArray())).toEqual(Array.from(y2.toArray()));
  });

  it("refuses shapes that do not broadcast, mixed dtypes, and numerics with a stage", () => {
    const qk = get();
    const q = { quant: { scale: 0.1, zeroPoint: 0 } };
    using a = qk.tensor(new Int8Array(6), [2, 3], q);
    using b = qk.tensor(new Int8Array(2), [2], q);
    using u = qk.tensor(new Uint8Array(6), [2, 3], q);
    expectError(() => sub(a, b), "sub", "b", /does not broadcast/);
    expectError(() => mul(a, u), "mul", "b", /int8/);
    expectError(() => add(a, a, { numerics: "litert", stage: "fp32" }), "add", "options.stage", /cannot be combined/);
    expectError(() => mul(a, a, { numerics: "exact" as never }), "mul", "options.numerics", /'litert' or 'reference'/);
  });
});

describeBuilds("add / sub / mul into the same output again", (get) => {
  it("repeated calls into one output follow whatever changed (inputs, operation, activation, numerics) and refuse a disposed input", () => {
    const qk = get();
    const q = (s: number, z: number) => ({ quant: { scale: s, zeroPoint: z } });
    using a = qk.tensor(Int8Array.from({ length: 24 }, (_, i) => i * 9 - 100), [2, 3, 4], q(0.05, 3));
    using b = qk.tensor(Int8Array.from({ length: 24 }, (_, i) => 90 - i * 7), [2, 3, 4], q(0.07, -5));
    using c = qk.tensor(Int8Array.from({ length: 4 }, (_, i) => i * 30 - 50), [4], q(0.02, 1));
    using out = qk.empty("int8", [2, 3, 4], q(0.1, -2));
    const fresh = (fn: typeof add, x: typeof a, y: typeof a, o: Parameters<typeof add>[2]) => {
      using f = fn(x, y, { ...o, output: { scale: 0.1, zeroPoint: -2 } });
      return Array.from(f.toArray());
    };
    const cases: Array<[typeof add, typeof a, typeof a, Parameters<typeof add>[2]]> = [
      [add, a, b, { numerics: "litert" }], [add, a, b, { numerics: "litert" }], [add, a, c, { numerics: "litert" }], [sub, a, b, { numerics: "litert" }],
      [add, a, b, { numerics: "reference" }], [add, a, b, { numerics: "litert", activation: "relu" }], [mul, b, c, { numerics: "litert" }], [add, a, b, { numerics: "litert" }],
    ];
    for (const [fn, x, y, o] of cases) {
      fn(x, y, { ...o, out });
      expect(Array.from(out.toArray()), `${fn.name} ${JSON.stringify(o)}`).toEqual(fresh(fn, x, y, o));
    }
    const gone = qk.tensor(Int8Array.from({ length: 24 }, () => 1), [2, 3, 4], q(0.07, -5));
    const opts = { numerics: "litert" as const, out };
    add(a, gone, opts);
    gone.dispose();
    expect(() => add(a, gone, opts)).toThrow(/disposed/);
  });
});
