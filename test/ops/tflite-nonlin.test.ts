// TFLite LOGISTIC / TANH / HARD_SWISH (activation with numerics), RESIZE_BILINEAR /
// RESIZE_NEAREST_NEIGHBOR (resize) and grouped CONV_2D (loadModel) against the literal references of
// qkern/reference (src/reference/tflite-activations.ts, tflite-resize.ts), exactly, in every build,
// with edge-biased generators; plus hand-derived values whose expectations follow from the TFLite
// formulas (each comment says how). LiteRT.js itself is compared in test/peers/tflite-nonlin-litert.test.ts.
import fc from "fast-check";
import { expect, it } from "vitest";
import { activation, createQkern, resize, type Qkern, type Tensor } from "../../src/index.js";
import {
  gemmlowpExp, gemmlowpExpOnNegativeValues, hardSwishTflite, resizeBilinearTfliteInteger, resizeBilinearXnnpack, resizeNearestTflite, tfliteActivationReference,
  tfliteActivationXnnpack,
} from "../../src/reference/index.js";
import { loadModel } from "../../src/tflite/load.js";
import { encodeTflite } from "../../src/tflite/writer.js";
import { length, scale, zeroPoint } from "../support/arbitraries.js";
import { describeBuilds, expectError, rng } from "../support/helpers.js";
import { groupedConvTflite, resizeTflite, lutTflite } from "../support/tflite-build.js";

type Q8 = "int8" | "uint8";
const LO: Record<Q8, number> = { int8: -128, uint8: 0 };

/** 8-bit values biased to the ends of the range and to the zero point's neighbourhood. */
function data8(seed: number, size: number, dtype: Q8, zp: number): number[] {
  const r = rng(seed);
  const mode = Math.floor(r() * 4);
  const clamp = (v: number): number => Math.min(LO[dtype] + 255, Math.max(LO[dtype], v));
  return Array.from({ length: size }, () => (mode === 0 ? LO[dtype] + (r() < 0.5 ? 0 : 255) : mode === 1 ? clamp(zp + Math.floor(r() * 9) - 4) : LO[dtype] + Math.floor(r() * 256)));
}

function tensor8(qk: Qkern, values: number[], shape: number[], dtype: Q8, q: { scale: number; zeroPoint: number }): Tensor {
  return qk.tensor(dtype === "int8" ? Int8Array.from(values) : Uint8Array.from(values), shape, { quant: q });
}

const dtypeArb = fc.constantFrom<Q8>("int8", "uint8");

/** LOGISTIC → RESIZE_BILINEAR → grouped CONV_2D (2 groups) → HARD_SWISH → RESIZE_NEAREST_NEIGHBOR → TANH, int8. */
function chain(): Uint8Array {
  const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });
  const act = (name: string, shape: number[], quant: { scale: number[]; zeroPoint: number[] }) => ({ name, shape, type: "int8" as const, quant });
  const r = rng(5);
  const w = Int8Array.from({ length: 6 * 3 * 3 * 2 }, () => Math.floor(r() * 255) - 127);
  const scales = Array.from({ length: 6 }, () => Math.fround(0.01 + r() * 0.02));
  const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return encodeTflite({
    tensors: [
      act("x", [1, 5, 5, 4], q(0.05, 3)), act("sig", [1, 5, 5, 4], q(1 / 256, -128)),
      { name: "size1", shape: [2], type: "int32", data: bytesOf(Int32Array.of(9, 7)) }, act("up", [1, 9, 7, 4], q(1 / 256, -128)),
      { name: "w", shape: [6, 3, 3, 2], type: "int8", data: bytesOf(w), quant: { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 } },
      { name: "b", shape: [6], type: "int32", data: bytesOf(Int32Array.from({ length: 6 }, () => Math.floor(r() * 400) - 200)), quant: { scale: scales.map((s) => Math.fround(s / 256)), zeroPoint: scales.map(() => 0), axis: 0 } },
      act("conv", [1, 5, 4, 6], q(0.02, -10)), act("hs", [1, 5, 4, 6], q(0.015, -20)),
      { name: "size2", shape: [2], type: "int32", data: bytesOf(Int32Array.of(11, 3)) }, act("near", [1, 11, 3, 6], q(0.015, -20)), act("y", [1, 11, 3, 6], q(1 / 128, 0)),
    ],
    inputs: [0], outputs: [10],
    operators: [
      { code: 14, inputs: [0], outputs: [1] },
      { code: 23, inputs: [1, 2], outputs: [3], options: { halfPixelCenters: true } },
      { code: 3, inputs: [3, 4, 5], outputs: [6], options: { padding: "same", strideW: 2, strideH: 2, activation: "relu6" } },
      { code: 117, inputs: [6], outputs: [7] },
      { code: 97, inputs: [7, 8], outputs: [9], options: { alignCorners: true } },
      { code: 28, inputs: [9], outputs: [10] },
    ],
  });
}

