// Quantization parameters: their canonical form and validation, choosing them from a range, and
// TFLite's QuantizeMultiplier. Pure TypeScript; no wasm.

import { QkernError } from "./errors.js";
import { DTYPE_INFO, type DType, type QuantDType } from "./dtype.js";

/** One scale and zero point for the whole tensor. */
export interface PerTensorQuant {
  /** Real value of one step, a positive finite float32. */
  readonly scale: number;
  /** Integer that represents real 0, within the dtype's range. */
  readonly zeroPoint: number;
}

/** One scale (and zero point) per index along `axis`, e.g. per output channel. */
export interface PerAxisQuant {
  readonly axis: number;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
}

/** Quantization parameters of a tensor. Real value = (q − zeroPoint) · scale. */
export type QuantParams = PerTensorQuant | PerAxisQuant;

/** What callers may pass: numbers or arrays; `zeroPoint` defaults to 0. */
export type QuantInput =
  | { readonly scale: number; readonly zeroPoint?: number }
  | {
      readonly axis: number;
      readonly scale: ArrayLike<number>;
      readonly zeroPoint?: ArrayLike<number>;
    };

/**
 * Whether parameters are per-axis (`axis`, arrays) rather than per-tensor (numbers).
 *
 * @example
 * ```ts
 * const w = qk.tensor(new Int8Array([1, 2]), [2], { quant: { axis: 0, scale: [0.1, 0.2] } });
 * if (w.quant && isPerAxisQuant(w.quant)) console.log(w.quant.axis, Array.from(w.quant.scale)); // 0 [ 0.1..., 0.2... ]
 * ```
 */
export function isPerAxisQuant(q: QuantParams): q is PerAxisQuant {
  return (q as PerAxisQuant).axis !== undefined;
}

function checkScale(op: string, arg: string, value: number, context: string): number {
  const f = Math.fround(value);
  if (typeof value !== "number" || !Number.isFinite(f) || !(f > 0)) {
    throw new QkernError(op, arg, `must be finite and > 0 as a float32, got ${String(value)} (${context})`);
  }
  return f;
}

function checkZeroPoint(op: string, arg: string, value: number, dtype: DType, context: string): number {
  const { min, max } = DTYPE_INFO[dtype];
  if (dtype === "int32" && value !== 0) {
    throw new QkernError(op, arg, `must be 0 for int32 tensors, got ${String(value)} (${context})`);
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new QkernError(op, arg, `must be an integer in [${min}, ${max}] for ${dtype}, got ${String(value)} (${context})`);
  }
  return value;
}

/**
 * Validates quantization parameters for a tensor of `dtype` and `shape` and returns their
 * canonical form (float32 scales, int32 zero points, non-negative axis).
 */
export function normalizeQuant(
  op: string, arg: string, dtype: DType, shape: readonly number[], q: QuantInput, context: string,
): QuantParams {
  if (dtype === "float32") throw new QkernError(op, arg, `float32 tensors carry no quantization parameters (${context})`);
  if (q === null || typeof q !== "object") throw new QkernError(op, arg, `must be an object with scale and zeroPoint (${context})`);
  if (!("axis" in q) || q.axis === undefined) {
    if (typeof q.scale !== "number") {
      throw new QkernError(op, `${arg}.scale`, `must be a number for per-tensor parameters; give axis for per-axis ones (${context})`);
    }
    return {
      scale: checkScale(op, `${arg}.scale`, q.scale as number, context),
      zeroPoint: checkZeroPoint(op, `${arg}.zeroPoint`, (q.zeroPoint as number | undefined) ?? 0, dtype, context),
    };
  }
  const rank = shape.length;
  if (!Number.isInteger(q.axis) || q.axis < -rank || q.axis >= rank) {
    throw new QkernError(op, `${arg}.axis`, `must be an integer in [${-rank}, ${rank - 1}], got ${String(q.axis)} (${context})`);
  }
  const axis = q.axis < 0 ? q.axis + rank : q.axis;
  const channels = shape[axis] ?? 0;
  const scales = q.scale as ArrayLike<number>;
  if (scales === null || typeof scales !== "object" || scales.length !== channels) {
    throw new QkernError(op, `${arg}.scale`, `must hold ${channels} values (dimension ${axis}), got ${describeLength(scales)} (${context})`);
  }
  const scale = new Float32Array(channels);
  // The argument's name is only built for an error (a string per channel made loading large models slow).
  for (let i = 0; i < channels; i++) {
    const v = scales[i] as number;
    const f = Math.fround(v);
    scale[i] = typeof v === "number" && Number.isFinite(f) && f > 0 ? f : checkScale(op, `${arg}.scale[${i}]`, v, context);
  }
  const zeroPoint = new Int32Array(channels);
  if (q.zeroPoint !== undefined) {
    const zps = q.zeroPoint;
    if (zps === null || typeof zps !== "object" || zps.length !== channels) {
      throw new QkernError(op, `${arg}.zeroPoint`, `must hold ${channels} values (dimension ${axis}), got ${describeLength(zps)} (${context})`);
    }
    const { min, max } = DTYPE_INFO[dtype];
    for (let i = 0; i < channels; i++) {
      const v = zps[i] as number;
      zeroPoint[i] = dtype !== "int32" && Number.isInteger(v) && v >= min && v <= max ? v : checkZeroPoint(op, `${arg}.zeroPoint[${i}]`, v, dtype, context);
    }
  }
  return { axis, scale, zeroPoint };
}

