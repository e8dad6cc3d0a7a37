// 8-bit LOGISTIC, TANH and HARD_SWISH as TFLite computes them. An 8-bit elementwise function of one
// input is exactly a 256-entry table, so each numerics is a way of filling the table (applied by
// x8_lut). Sources, formulas and which TFLite path each follows: docs/numerics.md ("TFLite
// activations"); the literal forms the tests compare with are in qkern/reference (tflite-activations.ts).
// - 'reference' LOGISTIC / TANH: tflite-micro's int8 kernels (reference_integer_ops::Logistic / Tanh):
//   the input rescaled to Q4.27 by a fixed-point multiplier, gemmlowp's fixed-point logistic / tanh,
//   rounded to the fixed output scale 1/256 (zero point −128) or 1/128 (zero point 0). uint8 runs the
//   same arithmetic offset by 128 (TFLite's former uint8 reference kernel).
// - 'litert' LOGISTIC / TANH: XNNPACK's table (its delegate takes both): dequantize in float32, the
//   function in float32 (expf / tanhf of the wasm libm), quantize with lrintf (ties to even).
// - HARD_SWISH, both numerics: TFLite's 16-bit fixed-point kernel (reference_ops::HardSwish).

import { QkernError } from "../errors.js";
import { roundHalfEven, type PerTensorQuant } from "../quant.js";
import { expf } from "./softmax-tflite.js";
import { INT32_MAX, INT32_MIN, mulByQuantizedMultiplier, rdbpot, srdhm, tfliteMultiplier, type TfliteNumerics } from "./tflite-arith.js";

const f = Math.fround;

/** The functions with TFLite numerics. */
export type TfliteActivationFn = "sigmoid" | "tanh" | "hardSwish";

/** The output quantization TFLite fixes for LOGISTIC and TANH (none for HARD_SWISH). */
export function tfliteFixedOutput(fn: TfliteActivationFn, dtype: "int8" | "uint8"): PerTensorQuant | null {
  if (fn === "sigmoid") return { scale: 1 / 256, zeroPoint: dtype === "int8" ? -128 : 0 };
  if (fn === "tanh") return { scale: 1 / 128, zeroPoint: dtype === "int8" ? 0 : 128 };
  return null;
}

/** Saturating left shift (gemmlowp SaturatingRoundingMultiplyByPOT, positive exponent). */
function shl(x: number, e: number): number {
  const r = x * 2 ** e;
  return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : r;
}

const EXP_FACTORS = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242]; // exp(−2^k), k = −2..4, Q0.31

/** exp(a) for a ≤ 0 in Q(ib).(31 − ib), ib ≤ 5, as Q0.31 (gemmlowp exp_on_negative_values). */
function expQ(a: number, ib: number): number {
  if (a === 0) return INT32_MAX;
  const fb = 31 - ib;
  const quarter = 2 ** (fb - 2);
  const r = (a & (quarter - 1)) - quarter; // (a mod 1/4) − 1/4
  const x = shl(r, ib) + 0x10000000; // in Q0.31, plus 1/8: Taylor series around −1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const poly = rdbpot(srdhm(rdbpot(x4, 2) + x3, 715827883) + x2, 1);
  let result = (1895147668 + srdhm(1895147668, x + poly)) | 0;
  const rest = (r - a) | 0;
  for (let k = -2; k < ib; k++) if (rest & (1 << (fb + k))) result = srdhm(result, EXP_FACTORS[k + 2]!);
  return result;
}

/** 1/(1 + a) (Q0.31 in and out; or (1 − a)/(1 + a) when `minusOne`): three Newton–Raphson steps in Q2.29. */
function reciprocalQ(a: number, minusOne: boolean): number {
  const s = a + INT32_MAX;
  const d = s >= 0 ? Math.floor((s + 1) / 2) : Math.ceil((s - 1) / 2); // RoundingHalfSum(a, One)
  let x = (1515870810 + srdhm(d, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) x = (x + shl(srdhm(x, (0x20000000 - srdhm(d, x)) | 0), 2)) | 0;
  return minusOne ? shl((x - 0x20000000) | 0, 2) : shl(x, 1);
}

/** gemmlowp logistic of a Q4.27 value, Q0.31 result. */
function logisticQ(a: number): number {
  if (a === 0) return 1 << 30;
  const p = reciprocalQ(expQ(a > 0 ? -a : a, 4), false);
  return a > 0 ? p : (INT32_MAX - p) | 0;
}

/** gemmlowp tanh of a Q4.27 value, Q0.31 result (exp of 2·(−|a|) as a Q5.26 value). */
function tanhQ(a: number): number {
  if (a === 0) return 0;
  const t = reciprocalQ(expQ(a < 0 ? a : -a, 5), true);
  return a < 0 ? -t : t;
}

/** tflite-micro's int8 LOGISTIC / TANH table (Prepare: input scale · 2^27 as multiplier and shift, radius). */
function fixedPointTable(fn: "sigmoid" | "tanh", min: number, max: number, input: PerTensorQuant, outZp: number, table: Uint8Array): void {
  const { multiplier, shift } = tfliteMultiplier(f(input.scale) * 2 ** 27);
  const radius = Math.floor((15 * 2 ** 27) / 2 ** shift);
  for (let q = min; q <= max; q++) {
    const v = q - input.zeroPoint;
    let y: number;
    if (v <= -radius) y = min;
    else if (v >= radius) y = max;
    else {
      const a = mulByQuantizedMultiplier(v, multiplier, shift);
      y = fn === "sigmoid" ? rdbpot(logisticQ(a), 23) + outZp : rdbpot(tanhQ(a), 24) + outZp;
    }
    table[q & 255] = Math.min(max, Math.max(min, y)) & 255;
  }
}

/** tanhf of float32 x, as a float32 (the wasm libm's; see docs/numerics.md on why rounding Math.tanh is taken). */
function tanhf(x: number): number {
  return f(Math.tanh(x));
}

/** XNNPACK's table: f32((q − zp) · scale), the function in float32, lrintf(y · f32(1/out_scale)) + zp. */
function xnnpackTable(fn: "sigmoid" | "tanh", min: number, max: number, input: PerTensorQuant, output: PerTensorQuant, table: Uint8Array): void {
  const inv = f(1 / f(output.scale));
  for (let q = min; q <= max; q++) {
    const x = f((q - input.zeroPoint) * f(input.scale));
    const y = fn === "tanh" ? tanhf(x) : x < 0 || Object.is(x, -0) ? f(1 / f(1 + expf(-x))) : f(1 - f(1 / f(1 + expf(x))));
    const z = f(y * inv);
    table[q & 255] = Math.min(max, Math.max(min, roundHalfEven(z) + output.zeroPoint)) & 255;
  }
}

/** int16 two's-complement wrap. */
const i16 = (v: number): number => (v << 16) >> 16;

/** gemmlowp SaturatingRoundingDoublingHighMul on int16. */
function srdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  const ab = a * b;
  return i16(Math.trunc((ab + (ab >= 0 ? 16384 : 1 - 16384)) / 32768));
}

