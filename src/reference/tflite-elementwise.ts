// TFLite's 8-bit elementwise operators, one value at a time, as TFLite's reference kernels and as
// LiteRT (TFLite's XNNPACK delegate) compute them. Slow and literal: the tests compare qkern's
// kernels with these. Sources: TFLite kernels add.cc / sub.cc / mul.cc / activations.cc /
// quantize.cc / concatenation.cc and reference/integer_ops/*.h; XNNPACK's microparams-init.c and its
// qs8-vadd, qs8-vmul, qs8-vcvt and f32-qs8-vcvt scalar kernels.

import { roundHalfEven } from "./quantize.js";
import { tfliteMultiplyByQuantizedMultiplier as mbqm, tfliteQuantizeMultiplier as qm } from "./tflite.js";

const f = Math.fround;
type Q = { readonly scale: number; readonly zeroPoint: number };
const range = (dtype: "int8" | "uint8"): [number, number] => (dtype === "int8" ? [-128, 127] : [0, 255]);
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** x · 2^k for |x| < 2^24 exactly, then the float32 exponent: floor(log2(x)) for x a positive float32. */
function exponentOf(x: number): number {
  let e = 0;
  while (2 ** (e + 1) <= x) e++;
  while (2 ** e > x) e--;
  return e;
}

/**
 * One output of TFLite's ADD (`sub` false) or SUB, 8-bit: `reference` with left shift 20 and the
 * three multipliers of TFLite's Prepare; `litert` as XNNPACK's add (multipliers round(f32(s/sy) ·
 * 2^shift) half to even, shift = 20 − exponent of the larger; SUB negates b's), or TFLite's kernel where
 * XNNPACK's ranges ([2^-10, 2^8)) exclude the ratios. `lo`, `hi`: the clamp (fused activation).
 *
 * @example
 * ```ts
 * import { tfliteAddRef } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(tfliteAddRef(10, 5, q, q, q, false, 'reference', -128, 127)); // 15
 * ```
 */
export function tfliteAddRef(a: number, b: number, qa: Q, qb: Q, qy: Q, sub: boolean, numerics: "reference" | "litert", lo: number, hi: number): number {
  const as = f(f(qa.scale) / f(qy.scale));
  const bs = f(f(qb.scale) / f(qy.scale));
  const ok = (s: number): boolean => s >= 2 ** -10 && s < 2 ** 8;
  if (numerics === "litert" && ok(as) && ok(bs)) {
    const shift = 20 - exponentOf(Math.max(as, bs));
    const am = roundHalfEven(as * 2 ** shift);
    const bm = roundHalfEven(bs * 2 ** shift) * (sub ? -1 : 1);
    const acc = 2 ** (shift - 1) + (a - qa.zeroPoint) * am + (b - qb.zeroPoint) * bm;
    return clamp(Math.floor(acc / 2 ** shift) + qy.zeroPoint, lo, hi);
  }
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const m1 = qm(qa.scale / twiceMax);
  const m2 = qm(qb.scale / twiceMax);
  const mo = qm(twiceMax / (2 ** 20 * qy.scale));
  const x1 = mbqm((a - qa.zeroPoint) * 2 ** 20, m1.multiplier, m1.shift);
  const x2 = mbqm((b - qb.zeroPoint) * 2 ** 20, m2.multiplier, m2.shift);
  return clamp(mbqm(sub ? x1 - x2 : x1 + x2, mo.multiplier, mo.shift) + qy.zeroPoint, lo, hi);
}

/**
 * One output of TFLite's MUL, 8-bit: the product (a − za)·(b − zb) rescaled by real =
 * f32(f32(sa·sb)/sy): `reference` through TFLite's multiplier (MultiplyByQuantizedMultiplier),
 * `litert` as XNNPACK (float32 product, rounded half to even) where real is in [2^-16, 2^8), else as
 * TFLite's kernel.
 *
 * @example
 * ```ts
 * import { tfliteMulRef } from 'qkern/reference';
 * const q = { scale: 0.5, zeroPoint: 0 };
 * console.log(tfliteMulRef(3, 3, q, q, q, 'litert', -128, 127), tfliteMulRef(3, 3, q, q, q, 'reference', -128, 127)); // 4 5 (4.5: half to even, half away)
 * ```
 */
export function tfliteMulRef(a: number, b: number, qa: Q, qb: Q, qy: Q, numerics: "reference" | "litert", lo: number, hi: number): number {
  const real = f(f(f(qa.scale) * f(qb.scale)) / f(qy.scale));
  const acc = (a - qa.zeroPoint) * (b - qb.zeroPoint);
  if (numerics === "litert" && real >= 2 ** -16 && real < 2 ** 8) return clamp(roundHalfEven(f(acc * real)) + qy.zeroPoint, lo, hi);
  const m = qm(real);
  return clamp(mbqm(acc, m.multiplier, m.shift) + qy.zeroPoint, lo, hi);
}

/**
 * The flat index into an input of shape `inShape` that TFLite's broadcasting reads for output
 * index `i` of shape `outShape` (shapes right-aligned; dimensions of 1 repeat).
 *
 * @example
 * ```ts
 * import { broadcastIndexRef } from 'qkern/reference';
 * console.log(broadcastIndexRef(7, [1, 2, 2, 3], [3])); // 1: channel 1 of the vector
 * ```
 */