function describeLength(value: unknown): string {
  if (value !== null && typeof value === "object" && "length" in value) return `${(value as ArrayLike<number>).length} values`;
  return String(value);
}

/** How `chooseQuantParams` maps a range onto integers. */
export interface ChooseOptions {
  /** Target type; default `int8`. */
  readonly dtype?: QuantDType;
  /**
   * `asymmetric` (default): the range [min(min,0), max(max,0)] spans [qmin, qmax] exactly, as ONNX
   * Runtime's quantizer and DynamicQuantizeLinear do. `symmetric`: zero point 0 (int) or the
   * midpoint 128 / 8 (uint), scale = max(|min|, |max|) / qmaxSymmetric, where qmaxSymmetric is
   * 127 (8-bit) or 7 (4-bit).
   */
  readonly scheme?: "asymmetric" | "symmetric";
  /** Use [−127, 127] (int4: [−7, 7]) instead of [−128, 127]: TFLite's weight range. Signed only. */
  readonly narrowRange?: boolean;
  /**
   * 7-bit weights ("reduce range"): int8 [−64, 63] (with narrowRange [−63, 63]), uint8 [0, 127].
   * Symmetric int8 gives scale max|x|/63 and zero point 0. Weights in this range can be packed with
   * `packGemmWeights(b, { reduceRange: true })`, whose relaxed-SIMD kernels are faster; the cost is
   * one bit of precision (about 6 dB of SQNR). 8-bit types only.
   */
  readonly reduceRange?: boolean;
}

/** The 7-bit ("reduce range") integer ranges of 8-bit weights: what `packGemmWeights(b, { reduceRange: true })` accepts. */
export const REDUCED_RANGE = { int8: { min: -64, max: 63 }, uint8: { min: 0, max: 127 } } as const;

/** Chosen parameters, with the integer range they assume. */
export interface ChosenQuant extends PerTensorQuant {
  readonly qmin: number;
  readonly qmax: number;
}

/**
 * Chooses a scale and zero point that represent [min, max] (widened to include 0). All arithmetic
 * is float32, matching ONNX Runtime's GetQuantizationParameter; an all-zero range gives scale 1,
 * and so does a range too small for a float32 scale (where ONNX Runtime would divide by 0). A range
 * whose scale overflows float32 is an error.
 *
 * @example
 * ```ts
 * chooseQuantParams(-1, 3, { dtype: 'uint8' });            // { scale: 0.0156862..., zeroPoint: 64, qmin: 0, qmax: 255 }
 * chooseQuantParams(-0.5, 0.25, { scheme: 'symmetric', narrowRange: true }); // int8, zeroPoint 0
 * chooseQuantParams(-0.5, 0.25, { scheme: 'symmetric', reduceRange: true }); // 7-bit: scale 0.5/63, qmin -64, qmax 63
 * ```
 */
