// Hostile numbers: NaN, ±Infinity, subnormals, −0 and the float32 extremes into quantize,
// dequantize, dynamicQuantize, chooseQuantParams, the calibration observers, palettize, prune and
// quantizeInt4; scales at the float32 extremes; output multipliers that overflow or underflow.
// Every case has a documented result (README "Guarantees": hostile numbers): an exact value, a
// documented saturation, or a QkernError; never a hang, NaN or non-positive scale.
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  QkernError, chooseQuantParams, createObserver, dequantize, dynamicQuantize, gemm, gemmPalettized, packGemmWeights, packPalettizedWeights, palettize, prune, pruneGlobal,
  quantize, quantizeInt4, quantizeMultiplier, requantize, type ObserverKind, type QuantDType,
} from "../../src/index.js";
import { dequantizeLinear, gemmFloatStage, matmulInteger, quantizeLinear, quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32, fp32Multiplier } from "../../src/reference/index.js";
import { HOSTILE_FLOATS } from "../support/fuzz-data.js";
import { allAvailableBuilds, describeBuilds } from "../support/helpers.js";

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 1.1754943508222875e-38;
const F32_MIN_SUB = 1.401298464324817e-45;
const EXTREME_SCALES = [F32_MIN_SUB, 1e-44, F32_MIN_NORMAL, 2 ** -126 * 1.5, 1e-30, 1, 1e30, F32_MAX / 255, F32_MAX];
const DTYPES: QuantDType[] = ["int8", "uint8", "int4", "uint4"];
const RANGES: Record<QuantDType, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int4: [-8, 7], uint4: [0, 15] };
/** Hostile float32 inputs: the fuzzer's list plus neighbours of the extremes and of ties. */
const VALUES = Float32Array.from([...HOSTILE_FLOATS, F32_MIN_NORMAL, -F32_MIN_NORMAL, 2 ** -149 * 3, 0.5, -0.5, 1.5, 2.5, 127.5, -128.5, 1e-7, 65504, 2 ** 24 + 2]);