export function broadcastIndexRef(i: number, outShape: readonly number[], inShape: readonly number[]): number {
  let rest = i;
  let index = 0;
  let stride = 1;
  for (let k = 1; k <= outShape.length; k++) {
    const d = outShape[outShape.length - k]!;
    const coord = rest % d;
    rest = Math.floor(rest / d);
    const e = inShape.length - k >= 0 ? inShape[inShape.length - k]! : 1;
    if (e !== 1) index += coord * stride;
    stride *= e;
  }
  return index;
}

/**
 * TFLite's QUANTIZE / RELU-family requantization of one 8-bit value to another 8-bit type or
 * parameters: `reference` TFLite's Requantize (MultiplyByQuantizedMultiplier by sx/sy, double);
 * `litert` XNNPACK's convert (multiplier round(256 · f32(sx/sy)) half to even, then
 * ((x − zx)·m + 256·zy + 128) >> 8) when input and output types agree and the ratio is in
 * [2^-8, 2^7], else TFLite's kernel.
 *
 * @example
 * ```ts
 * import { tfliteRequantizeRef } from 'qkern/reference';
 * console.log(tfliteRequantizeRef(-100, { scale: 0.1, zeroPoint: 0 }, 'int8', { scale: 0.1, zeroPoint: 128 }, 'uint8', 'litert')); // 28
 * ```
 */
export function tfliteRequantizeRef(x: number, qx: Q, from: "int8" | "uint8", qy: Q, to: "int8" | "uint8", numerics: "reference" | "litert"): number {
  const [lo, hi] = range(to);
  const ratio = f(f(qx.scale) / f(qy.scale));
  if (numerics === "litert" && from === to && ratio >= 2 ** -8 && ratio <= 2 ** 7) {
    const m = roundHalfEven(f(256 * ratio));
    return clamp(Math.floor(((x - qx.zeroPoint) * m + 256 * qy.zeroPoint + 128) / 256), lo, hi);
  }
  const m = qm(qx.scale / qy.scale);
  return clamp(mbqm(x - qx.zeroPoint, m.multiplier, m.shift) + qy.zeroPoint, lo, hi);
}

/**
 * TFLite's QUANTIZE of one float32 value: `reference` round(f32(x / s)) half away from zero (TFLite's
 * AffineQuantize); `litert` XNNPACK's f32→8-bit convert, roundHalfEven(f32(x · f32(1 / s))). Plus the
 * zero point, clamped to the type.
 *
 * @example
 * ```ts
 * import { tfliteQuantizeRef } from 'qkern/reference';
 * const q = { scale: 0.5, zeroPoint: 0 };
 * console.log(tfliteQuantizeRef(1.25, q, 'int8', 'reference'), tfliteQuantizeRef(1.25, q, 'int8', 'litert')); // 3 2
 * ```
 */
export function tfliteQuantizeRef(x: number, q: Q, to: "int8" | "uint8", numerics: "reference" | "litert"): number {
  const [lo, hi] = range(to);
  const v = numerics === "litert" ? roundHalfEven(f(f(x) * f(1 / f(q.scale)))) : (t => Math.sign(t) * Math.round(Math.abs(t)))(f(f(x) / f(q.scale)));
  return clamp(v + q.zeroPoint, lo, hi);
}

/**
 * TFLite's quantized RELU, RELU6 and RELU_N1_TO_1 (activations.cc ReluX; LiteRT runs the same kernel:
 * XNNPACK's delegate takes only float RELUs): x requantized to the output's parameters by the
 * multiplier of f32(sx/sy), clamped to [zy + round(lo/sy), zy + round(hi/sy)] (half away from zero).
 *
 * @example
 * ```ts
 * import { tfliteReluRef } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: -10 };
 * console.log(tfliteReluRef(-50, q, q, 'relu', 'int8'), tfliteReluRef(100, q, q, 'relu6', 'int8')); // -10 50
 * ```
 */
export function tfliteReluRef(x: number, qx: Q, qy: Q, fn: "relu" | "relu6" | "relu_n1_to_1", dtype: "int8" | "uint8"): number {
  const [tlo, thi] = range(dtype);
  const bound = (v: number): number => qy.zeroPoint + (t => Math.sign(t) * Math.round(Math.abs(t)))(f(v / f(qy.scale)));
  const lo = Math.max(tlo, bound(fn === "relu_n1_to_1" ? -1 : 0));
  const hi = fn === "relu" ? thi : Math.min(thi, bound(fn === "relu6" ? 6 : 1));
  const m = qm(f(f(qx.scale) / f(qy.scale)));
  return clamp(qy.zeroPoint + mbqm(x - qx.zeroPoint, m.multiplier, m.shift), lo, hi);
}

/**
 * TFLite's CONCATENATION of a uint8 input whose parameters differ from the output's
 * (ConcatenationWithScaling, both in the reference and the optimized kernel; XNNPACK's delegate does
 * not take it): round(f32(f32(x · s) + b)) half away from zero + zy, with s = f32(sx · f32(1/sy)) and
 * b = f32(−zx · s). int8 inputs must share the output's parameters (TFLite refuses others).
 *
 * @example
 * ```ts
 * import { tfliteConcatRequantRef } from 'qkern/reference';
 * console.log(tfliteConcatRequantRef(100, { scale: 0.1, zeroPoint: 0 }, { scale: 0.2, zeroPoint: 5 })); // 55
 * ```
 */
export function tfliteConcatRequantRef(x: number, qx: Q, qy: Q): number {
  const s = f(f(qx.scale) * f(1 / f(qy.scale)));
  const b = f(-qx.zeroPoint * s);
  const t = f(f(x * s) + b);
  return clamp(Math.sign(t) * Math.round(Math.abs(t)) + qy.zeroPoint, 0, 255);
}