export function chooseQuantParams(min: number, max: number, options: ChooseOptions = {}): ChosenQuant {
  const op = "chooseQuantParams";
  const dtype = options.dtype ?? "int8";
  if (dtype !== "int8" && dtype !== "uint8" && dtype !== "int4" && dtype !== "uint4") {
    throw new QkernError(op, "options.dtype", `must be int8, uint8, int4 or uint4, got ${String(dtype)}`);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new QkernError(op, "min/max", `must be finite, got [${min}, ${max}]`);
  if (min > max) throw new QkernError(op, "min/max", `min must not exceed max, got [${min}, ${max}]`);
  const signed = dtype === "int8" || dtype === "int4";
  const narrow = options.narrowRange === true;
  if (narrow && !signed) throw new QkernError(op, "options.narrowRange", `applies to int8/int4 only, got ${dtype}`);
  const reduce = options.reduceRange === true;
  if (reduce && dtype !== "int8" && dtype !== "uint8") throw new QkernError(op, "options.reduceRange", `applies to int8/uint8 only, got ${dtype}`);
  const info = reduce ? REDUCED_RANGE[dtype as "int8" | "uint8"] : DTYPE_INFO[dtype];
  const qmin = narrow ? info.min + 1 : info.min;
  const qmax = info.max;
  const f = Math.fround;
  const lo = f(Math.min(f(min), 0));
  const hi = f(Math.max(f(max), 0));
  if (options.scheme === "symmetric") {
    const amax = Math.max(hi, -lo);
    const half = signed ? qmax : (qmax - 1) / 2 | 0;
    const raw = f(amax / half);
    const scale = amax > 0 && raw > 0 ? raw : 1;
    if (!Number.isFinite(scale)) {
      throw new QkernError(op, "min/max", `range [${lo}, ${hi}] gives scale ${scale}, not a positive finite float32`);
    }
    return { scale, zeroPoint: signed ? 0 : half + 1, qmin, qmax };
  }
  // A range so small that the scale underflows float32 is treated like an all-zero range.
  const raw = f(f(hi - lo) / (qmax - qmin));
  const scale = hi === lo || raw === 0 ? 1 : raw;
  if (!Number.isFinite(scale)) {
    throw new QkernError(op, "min/max", `range [${lo}, ${hi}] gives scale ${scale}, not a positive finite float32`);
  }
  const initial = f(qmin - f(lo / scale));
  const zeroPoint = roundHalfEven(Math.min(qmax, Math.max(qmin, initial)));
  return { scale, zeroPoint, qmin, qmax };
}

/**
 * Round half to even (banker's rounding), the rounding of ONNX and IEEE-754 by default.
 *
 * @example
 * ```ts
 * console.log([0.5, 1.5, 2.5, -2.5].map(roundHalfEven)); // [ 0, 2, 2, -2 ]
 * ```
 */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A real multiplier as TFLite represents it: real ≈ multiplier · 2^(shift − 31). */
export interface QuantizedMultiplier {
  /** In [2^30, 2^31 − 1], or 0 for a multiplier too small to represent. */
  readonly multiplier: number;
  /** Power-of-two exponent; positive shifts left. */
  readonly shift: number;
}

/**
 * TFLite's QuantizeMultiplier: frexp the real multiplier into q · 2^shift with q in [0.5, 1),
 * round q · 2^31 half away from zero, renormalise if it reaches 2^31, and saturate exponents
 * outside [−31, 30] as TFLite does.
 *
 * @example
 * ```ts
 * quantizeMultiplier(0.5);  // { multiplier: 1073741824, shift: 0 }
 * quantizeMultiplier(0.0003); // { multiplier: 1319413953, shift: -11 }
 * ```
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!Number.isFinite(real) || real < 0) {
    throw new QkernError("quantizeMultiplier", "real", `must be finite and >= 0, got ${real}`);
  }
  // Below 2^-40 the exponent is certainly under TFLite's −31 floor.
  if (real < 2 ** -40) return { multiplier: 0, shift: 0 };
  let [q, shift] = frexp(real);
  let m = Math.round(q * 2 ** 31); // q > 0, so Math.round's half-up is half away from zero
  if (m === 2 ** 31) {
    m /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) return { multiplier: 2 ** 31 - 1, shift: 30 };
  return { multiplier: m, shift };
}

/** frexp for positive finite doubles: value = q · 2^e, q in [0.5, 1). Exact. */
function frexp(value: number): [number, number] {
  let e = Math.floor(Math.log2(value)) + 1;
  let q = value * 2 ** -e;
  // log2 may be off by one near powers of two; fix up exactly.
  while (q < 0.5) {
    q *= 2;
    e -= 1;
  }
  while (q >= 1) {
    q /= 2;
    e += 1;
  }
  return [q, e];
}
