// Ops with TFLite numerics (avgPool2d, globalAvgPool, softmax) against the literal references of
// qkern/reference (src/reference/tflite*.ts), exactly, in every build; plus hand-derived cases whose
// expected values follow from the TFLite source formulas (each comment says how).
import fc from "fast-check";
import { expect, it } from "vitest";
import { avgPool2d, globalAvgPool, softmax, type Qkern, type Tensor } from "../../src/index.js";
import {
  avgPoolTflite, expfMusl, meanLitert, meanTfliteBuiltin, meanTfliteMicro, softmaxTfliteLitert, softmaxTfliteReference, tfliteActivationRange, tfliteMultiplyByQuantizedMultiplier,
  tflitePoolPadding, tfliteQuantizeMultiplier, type TfliteActivation,
} from "../../src/reference/index.js";
import { softmaxTable } from "../../src/ops/softmax-tflite.js";
import { mulByQuantizedMultiplier, rdbpot, srdhm, tfliteMultiplier } from "../../src/ops/tflite-arith.js";
import { rdbpot as rdbpotRef, srdhm as srdhmRef } from "../../src/reference/requantize.js";
import { accumulator, scale, zeroPoint } from "../support/arbitraries.js";
import { describeBuilds, expectError, rng } from "../support/helpers.js";

