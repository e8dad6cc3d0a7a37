// TFLite's integer arithmetic for AVERAGE_POOL_2D, MEAN and fused activations (8-bit), written
// from the formulas of the TFLite sources named at each function (tensorflow/tflite-micro: the
// definition of 'reference' numerics; tensorflow/tensorflow: the builtin CPU kernels). Literal
// forms on purpose (BigInt products, C truncating division spelled out), so that the tests compare
// the ops with a second derivation. Scales are float32 in TFLite: every scale is rounded to float32
// first. The left shift x · 2^shift of MultiplyByQuantizedMultiplier, undefined in C++ when it
// overflows int32, saturates as everywhere in qkern (docs/numerics.md).

import { roundHalfEven } from "./quantize.js";
import { rdbpot, srdhm } from "./requantize.js";

const f = Math.fround;

/** Two's-complement wrap of an integer to int32. */
function wrap32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** C integer division (truncates toward zero). */
function cdiv(a: number, b: number): number {
  return Math.trunc(a / b) + 0; // + 0 turns −0 into 0
}

/** Fused activations of TFLite builtin options. */
export type TfliteActivation = "none" | "relu" | "relu6" | "relu_n1_to_1";

/**
 * TFLite QuantizeMultiplier (quantization_util.cc, default double-rounding build): real = q · 2^shift
 * with q in [0.5, 1); multiplier = round(q · 2^31) half away from zero, renormalised when it reaches
 * 2^31; shift < −31 flushes to (0, 0). Large shifts are kept (only the single-rounding build clamps).
 *
 * @example
 * ```ts
 * import { tfliteQuantizeMultiplier } from 'qkern/reference';
 * console.log(tfliteQuantizeMultiplier(0.25), tfliteQuantizeMultiplier(3e9)); // { multiplier: 1073741824, shift: -1 } { multiplier: 1500000000, shift: 32 }
 * ```
 */
export function tfliteQuantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  let shift = 0;
  while (real >= 2 ** shift) shift++;
  while (real < 2 ** (shift - 1)) shift--;
  // real · 2^(31 − shift) lies in [2^30, 2^31): the power-of-two scaling and the + 0.5 are exact.
  let multiplier = Math.floor(real * 2 ** (31 - shift) + 0.5);
  if (multiplier === 2 ** 31) {
    multiplier = 2 ** 30;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier, shift };
}

/**
 * TFLite MultiplyByQuantizedMultiplier (common.cc, double rounding): RoundingDivideByPOT(
 * SaturatingRoundingDoublingHighMul(x · 2^max(shift, 0), multiplier), max(−shift, 0)), the left
 * shift saturating to int32.
 *
 * @example
 * ```ts
 * import { tfliteMultiplyByQuantizedMultiplier } from 'qkern/reference';
 * console.log(tfliteMultiplyByQuantizedMultiplier(-10, 1 << 30, -1)); // -3: −10 · 0.5 / 2 = −2.5, away from zero
 * ```
 */
export function tfliteMultiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = BigInt(x) * 2n ** BigInt(left);
  const saturated = shifted > 2147483647n ? 2147483647 : shifted < -2147483648n ? -2147483648 : Number(shifted);
  return rdbpot(srdhm(saturated, multiplier), right);
}

/**
 * Clamp range of an 8-bit output after a fused activation (kernel_util.cc
 * CalculateActivationRangeQuantized): bound = zp + round(f32(v / scale)), std::round (half away from
 * zero) on the float quotient, intersected with the type's range.
 *
 * @example
 * ```ts
 * import { tfliteActivationRange } from 'qkern/reference';
 * console.log(tfliteActivationRange('relu6', 0.05, -128, 'int8')); // [ -128, -8 ]: 6 / 0.05 = 120
 * ```
 */
export function tfliteActivationRange(activation: TfliteActivation, scale: number, zeroPoint: number, dtype: "int8" | "uint8"): [number, number] {
  const [qmin, qmax] = dtype === "int8" ? [-128, 127] : [0, 255];
  const q = (v: number): number => {
    const t = f(v / f(scale));
    return zeroPoint + Math.sign(t) * Math.round(Math.abs(t));
  };
  if (activation === "relu") return [Math.max(qmin, q(0)), qmax];
  if (activation === "relu6") return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
  if (activation === "relu_n1_to_1") return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
  return [qmin, qmax];
}

