// Reference QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear: plain loops over the ONNX
// formulas in float32 arithmetic (Math.fround after every operation), one element at a time.

import { DTYPE_INFO, type DType, type QuantDType } from "../dtype.js";

/** Per-tensor (numbers) or per-axis (arrays along `axis`) parameters. */
export interface RefQuant {
  readonly scale: number | ArrayLike<number>;
  readonly zeroPoint?: number | ArrayLike<number>;
  readonly axis?: number;
}

/**
 * Maps a flat element index to its channel along `axis` (0 for per-tensor).
 *
 * @example
 * ```ts
 * import { channelOf } from 'qkern/reference';
 * const ch = channelOf([2, 3], 1);   // per-column parameters of a [2, 3] tensor
 * console.log([0, 1, 2, 3, 4, 5].map(ch)); // [ 0, 1, 2, 0, 1, 2 ]
 * ```
 */
export function channelOf(shape: readonly number[], axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const channels = shape[axis] as number;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => Math.floor(i / inner) % channels;
}

function param(p: number | ArrayLike<number> | undefined, c: number): number {
  if (p === undefined) return 0;
  return typeof p === "number" ? p : (p[c] as number);
}

/**
 * Round half to even.
 *
 * @example
 * ```ts
 * import { roundHalfEven } from 'qkern/reference';
 * console.log([0.5, 1.5, 2.5, -0.5, 2.6].map(roundHalfEven)); // [ 0, 2, 2, 0, 3 ]
 * ```
 */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * One value: clamp(roundHalfEven(f32(x / scale)) + zp, qmin, qmax); NaN gives zp.
 *
 * @example
 * ```ts
 * import { quantizeValue } from 'qkern/reference';
 * console.log(quantizeValue(0.25, 0.1, 3, -128, 127)); // 5: roundHalfEven(2.5) + 3
 * ```
 */
export function quantizeValue(x: number, scale: number, zp: number, qmin: number, qmax: number): number {
  const v = Math.fround(Math.fround(x) / Math.fround(scale));
  const r = Number.isNaN(v) ? zp : roundHalfEven(v) + zp;
  return Math.min(qmax, Math.max(qmin, r));
}

/**
 * ONNX QuantizeLinear: y = saturate(roundHalfEven(x / scale) + zeroPoint) with the division in
 * float32. NaN gives the zero point (qkern's documented choice). Returns integer values.
 *
 * @example
 * ```ts
 * import { quantizeLinear } from 'qkern/reference';
 * console.log(quantizeLinear([0.5, -1, 300, NaN], [4], 'int8', { scale: 0.01 })); // Int32Array [ 50, -100, 127, 0 ]
 * console.log(quantizeLinear([1, 1], [1, 2], 'uint8', { axis: 1, scale: [0.1, 0.5], zeroPoint: [0, 10] })); // [ 10, 12 ]
 * ```
 */
export function quantizeLinear(x: ArrayLike<number>, shape: readonly number[], dtype: QuantDType, q: RefQuant): Int32Array {
  const { min, max } = DTYPE_INFO[dtype];
  const ch = channelOf(shape, q.axis);
  const y = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = ch(i);
    y[i] = quantizeValue(x[i] as number, param(q.scale, c), param(q.zeroPoint, c), min, max);
  }
  return y;
}

/**
 * ONNX DequantizeLinear: y = f32(q − zeroPoint) · scale, in float32.
 *
 * @example
 * ```ts
 * import { dequantizeLinear } from 'qkern/reference';
 * console.log(dequantizeLinear([50, -100], [2], { scale: 0.01 })); // Float32Array [ 0.5, -1 ] (in float32)
 * ```
 */
export function dequantizeLinear(values: ArrayLike<number>, shape: readonly number[], q: RefQuant): Float32Array {
  const ch = channelOf(shape, q.axis);
  const y = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = ch(i);
    y[i] = Math.fround(Math.fround((values[i] as number) - param(q.zeroPoint, c)) * Math.fround(param(q.scale, c)));
  }
  return y;
}

/**
 * Scale and zero point of ONNX DynamicQuantizeLinear (uint8), ONNX Runtime's float32 steps.
 *
 * @example
 * ```ts
 * import { dynamicParamsU8 } from 'qkern/reference';
 * console.log(dynamicParamsU8([-1, 0, 2, 3])); // { scale: 0.0156862..., zeroPoint: 64 }
 * ```
 */
export function dynamicParamsU8(x: ArrayLike<number>): { scale: number; zeroPoint: number } {
  const f = Math.fround;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, f(x[i] as number));
    hi = Math.max(hi, f(x[i] as number));
  }
  const raw = f(f(hi - lo) / 255);
  const scale = hi === lo || raw === 0 ? 1 : raw; // qkern: an underflowing scale counts as a zero range
  const zeroPoint = roundHalfEven(Math.min(255, Math.max(0, f(0 - f(lo / scale)))));
  return { scale, zeroPoint };
}

/**
 * Symmetric int8 dynamic parameters: zero point 0, scale max|x| / 127 (1 if that is 0).
 *
 * @example
 * ```ts
 * import { dynamicParamsS8 } from 'qkern/reference';
 * console.log(dynamicParamsS8([-1, 0, 2, 3.81])); // { scale: 0.03, zeroPoint: 0 } (3.81 / 127 in float32)
 * ```
 */
export function dynamicParamsS8(x: ArrayLike<number>): { scale: number; zeroPoint: number } {
  let amax = 0;
  for (let i = 0; i < x.length; i++) amax = Math.max(amax, Math.abs(Math.fround(x[i] as number)));
  const raw = Math.fround(amax / 127);
  return { scale: raw > 0 ? raw : 1, zeroPoint: 0 };
}

/**
 * Integer range of a dtype.
 *
 * @example
 * ```ts
 * import { rangeOf } from 'qkern/reference';
 * console.log(rangeOf('int4'), rangeOf('uint8')); // { bits: 4, min: -8, max: 7 } { bits: 8, min: 0, max: 255 }
 * ```
 */
export function rangeOf(dtype: DType): { min: number; max: number } {
  return DTYPE_INFO[dtype];
}
