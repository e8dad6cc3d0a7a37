// Reference network ops, written from their definitions (element by element, float32 steps with
// Math.fround): convolution, quantized add (QDQ and TFLite), table activations, pooling, concat,
// per-channel multiply.

import { DTYPE_INFO } from "../dtype.js";
import { quantizeMultiplierRef, rdbpot, srdhm } from "./requantize.js";
import { roundHalfEven } from "./quantize.js";

const f = Math.fround;

/** Convolution geometry (NHWC input, weights [OC, KH, KW, IC]). */
export interface RefConv {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly oc: number;
  readonly kh: number;
  readonly kw: number;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
}

/**
 * Output height and width of a convolution.
 *
 * @example
 * ```ts
 * import { convOutputSize } from 'qkern/reference';
 * const g = { n: 1, h: 224, w: 224, c: 3, oc: 32, kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] } as const;
 * console.log(convOutputSize(g)); // [ 112, 112 ]
 * ```
 */
export function convOutputSize(g: RefConv): [number, number] {
  return [
    Math.floor((g.h + g.pads[0] + g.pads[2] - ((g.kh - 1) * g.dilations[0] + 1)) / g.strides[0]) + 1,
    Math.floor((g.w + g.pads[1] + g.pads[3] - ((g.kw - 1) * g.dilations[1] + 1)) / g.strides[1]) + 1,
  ];
}

/** Visits output elements; `step` accumulates over (kh, kw, c) in that order; padding is outside. */
function conv(g: RefConv, init: (o: number) => number, step: (acc: number, inside: boolean, xi: number, wi: number) => number): number[] {
  const [oh, ow] = convOutputSize(g);
  const out: number[] = [];
  for (let b = 0; b < g.n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let o = 0; o < g.oc; o++) {
          let acc = init(o);
          for (let i = 0; i < g.kh; i++) {
            for (let j = 0; j < g.kw; j++) {
              const iy = y * g.strides[0] - g.pads[0] + i * g.dilations[0];
              const ix = x * g.strides[1] - g.pads[1] + j * g.dilations[1];
              const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
              for (let c = 0; c < g.c; c++) {
                acc = step(acc, inside, ((b * g.h + iy) * g.w + ix) * g.c + c, ((o * g.kh + i) * g.kw + j) * g.c + c);
              }
            }
          }
          out.push(acc);
        }
      }
    }
  }
  return out;
}

/**
 * int32 accumulators Σ (x − zx)(w − zw[o]) + bias[o] (padding contributes nothing).
 *
 * @example
 * ```ts
 * import { conv2dInteger } from 'qkern/reference';
 * // 2×2 image, 1 input channel, 2 output channels, 1×1 kernel: per-pixel products
 * const g = { n: 1, h: 2, w: 2, c: 1, oc: 2, kh: 1, kw: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as const;
 * console.log(conv2dInteger(g, [1, 2, 3, 4], 0, [2, -1], [0, 0])); // Int32Array [ 2, -1, 4, -2, 6, -3, 8, -4 ]
 * ```
 */
export function conv2dInteger(g: RefConv, x: ArrayLike<number>, zx: number, w: ArrayLike<number>, zw: ArrayLike<number>, bias?: ArrayLike<number>): Int32Array {
  return Int32Array.from(conv(g, (o) => (bias ? (bias[o] as number) : 0),
    (acc, inside, xi, wi) => (inside ? acc + ((x[xi] as number) - zx) * ((w[wi] as number) - (zw[Math.floor(wi / (g.kh * g.kw * g.c))] as number)) : acc)));
}

/**
 * float32: acc = bias, acc = f32(acc + f32(x · w)) over (kh, kw, c) with x = 0 in the padding, then clamp.
 *
 * @example
 * ```ts
 * import { conv2dFloat } from 'qkern/reference';
 * const g = { n: 1, h: 2, w: 2, c: 1, oc: 1, kh: 2, kw: 2, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as const;
 * console.log(conv2dFloat(g, [1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5], [0], -Infinity, Infinity)); // Float32Array [ 5 ]
 * ```
 */
export function conv2dFloat(g: RefConv, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, lo: number, hi: number): Float32Array {
  return Float32Array.from(conv(g, (o) => f(bias ? (bias[o] as number) : 0),
    (acc, inside, xi, wi) => f(acc + f((inside ? f(x[xi] as number) : 0) * f(w[wi] as number)))), (v) => {
    const a = lo < v ? v : lo;
    return a < hi ? a : hi;
  });
}