/**
 * TensorFlow's output size and leading padding of one pooling axis (padding.h
 * ComputePaddingHeightWidth, dilation 1): SAME gives ceil(in / stride) outputs and floor(total / 2)
 * leading pad; VALID gives floor((in − k) / stride) + 1 and no pad.
 *
 * @example
 * ```ts
 * import { tflitePoolPadding } from 'qkern/reference';
 * console.log(tflitePoolPadding(7, 3, 2, 'same'), tflitePoolPadding(7, 3, 2, 'valid')); // [ 4, 1 ] [ 3, 0 ]
 * ```
 */
export function tflitePoolPadding(size: number, k: number, stride: number, padding: "same" | "valid"): [number, number] {
  if (padding === "valid") return [Math.floor((size - k) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  return [out, Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2)];
}

/** Geometry of a TFLite pooling call, NHWC (padding = the leading pads; windows are clipped to the input). */
export interface RefTflitePool {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number];
  readonly oh: number;
  readonly ow: number;
}

/**
 * AVERAGE_POOL_2D on 8-bit data (reference_integer_ops::AveragePool in
 * kernels/internal/reference/integer_ops/pooling.h; the uint8 reference_ops version rounds the
 * same way): the sum of the raw values of the taps inside the input, divided by their count with
 * round half away from zero, (sum ± count/2) / count in C integer arithmetic, then clamped to
 * [lo, hi]. No zero point enters: input and output share their quantization. A window without
 * taps is an error (the kernel returns false).
 *
 * @example
 * ```ts
 * import { avgPoolTflite } from 'qkern/reference';
 * const g = { n: 1, h: 1, w: 2, c: 1, kh: 1, kw: 2, strides: [1, 1], pads: [0, 0], oh: 1, ow: 1 } as const;
 * console.log(avgPoolTflite(g, [-3, -2], -128, 127)); // Int32Array [ -3 ]: (−5 − 1) / 2 = −3 (−2.5 away from zero)
 * ```
 */
export function avgPoolTflite(g: RefTflitePool, x: ArrayLike<number>, lo: number, hi: number): Int32Array {
  const out = new Int32Array(g.n * g.oh * g.ow * g.c);
  let o = 0;
  for (let b = 0; b < g.n; b++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        for (let ch = 0; ch < g.c; ch++) {
          const y0 = oy * g.strides[0] - g.pads[0];
          const x0 = ox * g.strides[1] - g.pads[1];
          let acc = 0;
          let count = 0;
          for (let fy = Math.max(0, -y0); fy < Math.min(g.kh, g.h - y0); fy++) {
            for (let fx = Math.max(0, -x0); fx < Math.min(g.kw, g.w - x0); fx++) {
              acc += x[((b * g.h + y0 + fy) * g.w + x0 + fx) * g.c + ch] as number;
              count++;
            }
          }
          if (count === 0) throw new Error(`avgPoolTflite: output (${oy}, ${ox}) has no taps inside the input`);
          const half = cdiv(count, 2);
          const avg = acc > 0 ? cdiv(acc + half, count) : cdiv(acc - half, count);
          out[o++] = Math.min(hi, Math.max(lo, avg));
        }
      }
    }
  }
  return out;
}