type Q8 = "int8" | "uint8";
const RANGE: Record<Q8, [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

/** Random 8-bit data biased to the ends of the range (saturation, ties between neighbours). */
function data8(seed: number, size: number, dtype: Q8): number[] {
  const r = rng(seed);
  const [lo, hi] = RANGE[dtype];
  const mode = Math.floor(r() * 4);
  return Array.from({ length: size }, () => (mode === 0 ? (r() < 0.5 ? lo : hi) : mode === 1 ? lo + Math.floor(r() * 3) : lo + Math.floor(r() * (hi - lo + 1))));
}

function tensor8(qk: Qkern, values: number[], shape: number[], dtype: Q8, q: { scale: number; zeroPoint: number }): Tensor {
  return qk.tensor(dtype === "int8" ? Int8Array.from(values) : Uint8Array.from(values), shape, { quant: q });
}

describeBuilds("TFLite numerics", (get) => {
  it("integer helpers: the ops' number forms equal the literal BigInt forms", () => {
    fc.assert(fc.property(accumulator, accumulator, fc.integer({ min: 0, max: 31 }), (a, b, e) => {
      expect(srdhm(a, b)).toBe(srdhmRef(a, b));
      expect(rdbpot(a, e)).toBe(rdbpotRef(a, e));
    }), { numRuns: 3000 });
    fc.assert(fc.property(accumulator, fc.oneof(scale, fc.double({ min: 1e-9, max: 1e9, noNaN: true })), (x, real) => {
      const m = tfliteMultiplier(real);
      expect(m).toEqual(tfliteQuantizeMultiplier(real));
      expect(mulByQuantizedMultiplier(x, m.multiplier, m.shift)).toBe(tfliteMultiplyByQuantizedMultiplier(x, m.multiplier, m.shift));
    }), { numRuns: 2000 });
  });

  it("hand-computed helper values", () => {
    // 0.75 = 0.75 · 2^0 → multiplier round(0.75 · 2^31) = 1610612736, shift 0.
    expect(tfliteQuantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
    // 1 − 2^−40 rounds to 2^31 at 31 bits, so the multiplier renormalises to 2^30 with shift 1.
    expect(tfliteQuantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    // 7 · 0.5 = 3.5: SRDHM rounds up (3.5 → 4); −7 · 0.5 = −3.5: its nudge 1 − 2^30 makes −3.5 → −3.
    expect(tfliteMultiplyByQuantizedMultiplier(7, 2 ** 30, 0)).toBe(4);
    expect(tfliteMultiplyByQuantizedMultiplier(-7, 2 ** 30, 0)).toBe(-3);
    // Shift −1 on 7 · 0.5: SRDHM(7, 2^30) = 4 (3.5 up), then RoundingDivideByPOT(4, 1) = 2.
    expect(tfliteMultiplyByQuantizedMultiplier(7, 2 ** 30, -1)).toBe(2);
    // 2^30 · 2^2 overflows int32 (undefined in C++): qkern saturates to 2^31 − 1, then SRDHM by 0.5 gives 2^30.
    expect(tfliteMultiplyByQuantizedMultiplier(2 ** 30, 2 ** 30, 2)).toBe(2 ** 30);
    expect(mulByQuantizedMultiplier(2 ** 30, 2 ** 30, 2)).toBe(2 ** 30);
    // relu_n1_to_1 at scale 0.25, zero point 3: 3 ± round(1 / 0.25) = [−1, 7]; relu6 at 0.5: 3 + 12 = 15.
    expect(tfliteActivationRange("relu_n1_to_1", 0.25, 3, "int8")).toEqual([-1, 7]);
    expect(tfliteActivationRange("relu6", 0.5, 3, "uint8")).toEqual([3, 15]);
    // 6 / 0.04 = 150 in float32 → 100 + 150 = 250 > 127: the type's bound wins.
    expect(tfliteActivationRange("relu6", 0.04, 100, "int8")).toEqual([100, 127]);
    // f32(1 / f32(0.4)) = 2.5 exactly (the double quotient 2.49999996 would give 2): half away from zero → ±3.
    expect(tfliteActivationRange("relu_n1_to_1", 0.4, 0, "int8")).toEqual([-3, 3]);
  });

  it("avgPool2d with TFLite numerics equals avgPoolTflite (int8/uint8, SAME/VALID, fused activations)", () => {
    const qk = get();
    const geom = fc.record({
      n: fc.constantFrom(1, 1, 2), h: fc.integer({ min: 1, max: 8 }), w: fc.integer({ min: 1, max: 8 }), c: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(16, 17)),
      kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      padding: fc.constantFrom("same" as const, "valid" as const), dtype: fc.constantFrom<Q8>("int8", "uint8"), seed: fc.integer(),
      activation: fc.constantFrom<TfliteActivation>("none", "relu", "relu6", "relu_n1_to_1"), numerics: fc.constantFrom("reference" as const, "litert" as const),
    }).filter((g) => g.padding === "same" || (g.h >= g.kh && g.w >= g.kw));
    fc.assert(fc.property(geom, scale, fc.integer({ min: -128, max: 255 }), (g, s, zp0) => {
      const [lo8, hi8] = RANGE[g.dtype];
      const zp = Math.min(hi8, Math.max(lo8, zp0));
      const [oh, pt] = tflitePoolPadding(g.h, g.kh, g.sh, g.padding);
      const [ow, pl] = tflitePoolPadding(g.w, g.kw, g.sw, g.padding);
      const x = data8(g.seed, g.n * g.h * g.w * g.c, g.dtype);
      const [lo, hi] = tfliteActivationRange(g.activation, s, zp, g.dtype);
      const want = avgPoolTflite({ n: g.n, h: g.h, w: g.w, c: g.c, kh: g.kh, kw: g.kw, strides: [g.sh, g.sw], pads: [pt, pl], oh, ow }, x, lo, hi);
      using xt = tensor8(qk, x, [g.n, g.h, g.w, g.c], g.dtype, { scale: s, zeroPoint: zp });
      using y = avgPool2d(xt, { kernel: [g.kh, g.kw], strides: [g.sh, g.sw], padding: g.padding, numerics: g.numerics, activation: g.activation });
      expect(y.shape).toEqual([g.n, oh, ow, g.c]);
      expect(y.quant).toEqual(xt.quant);
      expect(Array.from(y.toArray())).toEqual(Array.from(want));
    }), { numRuns: 300 });
  });

  it("avgPool2d hand cases: round half away from zero on the raw sum, windows clipped to the input", () => {
    const qk = get();
    const q = { scale: 0.5, zeroPoint: 0 };
    // Pairs (1 × 2 windows): (1 + 2 + 1) / 2 = 2 (1.5 up); (−1 − 2 − 1) / 2 = −2 (−1.5 away from zero);
    // (0 + 1 + 1) / 2 = 1 (0.5 up); (−1 + 0 − 1) / 2 = −1; (127 + 126 + 1) / 2 = 127.
    using x = qk.tensor(new Int8Array([1, 2, -1, -2, 0, 1, -1, 0, 127, 126]), [1, 1, 10, 1], { quant: q });
    using y = avgPool2d(x, { kernel: [1, 2], strides: [1, 2], numerics: "reference" });
    expect(Array.from(y.toArray())).toEqual([2, -2, 1, -1, 127]);
    // Three taps: (−2 − 1 − 1 − 1) / 3 = −5 / 3 → −1 in C (truncation; −1.33 rounds to −1), (2 + 1 + 1 + 1) / 3 = 1.
    using x3 = qk.tensor(new Int8Array([-2, -1, -1, 2, 1, 1]), [1, 1, 6, 1], { quant: q });
    using y3 = avgPool2d(x3, { kernel: [1, 3], strides: [1, 3], numerics: "reference" });
    expect(Array.from(y3.toArray())).toEqual([-1, 1]);
    // uint8: (254 + 255 + 1) / 2 = 255; (0 + 1 + 1) / 2 = 1.
    using xu = qk.tensor(new Uint8Array([254, 255, 0, 1]), [1, 1, 4, 1], { quant: { scale: 0.1, zeroPoint: 128 } });
    using yu = avgPool2d(xu, { kernel: [1, 2], strides: [1, 2], numerics: "litert" });
    expect(Array.from(yu.toArray())).toEqual([255, 1]);
    // 3×3 SAME, stride 1: the corner window holds 4 taps (1, 2, 4, 5): (12 + 2) / 4 = 3 (3.0);
    // the centre holds all 9 (45 + 4) / 9 = 5; the top edge 6 taps (1..6: 21 + 3) / 6 = 4 (3.5 up).
    using g = qk.tensor(new Int8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1], { quant: q });
    using gy = avgPool2d(g, { kernel: 3, strides: 1, padding: "same", numerics: "reference" });
    const v = Array.from(gy.toArray());
    expect([v[0], v[1], v[4]]).toEqual([3, 4, 5]);
    // relu6 with scale 0.1, zero point −10: the range is [−10, −10 + 60]; the average 100 clamps to 50,
    // the average −50 to −10.
    using r = qk.tensor(new Int8Array([100, 100, -50, -50]), [1, 1, 4, 1], { quant: { scale: 0.1, zeroPoint: -10 } });
    using ry = avgPool2d(r, { kernel: [1, 2], strides: [1, 2], numerics: "reference", activation: "relu6" });
    expect(Array.from(ry.toArray())).toEqual([50, -10]);
  });

  it("avgPool2d with TFLite numerics refuses what TFLite does not compute", () => {
    const qk = get();
    using x = qk.tensor(new Int8Array(16), [1, 4, 4, 1], { quant: { scale: 0.5, zeroPoint: 1 } });
    using f = qk.tensor(new Float32Array(16), [1, 4, 4, 1]);
    const before = qk.memoryStats().bytesInUse;
    expectError(() => avgPool2d(x, { kernel: 2, numerics: "reference", output: { scale: 0.25, zeroPoint: 1 } }), "avgPool2d", "options.output", /keeps the input's quantization/);
    expectError(() => avgPool2d(x, { kernel: 2, numerics: "litert", output: { scale: 0.5, zeroPoint: 2 } }), "avgPool2d", "options.output", /keeps the input's quantization/);
    expectError(() => avgPool2d(x, { kernel: 2, dilations: 2, numerics: "reference" }), "avgPool2d", "options.dilations", /must be 1/);
    expectError(() => avgPool2d(f, { kernel: 2, numerics: "reference" }), "avgPool2d", "x", /int8 or uint8/);
    expectError(() => avgPool2d(x, { kernel: 2, activation: "relu" }), "avgPool2d", "options.activation", /numerics/);
    expectError(() => avgPool2d(x, { kernel: 2, numerics: "tflite" as never }), "avgPool2d", "options.numerics", /'reference' or 'litert'/);
    expectError(() => avgPool2d(x, { kernel: 2, padding: [0, 0, 2, 0], numerics: "reference" }), "avgPool2d", "options.padding", /no input tap/);
    expect(qk.memoryStats().bytesInUse).toBe(before); // nothing leaked by the refusals
  });

  it("globalAvgPool with TFLite numerics equals meanTfliteMicro / meanLitert / meanTfliteBuiltin", () => {
    const qk = get();
    const c = fc.record({
      n: fc.constantFrom(1, 1, 2), h: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(7, 14)), w: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(7, 14)),
      c: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(16, 33)), seed: fc.integer(), same: fc.boolean(),
      numerics: fc.constantFrom("reference" as const, "litert" as const, "builtin" as const), keepDims: fc.boolean(), unsigned: fc.boolean(),
    });
    fc.assert(fc.property(c, scale, scale, zeroPoint("int8"), zeroPoint("int8"), (g, sx, sy0, zx0, zy0) => {
      const dtype: Q8 = g.numerics !== "reference" && g.unsigned ? "uint8" : "int8";
      const shift = dtype === "uint8" ? 128 : 0;
      const qx = { scale: sx, zeroPoint: zx0 + shift };
      const qy = g.same ? qx : { scale: sy0, zeroPoint: zy0 + shift };
      const x = data8(g.seed, g.n * g.h * g.w * g.c, dtype);
      const want: number[] = [];
      for (let b = 0; b < g.n; b++) {
        for (let ch = 0; ch < g.c; ch++) {
          const vals = Array.from({ length: g.h * g.w }, (_, p) => x[(b * g.h * g.w + p) * g.c + ch]!);
          want.push(g.numerics === "reference" ? meanTfliteMicro(vals, qx, qy)
            : g.numerics === "litert" ? meanLitert(vals, qx, qy, dtype) : meanTfliteBuiltin(vals, qx, qy, g.keepDims, dtype));
        }
      }
      using xt = tensor8(qk, x, [g.n, g.h, g.w, g.c], dtype, qx);
      using y = globalAvgPool(xt, { output: qy, numerics: g.numerics, keepDims: g.keepDims });
      expect(y.shape).toEqual([g.n, 1, 1, g.c]);
      expect(Array.from(y.toArray())).toEqual(want);
    }), { numRuns: 300 });
  });

  it("globalAvgPool hand cases: micro truncates equal-parameter means, the builtin kernel rounds twice", () => {
    const qk = get();
    const q = { scale: 0.1, zeroPoint: 0 };
    // Equal parameters: tflite-micro's Σq / count in C, 3 / 2 = 1 and −3 / 2 = −1 (toward zero);
    // the builtin keep_dims kernel: f32(0.1 / (2 · 0.1)) = 0.5 = 2^30 · 2^−31, SRDHM(3, 2^30) = 2 (1.5 up),
    // SRDHM(−3, 2^30) = −1 (−1.5 toward +∞: the nudge is 1 − 2^30), bias 0 − trunc(0 − 0.5) = 0.
    using x = qk.tensor(new Int8Array([1, -1, 2, -2]), [1, 1, 2, 2], { quant: q });
    using micro = globalAvgPool(x, { numerics: "reference" });
    using builtin = globalAvgPool(x, { numerics: "builtin" });
    expect([Array.from(micro.toArray()), Array.from(builtin.toArray())]).toEqual([[1, -1], [2, -1]]);
    // sx 0.5 → sy 0.25, zy −10: QuantizedMeanOrSum with multiplier 2^30, shift 2 for the ratio 2; count 2
    // folds 1/2 in (shift 1): MBQM(3 + 4, 2^30, 1) = SRDHM(14, 2^30) = 7, 7 − 10 = −3 (the exact mean 3.5 · 2).
    using d = qk.tensor(new Int8Array([3, 4]), [1, 1, 2, 1], { quant: { scale: 0.5, zeroPoint: 0 } });
    using dy = globalAvgPool(d, { numerics: "reference", output: { scale: 0.25, zeroPoint: -10 } });
    expect(Array.from(dy.toArray())).toEqual([-3]);
    // [−5, −4] at (0.25, zp −3) into (0.5, zp 0): the real mean (−2, −1) · 0.25 / 0.5 = −0.75.
    // micro: MBQM(−9 + 6, 2^30, −1) = RDBPOT(SRDHM(−3, 2^30) = −1, 1) = −1.
    // builtin keep_dims: MBQM(−9, 2^30, −1) = RDBPOT(−4, 1) = −2, bias 0 − trunc(−1.5 − 0.5) = 2: 0.
    // builtin without keep_dims: QuantizedMeanOrSum, as micro: −1.
    const qx = { scale: 0.25, zeroPoint: -3 };
    const qy = { scale: 0.5, zeroPoint: 0 };
    using e = qk.tensor(new Int8Array([-5, -4]), [1, 2, 1, 1], { quant: qx });
    const run = (o: Parameters<typeof globalAvgPool>[1]): number => {
      using t = globalAvgPool(e, { output: qy, ...o });
      return t.toArray()[0]!;
    };
    expect([run({ numerics: "reference" }), run({ numerics: "builtin" }), run({ numerics: "builtin", keepDims: false })]).toEqual([-1, 0, -1]);
    // LiteRT (XNNPACK), measured with LiteRT.js 2.5.3: [1, 1, 2, 2] at scale 0.4 and zero point −99 for
    // input and output gives 2. m = f32(1 · f32(1/4)) = 0.25, bias = f32(−99 − f32(4 · −99) · 0.25) = 0,
    // roundHalfEven(6 · 0.25 + 0) = 2. ONNX Runtime's order (the default) rounds (6 + 396) · 0.25 = 100.5
    // to 100 before adding −99: 1. tflite-micro: equal parameters, trunc(6 / 4) = 1.
    const ql = { scale: 0.4, zeroPoint: -99 };
    using l = qk.tensor(new Int8Array([1, 1, 2, 2]), [1, 2, 2, 1], { quant: ql });
    const mean = (o: Parameters<typeof globalAvgPool>[1]): number => {
      using t = globalAvgPool(l, o);
      return t.toArray()[0]!;
    };
    expect([mean({ numerics: "litert" }), mean({}), mean({ numerics: "reference" })]).toEqual([2, 1, 1]);
    // uint8 through the builtin kernel: [250, 255] at zp 128 → f32(1/(2·1)) = 0.5, SRDHM(505, 2^30) = 253 (252.5 up), bias 0.
    using u = qk.tensor(new Uint8Array([250, 255]), [1, 2, 1, 1], { quant: { scale: 1, zeroPoint: 128 } });
    using uy = globalAvgPool(u, { numerics: "builtin" });
    expect(Array.from(uy.toArray())).toEqual([253]);
  });

  it("globalAvgPool with TFLite numerics refuses what it cannot compute", () => {
    const qk = get();
    using u = qk.tensor(new Uint8Array(4), [1, 2, 2, 1], { quant: { scale: 1, zeroPoint: 128 } });
    using f = qk.tensor(new Float32Array(4), [1, 2, 2, 1]);
    using x = qk.tensor(new Int8Array(4), [1, 2, 2, 1], { quant: { scale: 1, zeroPoint: 0 } });
    expectError(() => globalAvgPool(u, { numerics: "reference" }), "globalAvgPool", "x", /int8 data/);
    expectError(() => globalAvgPool(f, { numerics: "builtin" }), "globalAvgPool", "x", /int8 or uint8/);
    expectError(() => globalAvgPool(x, { numerics: "tflite" as never }), "globalAvgPool", "options.numerics", /'reference' or 'litert' or 'builtin'/);
    const before = qk.memoryStats().bytesInUse;
    expectError(() => globalAvgPool(x, { numerics: "builtin", output: { scale: 1e-10, zeroPoint: 0 } }), "globalAvgPool", "options.output", /too large/);
    expect(qk.memoryStats().bytesInUse).toBe(before);
  });

  it("softmax int8/uint8 with TFLite numerics equals softmaxTfliteReference / softmaxTfliteLitert", () => {
    const qk = get();
    const c = fc.record({
      rows: fc.constantFrom(1, 1, 2, 3), c: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(16, 17, 100, 1000)), seed: fc.integer(),
      dtype: fc.constantFrom<Q8>("int8", "uint8"), numerics: fc.constantFrom("reference" as const, "litert" as const),
      beta: fc.oneof(fc.constant(1), fc.constantFrom(0.5, 2, 1e-3), fc.float({ min: Math.fround(0.01), max: 10, noNaN: true })),
      inputScale: fc.oneof(scale, fc.constantFrom(1 / 16, 1 / 256, 0.1, 1, 20)), zp: fc.integer({ min: 0, max: 255 }),
    }).filter((g) => g.numerics === "litert" || Math.fround(g.beta) * Math.fround(g.inputScale) * 2 ** 26 > 1);
    fc.assert(fc.property(c, (g) => {
      const x = data8(g.seed, g.rows * g.c, g.dtype);
      const zp = g.dtype === "int8" ? g.zp - 128 : g.zp; // the input zero point never enters: differences only
      let want: number[] | null = [];
      try {
        for (let r = 0; r < g.rows; r++) {
          const row = x.slice(r * g.c, (r + 1) * g.c);
          want.push(...(g.numerics === "reference" ? softmaxTfliteReference(row, g.inputScale, g.beta, g.dtype)
            : softmaxTfliteLitert(row, g.inputScale, g.beta, 1 / 256, g.dtype === "int8" ? -128 : 0, g.dtype)));
        }
      } catch (e) {
        // A sum of exponentials of 512 or more (over 511 values near the maximum) fails TFLite's check
        // of the reference kernel's output exponent: the op refuses those rows too.
        expect(String(e)).toMatch(/exponent \d+ outside \[0, 31\]/);
        want = null;
      }
      using xt = tensor8(qk, x, [g.rows, g.c], g.dtype, { scale: g.inputScale, zeroPoint: zp });
      if (want === null) {
        expectError(() => softmax(xt, { output: g.dtype, numerics: g.numerics, beta: g.beta }), "softmax", "x", /output-exponent check/);
        return;
      }
      using y = softmax(xt, { output: g.dtype, numerics: g.numerics, beta: g.beta });
      expect(y.dtype).toBe(g.dtype);
      expect(y.quant).toEqual({ scale: 1 / 256, zeroPoint: g.dtype === "int8" ? -128 : 0 });
      expect(Array.from(y.toArray())).toEqual(want);
    }), { numRuns: 300 });
  });

  it("softmax hand cases", () => {
    const qk = get();
    const q = { scale: 0.0625, zeroPoint: 0 };
    for (const numerics of ["reference", "litert"] as const) {
      // Equal values share 256: two → 128 − 128 = 0; three → 85.33 → 85 − 128 = −43; eight → 32 − 128 = −96.
      // One value alone → 256, clamped to 127 (int8) / 255 (uint8).
      // [127, −128] at scale 1/16: exp(−255/16) = 1.2e−7 gives 0 → −128 (the reference kernel skips the
      // difference −255 < diff_min = −floor(31 · 2^26 / 2^23) = −248; the table kernel rounds 3e−5 to 0).
      const cases: Array<[number[], number[]]> = [[[5, 5], [0, 0]], [[0, 0, 0], [-43, -43, -43]], [[-7, -7, -7, -7, -7, -7, -7, -7], [-96, -96, -96, -96, -96, -96, -96, -96]], [[3], [127]], [[127, -128], [127, -128]]];
      for (const [v, want] of cases) {
        using x = qk.tensor(Int8Array.from(v), [1, v.length], { quant: q });
        using y = softmax(x, { output: "int8", numerics });
        expect(Array.from(y.toArray()), `${numerics} [${v.join(", ")}]`).toEqual(want);
      }
      using u = qk.tensor(new Uint8Array([200]), [1, 1], { quant: q });
      using uy = softmax(u, { output: "uint8", numerics });
      expect(Array.from(uy.toArray())).toEqual([255]);
      // beta 2 at scale 0.25 on [0, 2]: probabilities 1 / (1 + e^1) = 0.2689 and 0.7311 → 68.8, 187.2 → 69, 187 (−128).
      using b = qk.tensor(new Int8Array([0, 2]), [1, 2], { quant: { scale: 0.25, zeroPoint: 0 } });
      using by = softmax(b, { output: "int8", numerics, beta: 2 });
      expect(Array.from(by.toArray())).toEqual([-59, 59]);
    }
  });

  it("softmax: rows whose exponentials sum to 512 or more fail TFLite's reference kernel, not the builtin one", () => {
    const qk = get();
    // 600 equal values: the Q12.19 sum 600 · 2^19 has 9 bits above the unit, so the output exponent
    // 9 + 31 − 8 = 32 exceeds 31 (reference_ops::Softmax's TFLITE_CHECK). The table kernel computes
    // 256 / 600 = 0.43 → 0 → −128.
    using x = qk.tensor(new Int8Array(600), [1, 600], { quant: { scale: 0.1, zeroPoint: 0 } });
    expect(() => softmaxTfliteReference(Array.from(x.toArray()), 0.1, 1, "int8")).toThrow(/exponent 32/);
    expectError(() => softmax(x, { output: "int8", numerics: "reference" }), "softmax", "x", /output-exponent check/);
    using y = softmax(x, { output: "int8", numerics: "litert" });
    expect(new Set(y.toArray())).toEqual(new Set([-128]));
    // 511 equal values still pass: the sum 511 · 2^19 < 2^28, exponent 31; 256 / 511 = 0.5 → 1 (0.501 up).
    using z = qk.tensor(new Int8Array(511), [1, 511], { quant: { scale: 0.1, zeroPoint: 0 } });
    using zy = softmax(z, { output: "int8", numerics: "reference" });
    expect(new Set(zy.toArray())).toEqual(new Set([-127]));
  });

  it("softmax reads its input after allocating the output, which may grow wasm memory", () => {
    const qk = get();
    // Inputs of doubling size until one fits in the free memory and its output does not: that
    // allocation grows the memory, which detaches every view taken before it (the op read zeros
    // through a stale view once).
    const c = 256;
    const want = softmaxTfliteLitert(Array.from({ length: c }, (_, i) => i - 128), 0.05, 1, 1 / 256, -128, "int8");
    let grew = false;
    for (let rows = 64; !grew && rows <= 64 << 10; rows *= 2) {
      using x = qk.tensor(Int8Array.from({ length: rows * c }, (_, i) => (i % c) - 128), [rows, c], { quant: { scale: 0.05, zeroPoint: 0 } });
      const reserved = qk.memoryStats().bytesReserved;
      using y = softmax(x, { output: "int8", numerics: "litert" });
      grew = qk.memoryStats().bytesReserved > reserved;
      const got = y.toArray();
      for (const r of [0, rows >> 1, rows - 1]) expect(Array.from(got.subarray(r * c, (r + 1) * c))).toEqual(want);
    }
    expect(grew).toBe(true);
  });

  it("softmax refusals, the float default unchanged", () => {
    const qk = get();
    using x = qk.tensor(new Int8Array([1, 2, 3]), [1, 3], { quant: { scale: 0.1, zeroPoint: 0 } });
    using u = qk.tensor(new Uint8Array([1, 2, 3]), [1, 3], { quant: { scale: 0.1, zeroPoint: 0 } });
    using tiny = qk.tensor(new Int8Array([1, 2, 3]), [1, 3], { quant: { scale: 1e-9, zeroPoint: 0 } });
    using wrongOut = qk.empty("int8", [1, 3], { quant: { scale: 0.004, zeroPoint: -128 } });
    using nearOut = qk.empty("int8", [1, 3], { quant: { scale: 1 / 256 + 1e-7, zeroPoint: -128 } });
    const before = qk.memoryStats().bytesInUse;
    expectError(() => softmax(x, { output: "int8" }), "softmax", "options.numerics", /'reference' or 'litert'/);
    expectError(() => softmax(u, { output: "int8", numerics: "reference" }), "softmax", "x", /must be int8/);
    expectError(() => softmax(x, { numerics: "reference" }), "softmax", "options.numerics", /8-bit output/);
    expectError(() => softmax(x, { output: "int8", numerics: "litert", beta: 0 }), "softmax", "options.beta", /> 0/);
    expectError(() => softmax(tiny, { output: "int8", numerics: "reference" }), "softmax", "options.beta", /must exceed 1/);
    expectError(() => softmax(x, { output: "int8", numerics: "litert", out: wrongOut }), "softmax", "options.out", /1\/256/);
    // 1/256 + 1e−7 is within TFLite's 0.001/256 for the builtin kernel, not for the reference one.
    expectError(() => softmax(x, { output: "int8", numerics: "reference", out: nearOut }), "softmax", "options.out", /1\/256/);
    expect(qk.memoryStats().bytesInUse).toBe(before);
    expect(softmax(x, { output: "int8", numerics: "litert", out: nearOut })).toBe(nearOut);
    using p = softmax(x);
    expect(p.dtype).toBe("float32");
  });
});

