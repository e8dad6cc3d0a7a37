// Reference output stages (docs/numerics.md), written from the formulas, with BigInt where a product
// needs 64 bits. Deliberately the literal forms (truncating division, mask arithmetic) rather
// than the shortcuts the kernels take, so the tests compare two derivations.

import { roundHalfEven } from "./quantize.js";

const TWO_31 = 2n ** 31n;

/**
 * fp32 stage: clamp(roundHalfEven(f32(acc) · m) + zp, qmin, qmax), all float32.
 *
 * @example
 * ```ts
 * import { requantizeFp32, fp32Multiplier } from 'qkern/reference';
 * const m = fp32Multiplier(0.1, 0.05, 0.2);           // f32(f32(0.1 · 0.05) / 0.2) = 0.025
 * console.log(requantizeFp32(1000, m, -3, -128, 127)); // 22: roundHalfEven(25) − 3
 * ```
 */
export function requantizeFp32(acc: number, m: number, zp: number, qmin: number, qmax: number): number {
  const v = Math.fround(Math.fround(acc) * Math.fround(m));
  return Math.min(qmax, Math.max(qmin, roundHalfEven(v) + zp));
}

/**
 * fp32 multiplier: f32(f32(inScale · wScale) / outScale).
 *
 * @example
 * ```ts
 * import { fp32Multiplier } from 'qkern/reference';
 * console.log(fp32Multiplier(0.1, 0.05, 0.2)); // 0.02500000223517418 (0.025 after three float32 roundings)
 * ```
 */
export function fp32Multiplier(inScale: number, wScale: number, outScale: number): number {
  const f = Math.fround;
  return f(f(f(inScale) * f(wScale)) / f(outScale));
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul, literal form.
 *
 * @example
 * ```ts
 * import { srdhm } from 'qkern/reference';
 * console.log(srdhm(1000, 1 << 30), srdhm(-2147483648, -2147483648)); // 500 2147483647
 * ```
 */
export function srdhm(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 2n ** 30n : 1n - 2n ** 30n;
  return Number((ab + nudge) / TWO_31); // BigInt division truncates toward zero
}

/**
 * gemmlowp RoundingDivideByPOT, literal form: round half away from zero.
 *
 * @example
 * ```ts
 * import { rdbpot } from 'qkern/reference';
 * console.log(rdbpot(10, 2), rdbpot(-10, 2), rdbpot(11, 2)); // 3 -3 3 (10/4 = 2.5 rounds away from zero)
 * ```
 */
export function rdbpot(x: number, exponent: number): number {
  const mask = Number((1n << BigInt(exponent)) - 1n);
  const remainder = Number(BigInt(x) & BigInt(mask));
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return Number(BigInt(x) >> BigInt(exponent)) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite fixed-point stage: clamp(RDBPOT(SRDHM(acc · 2^max(shift,0), multiplier), max(−shift,0))
 * + zp, qmin, qmax). Where TFLite's int32 left shift would overflow (undefined in C++), the
 * product saturates to the int32 range.
 *
 * @example
 * ```ts
 * import { requantizeFixedpoint, quantizeMultiplierRef } from 'qkern/reference';
 * const { multiplier, shift } = quantizeMultiplierRef(0.0625);          // 2^30, shift −3
 * console.log(requantizeFixedpoint(1000, multiplier, shift, 0, -128, 127)); // 63 (1000 / 16 rounded)
 * ```
 */
export function requantizeFixedpoint(acc: number, multiplier: number, shift: number, zp: number, qmin: number, qmax: number): number {
  const left = Math.max(shift, 0);
  const right = Math.max(-shift, 0);
  const shifted = Math.min(2147483647, Math.max(-2147483648, acc * 2 ** left));
  const r = rdbpot(srdhm(shifted, multiplier), right);
  return Math.min(qmax, Math.max(qmin, r + zp));
}

/**
 * TFLite QuantizeMultiplier from its definition: the largest exponent with the real value below
 * 2^shift, the mantissa rounded half away from zero to 31 bits (exact rational arithmetic).
 *
 * @example
 * ```ts
 * import { quantizeMultiplierRef } from 'qkern/reference';
 * console.log(quantizeMultiplierRef(0.0625), quantizeMultiplierRef(3)); // { multiplier: 1073741824, shift: -3 } { multiplier: 1610612736, shift: 2 }
 * ```
 */
export function quantizeMultiplierRef(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  // real = q · 2^shift with q in [0.5, 1): find shift by exact comparison with powers of two.
  let shift = 0;
  while (real >= 2 ** shift) shift++;
  while (real < 2 ** (shift - 1)) shift--;
  // q · 2^31 = real · 2^(31 − shift), exact in double (power-of-two scaling), then round half up.
  let m = Math.floor(real * 2 ** (31 - shift) + 0.5);
  if (m === 2 ** 31) {
    m = 2 ** 30;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) return { multiplier: 2 ** 31 - 1, shift: 30 };
  return { multiplier: m, shift };
}