describeBuilds("hostile numbers", (get) => {
  it("quantize: every hostile value × extreme scale × zero point equals the reference (NaN → zero point, ±Inf saturate)", () => {
    const qk = get();
    using x = qk.tensor(VALUES, [VALUES.length]);
    for (const dtype of DTYPES) {
      const [lo, hi] = RANGES[dtype];
      for (const scale of EXTREME_SCALES) {
        for (const zeroPoint of [lo, 0 < lo ? lo : 0, hi]) {
          using q = quantize(x, { dtype, scale, zeroPoint });
          expect(Array.from(q.toArray()), `${dtype} scale ${scale} zp ${zeroPoint}`).toEqual(Array.from(quantizeLinear(VALUES, [VALUES.length], dtype, { scale: Math.fround(scale), zeroPoint })));
        }
      }
      // Per axis: each column its own extreme scale.
      const cols = EXTREME_SCALES.length;
      const rows = Math.ceil(VALUES.length / cols);
      const grid = Float32Array.from({ length: rows * cols }, (_, i) => VALUES[i % VALUES.length]!);
      using xg = qk.tensor(grid, [rows, cols]);
      using q = quantize(xg, { dtype, axis: 1, scale: EXTREME_SCALES, zeroPoint: EXTREME_SCALES.map((_, i) => (i % 2 ? lo : hi)) });
      expect(Array.from(q.toArray())).toEqual(Array.from(quantizeLinear(grid, [rows, cols], dtype, { axis: 1, scale: Float32Array.from(EXTREME_SCALES), zeroPoint: EXTREME_SCALES.map((_, i) => (i % 2 ? lo : hi)) })));
    }
  });

  it("dequantize with extreme scales equals the reference bit for bit (products beyond float32 are ±Infinity)", () => {
    const qk = get();
    for (const scale of EXTREME_SCALES) {
      using q = qk.tensor(new Int8Array([-128, -1, 0, 1, 2, 127]), [6], { quant: { scale, zeroPoint: 0 } });
      using y = dequantize(q);
      expect(new Uint8Array(y.toArray().buffer)).toEqual(new Uint8Array(dequantizeLinear([-128, -1, 0, 1, 2, 127], [6], { scale: Math.fround(scale), zeroPoint: 0 }).buffer));
    }
  });

  it("dynamicQuantize: NaN and ±Infinity are refused; subnormal and −0 ranges give scale 1; an overflowing range is refused", () => {
    const qk = get();
    for (const bad of [NaN, Infinity, -Infinity]) {
      using x = qk.tensor([1, bad, -2], [3]);
      expect(() => dynamicQuantize(x)).toThrow(/dynamicQuantize: x: row 0 contains (NaN|an infinity) \(float32\[3\]\)/);
      expect(() => dynamicQuantize(x, { dtype: "int8" })).toThrow(QkernError);
    }
    for (const [values, want] of [
      [[-0, -0, 0], { u8: { scale: 1, zeroPoint: 0 }, s8: { scale: 1, zeroPoint: 0 } }],
      [[F32_MIN_SUB, -F32_MIN_SUB], { u8: { scale: 1, zeroPoint: 0 }, s8: { scale: 1, zeroPoint: 0 } }],
      [[F32_MIN_NORMAL, 0], { u8: { scale: Math.fround(F32_MIN_NORMAL / 255), zeroPoint: 0 }, s8: { scale: Math.fround(F32_MIN_NORMAL / 127), zeroPoint: 0 } }],
    ] as const) {
      using x = qk.tensor(values as unknown as number[]);
      expect(dynamicQuantize(x).quant).toEqual(want.u8);
      expect(dynamicQuantize(x, { dtype: "int8" }).quant).toEqual(want.s8);
    }
    using wide = qk.tensor([-F32_MAX, F32_MAX]);
    expect(() => dynamicQuantize(wide)).toThrow(/dynamicQuantize: x: row 0: .*gives scale Infinity/);
    expect(dynamicQuantize(wide, { dtype: "int8" }).quant).toEqual({ scale: Math.fround(F32_MAX / 127), zeroPoint: 0 });
  });

  it("requantize: an fp32 multiplier that overflows is refused; one that underflows gives the zero point; fixed-point saturates as TFLite", () => {
    const qk = get();
    const accs = new Int32Array([-(2 ** 31), -65536, -1, 0, 1, 65535, 2 ** 31 - 1]);
    const cases: Array<[number, number]> = [[F32_MIN_SUB, F32_MAX], [1e-30, 1e10], [2 ** -31, 1], [2 ** -32, 1], [2 ** -33, 1], [2 ** -40, 1], [1, 2 ** -30], [1, 2 ** -31], [F32_MAX, 1], [F32_MAX, F32_MIN_NORMAL]];
    for (const [accScale, outScale] of cases) {
      using acc = qk.tensor(accs, [7], { quant: { scale: accScale } });
      for (const dtype of ["int8", "uint8"] as const) {
        const zp = dtype === "int8" ? -5 : 130;
        const [lo, hi] = RANGES[dtype];
        const m = fp32Multiplier(accScale, 1, outScale);
        if (!Number.isFinite(m)) {
          expect(() => requantize(acc, { dtype, scale: outScale, zeroPoint: zp })).toThrow(/requantize: target.scale: the fp32 multiplier .* overflows float32/);
        } else {
          using y = requantize(acc, { dtype, scale: outScale, zeroPoint: zp });
          expect(Array.from(y.toArray()), `fp32 ${accScale}/${outScale}`).toEqual(Array.from(accs, (a) => requantizeFp32(a, m, zp, lo, hi)));
        }
        using yf = requantize(acc, { dtype, scale: outScale, zeroPoint: zp }, { stage: "fixedpoint" });
        const q = quantizeMultiplierRef(Math.fround(accScale) / Math.fround(outScale));
        expect(Array.from(yf.toArray()), `fixedpoint ${accScale}/${outScale}`).toEqual(Array.from(accs, (a) => requantizeFixedpoint(a, q.multiplier, q.shift, zp, lo, hi)));
      }
    }
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(F32_MAX / F32_MIN_SUB)).toEqual({ multiplier: 2 ** 31 - 1, shift: 30 });
    expect(() => quantizeMultiplier(NaN)).toThrow(/quantizeMultiplier: real: must be finite and >= 0/);
  });

  it("palettize → pack → gemmPalettized on subnormal, −0 and extreme weights: positive finite scales, no NaN", () => {
    const qk = get();
    for (const fill of [F32_MIN_SUB, -0, 1e-44, F32_MIN_NORMAL, F32_MAX, -F32_MAX]) {
      const w = Float32Array.from({ length: 64 * 2 }, (_, i) => (i % 3 === 0 ? fill : i % 3 === 1 ? -fill : 0));
      const p = palettize(w, [64, 2], { bits: 2 });
      for (const s of p.scales) expect(s > 0 && Number.isFinite(s), `scale for ${fill}`).toBe(true);
      expect(Number.isNaN(p.sqnr)).toBe(false);
      using packed = packPalettizedWeights(qk, p);
      using y = gemmPalettized(qk.tensor(new Float32Array(64).fill(1), [1, 64]), packed, { output: "int32" });
      expect(y.toArray().every((v) => Number.isInteger(v))).toBe(true);
    }
  });
});