it("expf: musl's algorithm within one float32 ulp of exp, and the ops' exp table equals the reference's", () => {
  const bits = (v: number): number => new Int32Array(new Float32Array([v]).buffer)[0]!;
  let differ = 0;
  for (let i = 0; i <= 40000; i++) {
    const x = Math.fround(-104 + (192 * i) / 40000);
    const a = expfMusl(x);
    const b = Math.fround(Math.exp(x));
    if (a !== b) {
      differ++;
      expect(Math.abs(bits(a) - bits(b)), `expf(${x})`).toBeLessThanOrEqual(1);
    }
  }
  expect(differ).toBeLessThan(200); // about 1 in 2000 arguments: musl's 0.502-ulp bound
  // exp(0) = 1, exp(−inf) = 0, below log(2^−150) → 0, above log(2^128) → inf (musl's special cases).
  expect([expfMusl(0), expfMusl(-Infinity), expfMusl(-104), expfMusl(89)]).toEqual([1, 0, 0, Infinity]);
  // The ops build their 2^(i/32) table by nested square roots, the reference by a 32nd root: all 256
  // entries of the softmax tables agree for a spread of input scales and betas.
  fc.assert(fc.property(scale, fc.float({ min: Math.fround(0.01), max: 10, noNaN: true }), (s, beta) => {
    const scaled = Math.fround(-Math.fround(s) * Math.fround(beta));
    expect(Array.from(softmaxTable(s, beta))).toEqual(Array.from({ length: 256 }, (_, i) => expfMusl(Math.fround(scaled * (255 - i)))));
  }), { numRuns: 300 });
});
