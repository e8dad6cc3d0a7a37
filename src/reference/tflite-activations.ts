// TFLite's 8-bit LOGISTIC, TANH and HARD_SWISH, written from the formulas of the sources named at
// each function, one element at a time, in literal forms (BigInt products, C division and int16
// casts spelled out) so that the tests compare qkern's tables with a second derivation:
// - tflite-micro's int8 kernels (reference_integer_ops::Logistic / Tanh with gemmlowp fixed point,
//   fixedpoint/fixedpoint.h), the definition of 'reference' numerics;
// - XNNPACK's lookup table (operators/lut-elementwise-nc.c), what LiteRT computes;
// - TFLite's HARD_SWISH (reference_ops::HardSwish, reference/hard_swish.h), both.

import { quantizeValue } from "./quantize.js";
import { rdbpot, srdhm } from "./requantize.js";
import { expfMusl } from "./tflite-softmax.js";
import { tfliteMultiplyByQuantizedMultiplier, tfliteQuantizeMultiplier } from "./tflite.js";

const f = Math.fround;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** Two's-complement wrap to int32 (gemmlowp's raw additions and negations). */
const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** gemmlowp SaturatingRoundingMultiplyByPOT<exponent> on int32. */
function mulByPot(x: number, exponent: number): number {
  if (exponent <= 0) return rdbpot(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  return x > threshold ? INT32_MAX : x < -threshold ? INT32_MIN : x * 2 ** exponent;
}

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl (Q0.31). */
function expOnInterval(a: number): number {
  const constantTerm = 1895147668; // exp(−1/8)
  const x = wrap(BigInt(a) + 2n ** 28n);
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = rdbpot(x4, 2);
  const poly = rdbpot(wrap(BigInt(srdhm(wrap(BigInt(x4Over4) + BigInt(x3)), 715827883)) + BigInt(x2)), 1);
  return wrap(BigInt(constantTerm) + BigInt(srdhm(constantTerm, wrap(BigInt(x) + BigInt(poly)))));
}

/**
 * gemmlowp exp_on_negative_values for FixedPoint<int32, integerBits> (1..5), Q0.31 result.
 *
 * @example
 * ```ts
 * import { gemmlowpExp } from 'qkern/reference';
 * console.log(gemmlowpExp(-(1 << 27), 4) / 2 ** 31); // 0.3678794... (exp(−1), input in Q4.27)
 * ```
 */
export function gemmlowpExp(a: number, integerBits: number): number {
  const fractional = 31 - integerBits;
  const quarter = 2 ** (fractional - 2);
  const aModQuarterMinusQuarter = wrap((BigInt(a) & BigInt(quarter - 1)) - BigInt(quarter));
  let result = expOnInterval(mulByPot(aModQuarterMinusQuarter, integerBits)); // Rescale<0>
  const remainder = wrap(BigInt(aModQuarterMinusQuarter) - BigInt(a));
  const barrel: ReadonlyArray<readonly [number, number]> = [[-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242]];
  for (const [exponent, multiplier] of barrel) {
    if (integerBits > exponent && (BigInt(remainder) & (1n << BigInt(fractional + exponent))) !== 0n) result = srdhm(result, multiplier);
  }
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp's Newton–Raphson 1/(1 + a) in Q2.29 for a Q0.31 a in [0, 1). */
function newtonReciprocal(a: number): number {
  const sum = BigInt(a) + BigInt(INT32_MAX);
  const halfDenominator = Number((sum + (sum >= 0n ? 1n : -1n)) / 2n); // RoundingHalfSum(a, One)
  let x = wrap(1515870810n + BigInt(srdhm(halfDenominator, -1010580540))); // 48/17 − 32/17 · d
  for (let i = 0; i < 3; i++) {
    const oneMinusDx = wrap(2n ** 29n - BigInt(srdhm(halfDenominator, x)));
    x = wrap(BigInt(x) + BigInt(mulByPot(srdhm(x, oneMinusDx), 2))); // Rescale<2> of a Q4.27 product
  }
  return x;
}

/** gemmlowp logistic(a) for a Q4.27 a, Q0.31 result. */
function gemmlowpLogistic(a: number): number {
  if (a === 0) return 2 ** 30;
  const abs = a > 0 ? a : wrap(-BigInt(a));
  const positive = mulByPot(newtonReciprocal(gemmlowpExp(wrap(-BigInt(abs)), 4)), 1); // one_over_one_plus_x: Rescale<0>(x / 2)
  return a > 0 ? positive : wrap(BigInt(INT32_MAX) - BigInt(positive));
}

/** gemmlowp tanh(a) for a Q4.27 a, Q0.31 result: (1 − e)/(1 + e) with e = exp(−2|a|). */
function gemmlowpTanh(a: number): number {
  if (a === 0) return 0;
  const n = a < 0 ? a : wrap(-BigInt(a));
  const t = mulByPot(wrap(BigInt(newtonReciprocal(gemmlowpExp(n, 5))) - 2n ** 29n), 2); // ExactMulByPot<1>: the raw value read as Q5.26
  return a < 0 ? wrap(-BigInt(t)) : t;
}

/** Input parameters of tflite-micro's LOGISTIC / TANH Prepare: frexp(f64(scale) · 2^27), radius. */
function microParams(inputScale: number): { multiplier: number; shift: number; radius: number } {
  const { multiplier, shift } = tfliteQuantizeMultiplier(f(inputScale) * 2 ** 27); // exact: a float32 mantissa has 24 bits
  return { multiplier, shift, radius: Math.floor((15 * 2 ** 27) / 2 ** shift) };
}

/**
 * TFLite's reference LOGISTIC or TANH of one 8-bit value (tflite-micro reference_integer_ops, int8;
 * uint8 the same offset by 128): output scale 1/256 (zero point −128 / 0) or 1/128 (0 / 128).
 *
 * @example
 * ```ts
 * import { tfliteActivationReference } from 'qkern/reference';
 * console.log(tfliteActivationReference('sigmoid', 0, { scale: 0.1, zeroPoint: 0 }, 'int8')); // 0 (sigmoid(0) = 0.5 = 128/256, −128)
 * ```
 */
export function tfliteActivationReference(fn: "sigmoid" | "tanh", q: number, input: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const offset = dtype === "int8" ? 0 : 128;
  const { multiplier, shift, radius } = microParams(input.scale);
  const v = q - input.zeroPoint;
  let y: number;
  if (v <= -radius) y = -128;
  else if (v >= radius) y = 127;
  else {
    const a = tfliteMultiplyByQuantizedMultiplier(v, multiplier, shift);
    y = fn === "sigmoid" ? rdbpot(gemmlowpLogistic(a), 23) - 128 : rdbpot(gemmlowpTanh(a), 24);
    y = Math.min(127, Math.max(-128, y));
  }
  return y + offset;
}

/**
 * XNNPACK's LOGISTIC or TANH table entry for one 8-bit value (create_lut_elementwise_nc): the input
 * dequantized in float32, sigmoid as 1/(1 + expf(−x)) for x < 0 and 1 − 1/(1 + expf(x)) otherwise,
 * tanh as tanhf (Math.tanh rounded to float32), quantized with lrintf (ties to even).
 *
 * @example
 * ```ts
 * import { tfliteActivationXnnpack } from 'qkern/reference';
 * console.log(tfliteActivationXnnpack('tanh', 50, { scale: 0.01, zeroPoint: 0 }, 'int8')); // 59: tanh(0.5) · 128 = 59.2
 * ```
 */
export function tfliteActivationXnnpack(fn: "sigmoid" | "tanh", q: number, input: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const x = f((q - input.zeroPoint) * f(input.scale));
  const y = fn === "tanh" ? f(Math.tanh(x)) : x < 0 ? f(1 / f(1 + expfMusl(-x))) : f(1 - f(1 / f(1 + expfMusl(x))));
  const out = fn === "sigmoid" ? { scale: 1 / 256, zeroPoint: dtype === "int8" ? -128 : 0 } : { scale: 1 / 128, zeroPoint: dtype === "int8" ? 0 : 128 };
  const [lo, hi] = dtype === "int8" ? [-128, 127] : [0, 255];
  return quantizeValue(y, out.scale, out.zeroPoint, lo, hi); // y / (1/256) = y · 256 exactly: the division is XNNPACK's multiplication
}

/** int16 cast. */
const int16 = (v: number): number => ((v + 32768) % 65536 + 65536) % 65536 - 32768;

/** gemmlowp SaturatingRoundingDoublingHighMul<int16>. */
function srdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  const ab = a * b;
  const nudge = ab >= 0 ? 2 ** 14 : 1 - 2 ** 14;
  return int16(Math.trunc((ab + nudge) / 2 ** 15));
}

/** gemmlowp RoundingDivideByPOT<int16> (mask (2^e − 1) as an int16). */
function rdbpot16(x: number, e: number): number {
  const mask = int16(2 ** e - 1 > 65535 ? 65535 : 2 ** e - 1);
  const remainder = Number(BigInt(x) & BigInt(mask));
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return int16(Math.floor(x / 2 ** e) + (remainder > threshold ? 1 : 0));
}

/**
 * TFLite's 8-bit HARD_SWISH of one value (reference_ops::HardSwish with HardSwishPrepare's
 * parameters: float32 multipliers quantized to 31 bits, then rounded to 16).
 *
 * @example
 * ```ts
 * import { hardSwishTflite } from 'qkern/reference';
 * const q = { scale: 0.05, zeroPoint: 0 };
 * console.log(hardSwishTflite(60, q, q, 'int8')); // 60: hard-swish(3) = 3
 * ```
 */
export function hardSwishTflite(q: number, input: { scale: number; zeroPoint: number }, output: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const hiresScale = f(f(input.scale) / 128);
  const toInt16 = (m: number): number => (m >= INT32_MAX - 32768 ? 32767 : Math.floor((m + 32768) / 65536));
  const o = tfliteQuantizeMultiplier(f(hiresScale / f(output.scale)));
  const r = tfliteQuantizeMultiplier(f(hiresScale / f(3 / 32768)));
  const [om, rm] = [toInt16(o.multiplier), toInt16(r.multiplier)];
  const satShift = (v: number, k: number): number => Math.min(32767, Math.max(-32768, v * 2 ** k));
  const hires = int16((q - input.zeroPoint) * 128);
  const preshift = srdhm16(hires, om);
  let reluish = hires;
  if (r.shift > 0) reluish = satShift(reluish, r.shift - 1);
  reluish = srdhm16(reluish, rm);
  if (r.shift > 0) reluish = satShift(reluish, 1);
  if (r.shift < 0) reluish = rdbpot16(reluish, -r.shift);
  reluish = Math.floor((reluish + 32768) / 2);
  const product = int16(Math.trunc((reluish * preshift) / 32768)); // SaturatingDoublingHighMul (truncating)
  const y = int16(rdbpot16(product, -o.shift) + output.zeroPoint);
  const [lo, hi] = dtype === "int8" ? [-128, 127] : [0, 255];
  return Math.min(hi, Math.max(lo, y));
}