/**
 * Quantized add, ONNX Runtime QLinearAdd semantics (float32 steps; zy added in float32 before rounding).
 *
 * @example
 * ```ts
 * import { qaddFp32 } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(qaddFp32(10, 25, q, q, { scale: 0.2, zeroPoint: 0 }, -128, 127)); // 18: (1 + 2.5) / 0.2 = 17.5 → 18
 * ```
 */
export function qaddFp32(a: number, b: number, qa: { scale: number; zeroPoint: number }, qb: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, qmin: number, qmax: number): number {
  const v = f(f(f(f(qa.scale) * (a - qa.zeroPoint)) + f(f(qb.scale) * (b - qb.zeroPoint))) / f(qy.scale));
  return Math.min(qmax, Math.max(qmin, roundHalfEven(f(v + qy.zeroPoint))));
}

/**
 * Quantized add, TFLite fixed-point semantics (left shift 20).
 *
 * @example
 * ```ts
 * import { qaddFixedpoint } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(qaddFixedpoint(10, 25, q, q, { scale: 0.2, zeroPoint: 0 }, -128, 127)); // 18 (TFLite rounds 17.5 away from zero)
 * ```
 */
export function qaddFixedpoint(a: number, b: number, qa: { scale: number; zeroPoint: number }, qb: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, qmin: number, qmax: number): number {
  const twice = 2 * Math.max(f(qa.scale), f(qb.scale));
  const m1 = quantizeMultiplierRef(f(qa.scale) / twice);
  const m2 = quantizeMultiplierRef(f(qb.scale) / twice);
  const mo = quantizeMultiplierRef(twice / (2 ** 20 * f(qy.scale)));
  const scale = (x: number, m: { multiplier: number; shift: number }): number => rdbpot(srdhm(x, m.multiplier), -m.shift);
  const raw = scale(scale((a - qa.zeroPoint) * 2 ** 20, m1) + scale((b - qb.zeroPoint) * 2 ** 20, m2), mo);
  return Math.min(qmax, Math.max(qmin, raw + qy.zeroPoint));
}

/**
 * QuantizeLinear(fn(DequantizeLinear(q))) for one value.
 *
 * @example
 * ```ts
 * import { qfunction } from 'qkern/reference';
 * const q = { scale: 0.05, zeroPoint: 0 };
 * console.log(qfunction(-40, (x) => Math.max(0, x), q, q, 'int8'), qfunction(40, (x) => Math.max(0, x), q, q, 'int8')); // 0 40
 * ```
 */
export function qfunction(q: number, fn: (x: number) => number, qx: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const { min, max } = DTYPE_INFO[dtype];
  const x = f(f(q - qx.zeroPoint) * f(qx.scale));
  return Math.min(max, Math.max(min, roundHalfEven(f(f(fn(x)) / f(qy.scale))) + qy.zeroPoint));
}

/**
 * Per-channel multiply, QDQ semantics.
 *
 * @example
 * ```ts
 * import { qmul } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(qmul(20, 5, q, q, { scale: 0.1, zeroPoint: 0 }, 'int8')); // 10: 2.0 · 0.5 = 1.0
 * ```
 */
export function qmul(x: number, s: number, qx: { scale: number; zeroPoint: number }, qs: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const { min, max } = DTYPE_INFO[dtype];
  const v = f(f(f(f(qx.scale) * (x - qx.zeroPoint)) * f(f(qs.scale) * (s - qs.zeroPoint))) / f(qy.scale));
  return Math.min(max, Math.max(min, roundHalfEven(v) + qy.zeroPoint));
}

/**
 * Average of 8-bit values as qkern / ONNX Runtime requantize it: f32(Σ(x − zx)) · f32(sx / f32(sy · count)).
 *
 * @example
 * ```ts
 * import { qaverage } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 128 };
 * console.log(qaverage([130, 134, 129], q, q, 'uint8')); // 131: 128 + round(8 / 3)
 * ```
 */
export function qaverage(values: readonly number[], qx: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, dtype: "int8" | "uint8"): number {
  const { min, max } = DTYPE_INFO[dtype];
  const sum = values.reduce((s, v) => s + v - qx.zeroPoint, 0);
  const m = f(f(qx.scale) / f(f(qy.scale) * values.length));
  return Math.min(max, Math.max(min, roundHalfEven(f(f(sum) * m)) + qy.zeroPoint));
}