describeBuilds("TFLite activations, resize and grouped convolution", (get, isa) => {
  it("a chain of the new operators: the arena gives the bytes of guard mode (no kernel writes past its output); runs allocate nothing; dispose returns every byte", async () => {
    const qk = get();
    const guarded = await createQkern({ isa, guard: true });
    const bytes = chain();
    for (const numerics of ["reference", "litert"] as const) {
      const before = qk.memoryStats();
      const a = loadModel(qk, bytes, { numerics });
      using b = loadModel(guarded, bytes, { numerics });
      const x = Int8Array.from(data8(numerics.length, 100, "int8", 3));
      const first = Array.from(a.run([x])[0]!);
      const loaded = qk.memoryStats();
      expect(Array.from(a.run([x])[0]!)).toEqual(first);
      expect(qk.memoryStats()).toMatchObject({ bytesInUse: loaded.bytesInUse, allocations: loaded.allocations });
      expect(Array.from(b.run([x])[0]!), numerics).toEqual(first);
      expect(new Set(first).size, "output is not constant").toBeGreaterThan(3);
      a.dispose();
      expect(qk.memoryStats()).toMatchObject({ bytesInUse: before.bytesInUse, allocations: before.allocations });
    }
  });

  it("gemmlowp exp with 5 integer bits equals the softmax reference's; exp(−1) in Q4.27 is exp(−1) within 2^−20", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 0 }), (a) => {
      expect(gemmlowpExp(a, 5)).toBe(gemmlowpExpOnNegativeValues(a));
    }), { numRuns: 2000 });
    expect(Math.abs(gemmlowpExp(-(2 ** 27), 4) / 2 ** 31 - Math.exp(-1))).toBeLessThan(2 ** -20);
  });

  it("sigmoid and tanh with numerics 'reference' / 'litert' equal tflite-micro's fixed point / XNNPACK's table element by element", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, fc.constantFrom("sigmoid", "tanh") as fc.Arbitrary<"sigmoid" | "tanh">, scale, fc.integer({ min: 0, max: 255 }), length, fc.nat(),
      (dtype, fn, s, zpRaw, n, seed) => {
        const q = { scale: Math.fround(s), zeroPoint: LO[dtype] + zpRaw };
        const values = data8(seed, n, dtype, q.zeroPoint);
        using x = tensor8(qk, values, [n], dtype, q);
        using ref = activation(x, fn, { numerics: "reference" });
        using lit = activation(x, fn, { numerics: "litert" });
        const fixed = fn === "sigmoid" ? { scale: 1 / 256, zeroPoint: LO[dtype] } : { scale: 1 / 128, zeroPoint: LO[dtype] + 128 };
        expect(ref.quant).toEqual(fixed);
        expect(Array.from(ref.toArray())).toEqual(values.map((v) => tfliteActivationReference(fn, v, q, dtype)));
        expect(Array.from(lit.toArray())).toEqual(values.map((v) => tfliteActivationXnnpack(fn, v, q, dtype)));
      }), { numRuns: 300 });
  });

  it("hardSwish with either numerics equals TFLite's 16-bit fixed-point HARD_SWISH element by element; ratios of 128 and more are refused", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, scale, zeroPoint("uint8"), fc.double({ min: 1 / 200, max: 300, noNaN: true }), zeroPoint("uint8"), fc.nat(),
      (dtype, s, zpx, ratio, zpy, seed) => {
        const qx = { scale: Math.fround(s), zeroPoint: LO[dtype] + zpx };
        const qy = { scale: Math.fround(s / ratio), zeroPoint: LO[dtype] + zpy };
        const values = data8(seed, 300, dtype, qx.zeroPoint);
        using x = tensor8(qk, values, [300], dtype, qx);
        if (Math.fround(Math.fround(qx.scale / 128) / qy.scale) >= 1) {
          expectError(() => activation(x, "hardSwish", { numerics: "reference", output: qy }), "activation", "options.output", /HARD_SWISH needs input scale \/ output scale < 128/);
          return;
        }
        for (const numerics of ["reference", "litert"] as const) {
          using y = activation(x, "hardSwish", { numerics, output: qy });
          expect(Array.from(y.toArray())).toEqual(values.map((v) => hardSwishTflite(v, qx, qy, dtype)));
        }
      }), { numRuns: 300 });
  });

  it("hand-derived activation values", () => {
    const qk = get();
    const q = { scale: 0.05, zeroPoint: 0 };
    using x = tensor8(qk, [-128, -61, -60, 0, 60, 127], [6], "int8", q);
    // sigmoid(0) = 1/2 = 128/256 → −128 + 128 = 0; tanh(0) = 0 in both numerics.
    for (const numerics of ["reference", "litert"] as const) {
      using s = activation(x, "sigmoid", { numerics });
      using t = activation(x, "tanh", { numerics });
      expect(s.toArray()[3]).toBe(0);
      expect(t.toArray()[3]).toBe(0);
      // hard-swish(x) = 0 for x <= −3 (the reluish factor saturates at −1 → 0), x · 1 for x >= 3 (−61, −60 → 0; 60 → 60 at equal scales).
      using h = activation(x, "hardSwish", { numerics, output: q });
      expect(Array.from(h.toArray()).slice(1, 3)).toEqual([0, 0]);
      expect(h.toArray()[4]).toBe(60);
    }
    // Input scale 2^-4: real multiplier 2^23 → shift 24, radius floor(15 · 2^27 / 2^24) = 120, so −120 saturates to −128 and 119 does not.
    using r = tensor8(qk, [-120, -119, 119, 120], [4], "int8", { scale: 2 ** -4, zeroPoint: 0 });
    using sr = activation(r, "sigmoid", { numerics: "reference" });
    expect(sr.toArray()[0]).toBe(-128);
    expect(sr.toArray()[3]).toBe(127);
    expectError(() => activation(x, "sigmoid", { numerics: "reference", output: { scale: 0.01, zeroPoint: -128 } }), "activation", "options.output", /needs output scale 0.00390625 and zero point -128/);
    expectError(() => activation(x, "relu", { numerics: "litert" }), "activation", "options.numerics", /applies to sigmoid, tanh and hardSwish/);
  });

  it("resize: bilinear ('reference': ResizeBilinearInteger, 'litert': XNNPACK q11) and nearest (float / 16.16 fixed point) equal the references", () => {
    const qk = get();
    fc.assert(fc.property(dtypeArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 2 }), fc.nat(),
      (dtype, n, h, w, c, oh, ow, flags, seed) => {
        const r = { shape: [n, h, w, c] as const, size: [oh, ow] as const, alignCorners: flags === 1, halfPixelCenters: flags === 2 };
        const q = { scale: 0.1, zeroPoint: LO[dtype] + 5 };
        const values = data8(seed, n * h * w * c, dtype, q.zeroPoint);
        using x = tensor8(qk, values, [n, h, w, c], dtype, q);
        const opts = { size: [oh, ow] as [number, number], alignCorners: r.alignCorners, halfPixelCenters: r.halfPixelCenters };
        using br = resize(x, { ...opts, numerics: "reference" });
        using bl = resize(x, { ...opts, numerics: "litert" });
        using nr = resize(x, { ...opts, mode: "nearest", numerics: "reference" });
        using nl = resize(x, { ...opts, mode: "nearest", numerics: "litert" });
        expect(br.quant).toEqual({ scale: Math.fround(q.scale), zeroPoint: q.zeroPoint });
        expect(Array.from(br.toArray())).toEqual(resizeBilinearTfliteInteger(values, r));
        expect(Array.from(bl.toArray())).toEqual(resizeBilinearXnnpack(values, r));
        expect(Array.from(nr.toArray())).toEqual(resizeNearestTflite(values, r, false));
        expect(Array.from(nl.toArray())).toEqual(resizeNearestTflite(values, r, flags === 0));
      }), { numRuns: 200 });
  });

  it("resize: hand-derived values and refusals", () => {
    const qk = get();
    using x = tensor8(qk, [0, 5], [1, 1, 2, 1], "int8", { scale: 1, zeroPoint: 0 });
    // align_corners 2 → 3: the middle sample is 2.5, rounded away from zero (reference) and up (XNNPACK's + 2^21 >> 22): 3 either way.
    using a = resize(x, { size: [1, 3], alignCorners: true, numerics: "reference" });
    expect(Array.from(a.toArray())).toEqual([0, 3, 5]);
    using m = tensor8(qk, [0, -5], [1, 1, 2, 1], "int8", { scale: 1, zeroPoint: 0 });
    // −2.5: the reference rounds away from zero (−3), XNNPACK's arithmetic shift rounds up (−2).
    using mr = resize(m, { size: [1, 3], alignCorners: true, numerics: "reference" });
    using ml = resize(m, { size: [1, 3], alignCorners: true, numerics: "litert" });
    expect(mr.toArray()[1]).toBe(-3);
    expect(ml.toArray()[1]).toBe(-2);
    // Nearest 2 → 82: f32(2/82) · 41 = 0.99999994 floors to 0; ((2 << 16) / 82 + 1) · 41 >> 16 = 1.
    using t = tensor8(qk, [1, 2], [1, 2, 1, 1], "int8", { scale: 1, zeroPoint: 0 });
    using nr = resize(t, { size: [82, 1], mode: "nearest", numerics: "reference" });
    using nl = resize(t, { size: [82, 1], mode: "nearest", numerics: "litert" });
    expect([nr.toArray()[41], nl.toArray()[41]]).toEqual([1, 2]);
    expectError(() => resize(x, { size: [2, 2], alignCorners: true, halfPixelCenters: true }), "resize", "options.halfPixelCenters", /cannot be combined/);
    expectError(() => resize(x, { size: [0, 2] }), "resize", "options.size", /integers in 1..2\^24/);
    using other = qk.empty("int8", [1, 2, 2, 1], { quant: { scale: 2, zeroPoint: 0 } });
    expectError(() => resize(x, { size: [2, 2], out: other }), "resize", "options.out", /must have the input's quantization/);
  });

  it("loadModel: LOGISTIC, TANH, HARD_SWISH and both resizes run as the public ops under either numerics", () => {
    const qk = get();
    const r = rng(77);
    for (const numerics of ["reference", "litert"] as const) {
      for (const dtype of ["int8", "uint8"] as const) {
        const qx = { scale: 0.03, zeroPoint: LO[dtype] + 100 };
        const values = data8(Math.floor(r() * 1e6), 6 * 5 * 3, dtype, qx.zeroPoint);
        using x = tensor8(qk, values, [1, 6, 5, 3], dtype, qx);
        const input = dtype === "int8" ? Int8Array.from(values) : Uint8Array.from(values);
        for (const [code, fn] of [[14, "sigmoid"], [28, "tanh"], [117, "hardSwish"]] as const) {
          const qy = fn === "hardSwish" ? { scale: 0.02, zeroPoint: LO[dtype] + 30 } : fn === "sigmoid" ? { scale: 1 / 256, zeroPoint: LO[dtype] } : { scale: 1 / 128, zeroPoint: LO[dtype] + 128 };
          using model = loadModel(qk, lutTflite(code, [1, 6, 5, 3], dtype, qx, qy), { numerics });
          using y = activation(x, fn, { numerics, output: qy });
          expect(Array.from(model.run([input])[0]!), `${fn} ${dtype} ${numerics}`).toEqual(Array.from(y.toArray()));
        }
        for (const [code, mode] of [[23, "bilinear"], [97, "nearest"]] as const) {
          using model = loadModel(qk, resizeTflite(code, [1, 6, 5, 3], [11, 4], dtype, qx, false, true), { numerics });
          using y = resize(x, { size: [11, 4], mode, halfPixelCenters: true, numerics });
          expect(Array.from(model.run([input])[0]!), `${mode} ${dtype} ${numerics}`).toEqual(Array.from(y.toArray()));
        }
      }
    }
    expectError(() => loadModel(qk, lutTflite(14, [4], "int8", { scale: 0.1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 0 })), "loadModel", "operator 0 (LOGISTIC)", /needs output scale 0.00390625/);
  });

  it("loadModel: grouped CONV_2D equals the same convolution written with a block-diagonal (zero-filled) ungrouped filter, both numerics", () => {
    const qk = get();
    fc.assert(fc.property(fc.constantFrom(2, 3, 4, 8), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }),
      fc.constantFrom("same", "valid") as fc.Arbitrary<"same" | "valid">, fc.integer({ min: 0, max: 3 }), fc.nat(),
      (groups, icg, ocg, k, stride, padding, act, seed) => {
        const r = rng(seed);
        const [ic, oc, h] = [groups * icg, groups * ocg, k + 1 + Math.floor(r() * 6)];
        const o = padding === "same" ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
        const qx = { scale: 0.02, zeroPoint: Math.floor(r() * 256) - 128 };
        const qy = { scale: Math.fround(0.05 + r() * 0.2), zeroPoint: Math.floor(r() * 256) - 128 };
        const grouped = Int8Array.from({ length: oc * k * k * icg }, () => (r() < 0.1 ? -127 : Math.floor(r() * 255) - 127));
        const dense = new Int8Array(oc * k * k * ic);
        for (let oo = 0; oo < oc; oo++) {
          const g = Math.floor(oo / ocg);
          for (let t = 0; t < k * k; t++) for (let cc = 0; cc < icg; cc++) dense[(oo * k * k + t) * ic + g * icg + cc] = grouped[(oo * k * k + t) * icg + cc]!;
        }
        const scales = Array.from({ length: oc }, () => Math.fround(0.001 + r() * 0.01));
        const bias = Int32Array.from({ length: oc }, () => Math.floor(r() * 4000) - 2000);
        const x = Int8Array.from(data8(seed, h * h * ic, "int8", qx.zeroPoint));
        const file = (w: Int8Array, c: number) => groupedConvTflite([1, h, h, ic], { data: w, shape: [oc, k, k, c], scales }, bias, [1, o, o, oc], stride, padding, act, qx, qy);
        for (const numerics of ["reference", "litert"] as const) {
          using mg = loadModel(qk, file(grouped, icg), { numerics });
          using md = loadModel(qk, file(dense, ic), { numerics });
          expect(Array.from(mg.run([x])[0]!), `groups ${groups} ${numerics}`).toEqual(Array.from(md.run([x])[0]!));
        }
      }), { numRuns: 40 });
  });
});