it("chooseQuantParams: any double pair gives a positive finite float32 scale and an in-range zero point, or a QkernError", () => {
  const hostile = fc.oneof(fc.double(), fc.constantFrom(...HOSTILE_FLOATS, F32_MAX, -F32_MAX, 1e39, -1e39, F32_MIN_NORMAL));
  fc.assert(fc.property(hostile, hostile, fc.constantFrom<QuantDType>(...DTYPES), fc.constantFrom("asymmetric" as const, "symmetric" as const), (a, b, dtype, scheme) => {
    const [min, max] = a <= b ? [a, b] : [b, a];
    let p;
    try {
      p = chooseQuantParams(min, max, { dtype, scheme });
    } catch (e) {
      expect(e).toBeInstanceOf(QkernError);
      expect((e as QkernError).op).toBe("chooseQuantParams");
      // Refused only for a non-finite bound, or a range whose float32 span (asymmetric) or bound
      // (symmetric) overflows float32.
      const f = Math.fround;
      const lo = f(Math.min(f(min), 0));
      const hi = f(Math.max(f(max), 0));
      const overflow = scheme === "asymmetric" ? !Number.isFinite(f(hi - lo)) : !Number.isFinite(Math.max(hi, -lo));
      expect(!Number.isFinite(min) || !Number.isFinite(max) || overflow, `[${min}, ${max}] ${scheme}: ${(e as Error).message}`).toBe(true);
      return;
    }
    expect(Number.isFinite(p.scale) && p.scale > 0 && Math.fround(p.scale) === p.scale).toBe(true);
    expect(Number.isInteger(p.zeroPoint) && p.zeroPoint >= p.qmin && p.zeroPoint <= p.qmax).toBe(true);
  }), { numRuns: 3000 });
  expect(chooseQuantParams(-0, -0)).toEqual({ scale: 1, zeroPoint: -128, qmin: -128, qmax: 127 });
  expect(chooseQuantParams(F32_MIN_SUB, F32_MIN_SUB, { dtype: "uint8" }).scale).toBe(1);
  expect(() => chooseQuantParams(NaN, 1)).toThrow(/chooseQuantParams: min\/max: must be finite/);
  expect(() => chooseQuantParams(-F32_MAX, F32_MAX)).toThrow(/gives scale Infinity/);
});