/** Per-tensor quantization parameters (scales are rounded to float32 as TFLite stores them). */
export interface RefTfliteQuant {
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * QuantizedMeanOrSum for a mean (kernels/internal/reference/reduce.h): multiplier and shift from the
 * double ratio input_scale / output_scale, then 1/count folded in: s = min(floor(log2 count), 32,
 * 31 + shift), multiplier' = trunc(multiplier · 2^s / count), shift' = shift − s; the output is
 * clamp(MultiplyByQuantizedMultiplier(Σq − zx · count, multiplier', shift') + zy).
 */
function quantizedMean(values: readonly number[], qx: RefTfliteQuant, qy: RefTfliteQuant, qmin: number, qmax: number): number {
  const n = values.length;
  const { multiplier, shift } = tfliteQuantizeMultiplier(f(qx.scale) / f(qy.scale));
  const s = Math.min(n.toString(2).length - 1, 32, 31 + shift);
  const m = Number((BigInt(multiplier) << BigInt(s)) / BigInt(n));
  const sum = values.reduce((a, v) => a + v, 0);
  const shifted = wrap32(BigInt(sum) - BigInt(qx.zeroPoint) * BigInt(n));
  return Math.min(qmax, Math.max(qmin, tfliteMultiplyByQuantizedMultiplier(shifted, m, shift - s) + qy.zeroPoint));
}

/**
 * MEAN of int8 values as tflite-micro computes it (micro/kernels/reduce_common.cc EvalIntegerMean):
 * equal input and output parameters give the C integer division Σq / count (truncating toward zero,
 * reference_ops::Mean); otherwise QuantizedMeanOrSum (reference/reduce.h): the fixed-point multiplier
 * of input_scale / output_scale with 1/count folded into it, applied to Σq − zx·count, plus zy.
 *
 * @example
 * ```ts
 * import { meanTfliteMicro } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(meanTfliteMicro([1, 2], q, q), meanTfliteMicro([1, 2], q, { scale: 0.05, zeroPoint: 0 })); // 1 3
 * ```
 */
export function meanTfliteMicro(values: readonly number[], qx: RefTfliteQuant, qy: RefTfliteQuant): number {
  if (qx.zeroPoint === qy.zeroPoint && f(qx.scale) === f(qy.scale)) return cdiv(values.reduce((a, v) => a + v, 0), values.length);
  return quantizedMean(values, qx, qy, -128, 127);
}

/**
 * MEAN over H and W as TFLite's builtin CPU kernel computes it (kernels/reduce.cc EvalMean with
 * kGenericOptimized). keep_dims: optimized_integer_ops::Mean (optimized/integer_ops/mean.h; uint8:
 * optimized_ops::Mean in optimized/reduce.h) — real = f32(sx / f32(f32(count) · sy)) as a fixed-point
 * multiplier applied to the raw sum Σq, plus bias = zy − trunc(t ± 0.5) with t = f32(f32(zx · sx) /
 * sy). Without keep_dims: QuantizedMeanOrSum (reference/reduce.h), as in meanTfliteMicro's second case.
 *
 * @example
 * ```ts
 * import { meanTfliteBuiltin } from 'qkern/reference';
 * const q = { scale: 0.1, zeroPoint: 0 };
 * console.log(meanTfliteBuiltin([1, 2], q, q, true, 'int8'), meanTfliteBuiltin([1, 2], q, q, false, 'int8')); // 2 2
 * ```
 */
export function meanTfliteBuiltin(values: readonly number[], qx: RefTfliteQuant, qy: RefTfliteQuant, keepDims: boolean, dtype: "int8" | "uint8"): number {
  const [qmin, qmax] = dtype === "int8" ? [-128, 127] : [0, 255];
  if (!keepDims) return quantizedMean(values, qx, qy, qmin, qmax);
  const real = f(f(qx.scale) / f(f(values.length) * f(qy.scale)));
  const { multiplier, shift } = tfliteQuantizeMultiplier(real);
  let t = f(f(qx.zeroPoint * f(qx.scale)) / f(qy.scale));
  t = t > 0 ? f(t + 0.5) : f(t - 0.5);
  const bias = qy.zeroPoint - Math.trunc(t);
  const acc = tfliteMultiplyByQuantizedMultiplier(values.reduce((a, v) => a + v, 0), multiplier, shift);
  return Math.min(qmax, Math.max(qmin, acc + bias));
}

/**
 * MEAN as LiteRT computes it: its XNNPACK delegate takes 8-bit MEAN (xnnpack_delegate.cc
 * VisitReduceNode), and XNNPACK's quantized mean (reduce-nd.c) scales by m = f32(f32(sx / sy) ·
 * f32(1 / count)); the sum is rescaled in float32 with the zero points folded into one float32 bias
 * and rounded half to even: y = clamp(roundHalfEven(f32(f32(Σq) · m) + f32(zy − f32(count · zx) · m))).
 * The bias form is LiteRT.js 2.5.3's result on 84,000 int8 and 3,000 uint8 means (every one equal).
 *
 * @example
 * ```ts
 * import { meanLitert } from 'qkern/reference';
 * const q = { scale: 0.4, zeroPoint: -99 };
 * // m = 0.25, bias = −99 + 396 · 0.25 = 0: roundHalfEven(6 · 0.25) = 2 (rounding before adding the zero point, as ONNX Runtime does, gives 100 − 99 = 1)
 * console.log(meanLitert([1, 1, 2, 2], q, q, 'int8')); // 2
 * ```
 */
export function meanLitert(values: readonly number[], qx: RefTfliteQuant, qy: RefTfliteQuant, dtype: "int8" | "uint8"): number {
  const n = values.length;
  const m = f(f(f(qx.scale) / f(qy.scale)) * f(1 / n));
  const bias = f(qy.zeroPoint - f(f(n * qx.zeroPoint) * m));
  const y = roundHalfEven(f(f(f(values.reduce((a, v) => a + v, 0)) * m) + bias));
  const [qmin, qmax] = dtype === "int8" ? [-128, 127] : [0, 255];
  return Math.min(qmax, Math.max(qmin, y));
}