/** gemmlowp RoundingDivideByPOT on int16 (the mask is (2^e − 1) cast to int16, as in gemmlowp). */
function rdbpot16(x: number, e: number): number {
  const mask = i16(e >= 16 ? -1 : (1 << e) - 1);
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return i16((x >> e) + ((x & mask) > threshold ? 1 : 0));
}

/** TFLite DownScaleInt32ToInt16Multiplier. */
function toInt16Multiplier(m: number): number {
  return m >= INT32_MAX - 32768 ? 32767 : Math.floor((m + 32768) / 65536);
}

/** TFLite's HARD_SWISH parameters (HardSwishPrepare): two 16-bit multipliers with exponents, from float32 scales. */
function hardSwishParams(op: string, arg: string, input: PerTensorQuant, output: PerTensorQuant): { om: number; oe: number; rm: number; re: number } {
  const hires = f(f(1 / 128) * f(input.scale));
  const o = tfliteMultiplier(f(hires / f(output.scale)));
  const r = tfliteMultiplier(f(hires / f(3 / 32768)));
  if (o.shift > 0) throw new QkernError(op, arg, `HARD_SWISH needs input scale / output scale < 128 (TFLite's output multiplier exponent must be <= 0), got ${input.scale} / ${output.scale}`);
  return { om: toInt16Multiplier(o.multiplier), oe: o.shift, rm: toInt16Multiplier(r.multiplier), re: r.shift };
}

/** TFLite's 8-bit HARD_SWISH (reference_ops::HardSwish, the same arithmetic in the optimized kernel). */
function hardSwishTable(op: string, arg: string, min: number, max: number, input: PerTensorQuant, output: PerTensorQuant, table: Uint8Array): void {
  const { om, oe, rm, re } = hardSwishParams(op, arg, input, output);
  const satShl = (v: number, k: number): number => Math.min(32767, Math.max(-32768, v * 2 ** k));
  for (let q = min; q <= max; q++) {
    const hires = i16((q - input.zeroPoint) * 128);
    const preshift = srdhm16(hires, om);
    let reluish = hires;
    if (re > 0) reluish = satShl(reluish, re - 1);
    reluish = srdhm16(reluish, rm);
    if (re > 0) reluish = satShl(reluish, 1);
    if (re < 0) reluish = rdbpot16(reluish, -re);
    reluish = (reluish + 32768) >> 1;
    const pre = i16(Math.trunc((reluish * preshift) / 32768)); // SaturatingDoublingHighMul: no overflow case (reluish >= 0)
    const y = i16(rdbpot16(pre, -oe) + output.zeroPoint);
    table[q & 255] = Math.min(max, Math.max(min, y)) & 255;
  }
}

/**
 * The 256-entry table of `fn` on 8-bit data with TFLite's numerics, indexed by the raw byte. LOGISTIC
 * and TANH need TFLite's fixed output quantization (tfliteFixedOutput); a QkernError (`op`, `arg`) says what is off.
 */
export function tfliteActivationTable(op: string, arg: string, fn: TfliteActivationFn, numerics: TfliteNumerics, dtype: "int8" | "uint8", input: PerTensorQuant, output: PerTensorQuant): Uint8Array {
  const [min, max] = dtype === "int8" ? [-128, 127] : [0, 255];
  const table = new Uint8Array(256);
  if (fn === "hardSwish") {
    hardSwishTable(op, arg, min, max, input, output, table);
    return table;
  }
  const fixed = tfliteFixedOutput(fn, dtype)!;
  if (f(output.scale) !== f(fixed.scale) || output.zeroPoint !== fixed.zeroPoint) {
    throw new QkernError(op, arg, `TFLite's ${dtype} ${fn === "sigmoid" ? "LOGISTIC" : "TANH"} needs output scale ${fixed.scale} and zero point ${fixed.zeroPoint}, got ${output.scale} and ${output.zeroPoint}`);
  }
  if (numerics === "reference") fixedPointTable(fn, min, max, input, fixed.zeroPoint, table);
  else xnnpackTable(fn, min, max, input, output, table);
  return table;
}