it("observers refuse NaN, ±Infinity and values beyond float32 (no hang, state kept); finite extremes give finite ranges", () => {
  const kinds: ObserverKind[] = ["minmax", "moving-average", "percentile", "mse"];
  for (const kind of kinds) {
    for (const bad of [NaN, Infinity, -Infinity, 1e39]) {
      const o = createObserver(kind);
      o.observe([1, 2]);
      const before = o.range();
      expect(() => o.observe([0.5, bad]), `${kind} ${bad}`).toThrow(/^observe: values: element 1 is .*; observers take finite float32 values/);
      expect(o.range()).toEqual(before);
    }
  }
  fc.assert(fc.property(fc.constantFrom(...kinds), fc.array(fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, F32_MIN_SUB, -F32_MAX, F32_MAX, 1e-40)), { maxLength: 50 }), { minLength: 1, maxLength: 4 }), (kind, batches) => {
    const o = createObserver(kind, { bins: 64 });
    for (const b of batches) o.observe(b);
    const [lo, hi] = o.range();
    expect(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi, `${kind}: [${lo}, ${hi}]`).toBe(true);
  }), { numRuns: 400 });
  expect(() => createObserver("mse", { levels: 1 })).toThrow(/createObserver: options.levels: must be an integer >= 2/);
});

it("palettize, prune and quantizeInt4 refuse NaN and ±Infinity weights", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const w = Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? bad : i / 32));
    expect(() => palettize(w, [16, 2])).toThrow(/palettize: weights: element \(2, 1\) is/);
    expect(() => prune(w, [16, 2], { sparsity: 0.5 })).toThrow(/prune: tensors\[0\]: element 5 is .*must be finite \(shape \[16,2\]\)/);
    expect(() => pruneGlobal([{ weights: new Float32Array(8), shape: [4, 2] }, { weights: w, shape: [16, 2] }], { sparsity: 0.5 })).toThrow(/prune: tensors\[1\]/);
    expect(() => quantizeInt4(w, [32, 1])).toThrow(/quantizeInt4: weights: element \(5, 0\) is/);
  }
  const sub = Float32Array.from({ length: 32 }, (_, i) => (i % 2 ? -0 : F32_MIN_SUB * i));
  const r = prune(sub, [16, 2], { sparsity: 0.5 });
  expect(r.sparsity).toBeGreaterThanOrEqual(0.5);
  expect(Number.isNaN(r.sqnr)).toBe(false);
  const q = quantizeInt4(sub, [32, 1]);
  expect(q.scales[0]).toBe(Math.fround((30 * F32_MIN_SUB) / 7)); // a subnormal scale is kept when it is > 0
  expect(quantizeInt4(new Float32Array(32).fill(F32_MIN_SUB), [32, 1]).scales[0], "max|w| / 7 underflows: scale 1").toBe(1);
});

it("gemm's float32 output follows IEEE float32 when A scale · B scale overflows (±Infinity, 0 · Infinity = NaN), identically in every build", async () => {
  const a = new Int8Array([0, 1, -1, 0, 5, 0, 0, 0]);
  const b = new Int8Array([1, 0, 0, 0, -1, 0, 0, 0]);
  const want = gemmFloatStage(matmulInteger({ m: 2, k: 4, n: 2, a, aZeroPoint: 0, b, bZeroPoint: 0 }), 2, 3e38, 3e38);
  const bits = await Promise.all((await allAvailableBuilds()).map((qk) => {
    using at = qk.tensor(a, [2, 4], { quant: { scale: 3e38 } });
    using w = packGemmWeights(qk.tensor(b, [4, 2], { quant: { scale: 3e38 } }), { sparse: false });
    using y = gemm(at, w, { output: "float32" });
    const got = y.toArray();
    got.forEach((v, i) => expect(Object.is(v, want[i]) || (Number.isNaN(v) && Number.isNaN(want[i])), `${qk.isa} element ${i}: ${v} vs ${want[i]}`).toBe(true));
    return Array.from(new Uint32Array(got.buffer));
  }));
  for (const b2 of bits) expect(b2).toEqual(bits[0]);
});
