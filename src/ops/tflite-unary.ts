// TFLite's 8-bit unary arithmetic as 256-entry tables (QUANTIZE between 8-bit types, RELU / RELU6 /
// RELU_N1_TO_1, CONCATENATION's uint8 requantization) and its float32 → 8-bit QUANTIZE, under either
// numerics. Plain number arithmetic (every intermediate an exact double); qkern/reference
// (tflite-elementwise.ts) holds the literal forms the tests compare with.

import { DTYPE_INFO } from "../dtype.js";
import { roundHalfEven, type PerTensorQuant } from "../quant.js";
import { mulByQuantizedMultiplier, tfliteMultiplier, type TfliteNumerics } from "./tflite-arith.js";

const f = Math.fround;
type Q8 = "int8" | "uint8";
const halfAway = (t: number): number => (t < 0 ? -Math.round(-t) : Math.round(t));

/** A table indexed by the input byte (uint8 value, or int8 value & 255) from a value map. */
function table(from: Q8, fn: (x: number) => number): Uint8Array {
  const { min, max } = DTYPE_INFO[from];
  const t = new Uint8Array(256);
  for (let q = min; q <= max; q++) t[q & 255] = fn(q) & 255;
  return t;
}

/**
 * TFLite's QUANTIZE from one 8-bit type / parameters to another. `reference`: TFLite's Requantize
 * (MultiplyByQuantizedMultiplier by sx/sy). `litert`: XNNPACK's convert where LiteRT's delegate
 * takes it (same type, f32(sx/sy) in [2^-8, 2^7]: m = roundHalfEven(256·ratio), y = ((x − zx)·m +
 * 256·zy + 128) >> 8), else TFLite's kernel.
 */
export function requantizeTable(from: Q8, qx: PerTensorQuant, to: Q8, qy: PerTensorQuant, numerics: TfliteNumerics): Uint8Array {
  const { min, max } = DTYPE_INFO[to];
  const ratio = f(f(qx.scale) / f(qy.scale));
  if (numerics === "litert" && from === to && ratio >= 2 ** -8 && ratio <= 2 ** 7) {
    const m = roundHalfEven(f(256 * ratio));
    return table(from, (x) => Math.min(max, Math.max(min, Math.floor(((x - qx.zeroPoint) * m + 256 * qy.zeroPoint + 128) / 256))));
  }
  const { multiplier, shift } = tfliteMultiplier(qx.scale / qy.scale);
  return table(from, (x) => Math.min(max, Math.max(min, mulByQuantizedMultiplier(x - qx.zeroPoint, multiplier, shift) + qy.zeroPoint)));
}

/**
 * TFLite's quantized RELU family (activations.cc ReluX, which LiteRT runs too: XNNPACK's delegate
 * takes float RELUs only): requantize by the multiplier of f32(sx/sy), clamp to the activation's
 * bounds zy + round(f32(v / sy)) (half away from zero).
 */
export function reluTable(dtype: Q8, qx: PerTensorQuant, qy: PerTensorQuant, fn: "relu" | "relu6" | "relu_n1_to_1"): Uint8Array {
  const { min, max } = DTYPE_INFO[dtype];
  const bound = (v: number): number => qy.zeroPoint + halfAway(f(v / f(qy.scale)));
  const lo = Math.max(min, bound(fn === "relu_n1_to_1" ? -1 : 0));
  const hi = fn === "relu" ? max : Math.min(max, bound(fn === "relu6" ? 6 : 1));
  const { multiplier, shift } = tfliteMultiplier(f(f(qx.scale) / f(qy.scale)));
  return table(dtype, (x) => Math.min(hi, Math.max(lo, qy.zeroPoint + mulByQuantizedMultiplier(x - qx.zeroPoint, multiplier, shift))));
}

/** TFLite's ConcatenationWithScaling (uint8): round(f32(f32(x·s) + b)) half away from zero + zy, s = f32(sx·f32(1/sy)), b = f32(−zx·s). */
export function concatRequantTable(qx: PerTensorQuant, qy: PerTensorQuant): Uint8Array {
  const s = f(f(qx.scale) * f(1 / f(qy.scale)));
  const b = f(-qx.zeroPoint * s);
  return table("uint8", (x) => Math.min(255, Math.max(0, halfAway(f(f(x * s) + b)) + qy.zeroPoint)));
}

/** A clamp to [lo, hi] as a table (fused activations of max pooling). */
export function clampTable(dtype: Q8, lo: number, hi: number): Uint8Array {
  return table(dtype, (x) => Math.min(hi, Math.max(lo, x)));
}

/**
 * TFLite's QUANTIZE of float32 data into 8 bits, per tensor: `litert` XNNPACK's convert,
 * roundHalfEven(f32(x · f32(1/s))); `reference` TFLite's AffineQuantize, round(f32(x / s)) half away
 * from zero; plus the zero point, saturated. NaN gives the zero point.
 */
export function quantizeFloatTflite(x: Float32Array, y: Int8Array | Uint8Array, q: PerTensorQuant, to: Q8, numerics: TfliteNumerics): void {
  const { min, max } = DTYPE_INFO[to];
  const s = f(q.scale);
  const inv = f(1 / s);
  const zp = q.zeroPoint;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const r = numerics === "litert" ? roundHalfEven(f(v * inv)) : halfAway(f(v / s));
    y[i] = r !== r ? zp : r + zp < min ? min : r + zp > max ? max : r + zp;
  }
}
