// TFLite's integer helpers for the ops that follow TFLite numerics (avgPool2d, globalAvgPool and
// softmax with `numerics`), in plain number arithmetic: every intermediate stays an exact double
// (products are split so that none exceeds 2^53). qkern/reference holds the literal BigInt forms
// the tests compare these with; docs/numerics.md says where each formula comes from.

import { QkernError } from "../errors.js";

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Numerics that follow TFLite: its reference kernels, or what LiteRT (TFLite + XNNPACK) computes. */
export type TfliteNumerics = "reference" | "litert";

/** Fused activations TFLite's pooling ops carry. */
export type TfliteFusedActivation = "none" | "relu" | "relu6" | "relu_n1_to_1";

/**
 * gemmlowp SaturatingRoundingDoublingHighMul: round(a · b / 2^31), ties away from zero. With
 * b = bh · 2^16 + bl, a · b = q · 2^31 + t where q = floor(a · bh / 2^15) and t stays below 2^48.
 */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bl = b & 0xffff;
  const bh = (b - bl) / 65536;
  const p1 = a * bh;
  const q = Math.floor(p1 / 32768);
  const nonNegative = a === 0 || b === 0 || a > 0 === b > 0;
  const t = (p1 - q * 32768) * 65536 + a * bl + (nonNegative ? 2 ** 30 : 1 - 2 ** 30);
  // (a·b + nudge) / 2^31 = q + t / 2^31, truncated toward zero (its sign is that of a·b).
  return (q + (nonNegative ? Math.floor(t / 2 ** 31) : Math.ceil(t / 2 ** 31))) | 0;
}

/** gemmlowp RoundingDivideByPOT: arithmetic shift right by `e` (0..31), rounding half away from zero. */
export function rdbpot(x: number, e: number): number {
  if (e === 0) return x;
  const mask = e === 31 ? INT32_MAX : (1 << e) - 1;
  const threshold = (mask >>> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + ((x & mask) > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier (double rounding); the left shift saturates to int32 (docs/numerics.md). */
export function mulByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const shifted = shift > 0 ? Math.min(INT32_MAX, Math.max(INT32_MIN, x * 2 ** shift)) : x;
  return rdbpot(srdhm(shifted, multiplier), shift > 0 ? 0 : -shift);
}

/**
 * TFLite QuantizeMultiplier of a double (default build): multiplier in [2^30, 2^31), real =
 * multiplier · 2^(shift − 31); reals below 2^−32 give (0, 0). Shifts above 30 are kept.
 */
export function tfliteMultiplier(real: number): { multiplier: number; shift: number } {
  if (!(real > 0)) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  while (real * 2 ** -shift >= 1) shift++;
  while (real * 2 ** -shift < 0.5) shift--;
  let multiplier = Math.round(real * 2 ** (31 - shift));
  if (multiplier === 2 ** 31) {
    multiplier = 2 ** 30;
    shift++;
  }
  return shift < -31 ? { multiplier: 0, shift: 0 } : { multiplier, shift };
}

/** TFLite CalculateActivationRangeQuantized: zp + round(f32(v / scale)) (half away from zero), within the type. */
export function activationRange(op: string, activation: unknown, scale: number, zeroPoint: number, dtype: "int8" | "uint8"): [number, number] {
  const [qmin, qmax] = dtype === "int8" ? [-128, 127] : [0, 255];
  const q = (v: number): number => {
    const t = Math.fround(v / Math.fround(scale));
    return zeroPoint + (t < 0 ? -Math.round(-t) : Math.round(t));
  };
  switch (activation ?? "none") {
    case "none": return [qmin, qmax];
    case "relu": return [Math.max(qmin, q(0)), qmax];
    case "relu6": return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
    case "relu_n1_to_1": return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
    default: throw new QkernError(op, "options.activation", `must be 'none', 'relu', 'relu6' or 'relu_n1_to_1', got ${String(activation)}`);
  }
}

/** Validates a `numerics` option (undefined = qkern's default arithmetic). */
export function checkNumerics<N extends string>(op: string, numerics: unknown, allowed: readonly N[]): N | undefined {
  if (numerics === undefined) return undefined;
  if (!(allowed as readonly unknown[]).includes(numerics)) {
    throw new QkernError(op, "options.numerics", `must be ${allowed.map((a) => `'${a}'`).join(" or ")}, got ${String(numerics)}`);
  }
  return numerics as N;
}
