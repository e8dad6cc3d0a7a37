import { QkernError } from "../errors.js";
import { outputParams } from "../kernels/output.js";
import { q8Pool } from "../kernels/q8_pool.js";
import { qs32Q8Requant } from "../kernels/qs32_q8_requant.js";
import type { PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";
import { poolOutput, type Pool2dOptions } from "./pool-common.js";
import { checkNumerics, INT32_MAX, mulByQuantizedMultiplier, tfliteMultiplier } from "./tflite-arith.js";

/** Options of `globalAvgPool`. */
export interface GlobalAvgPoolOptions {
  /** 8-bit output parameters (default: the input's). */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
  /**
   * TFLite MEAN over H and W instead of ONNX Runtime's arithmetic (docs/numerics.md):
   * `'reference'`, tflite-micro's int8 kernel (equal parameters: the truncating integer mean; else
   * the fixed-point multiplier of input/output scale with 1/count folded in); `'litert'`, what LiteRT
   * computes (its XNNPACK delegate takes MEAN: a float32 multiplier and bias); `'builtin'`, TFLite's
   * builtin CPU kernel without a delegate (kGenericOptimized), whose arithmetic depends on `keepDims`.
   */
  readonly numerics?: "reference" | "litert" | "builtin";
  /** The MEAN's keep_dims flag, for `numerics: 'builtin'` (default true). The output is [N, 1, 1, C] either way. */
  readonly keepDims?: boolean;
}

/**
 * Global average pooling, NHWC → [N, 1, 1, C], ONNX Runtime's QLinearGlobalAveragePool arithmetic
 * for 8-bit data: y = clamp(roundHalfEven(f32(Σ(x − zx)) · f32(sx / f32(sy · H·W))) + zy).
 *
 * @example
 * ```ts
 * const features = qk.tensor(new Int8Array(7 * 7 * 16).fill(3), [1, 7, 7, 16], { quant: { scale: 0.1, zeroPoint: 0 } });
 * globalAvgPool(features, { output: { scale: 0.02, zeroPoint: 0 } });   // [1, 7, 7, 16] → [1, 1, 1, 16]
 * // TFLite MEAN of [1, 2] with equal parameters: tflite-micro truncates 3 / 2, LiteRT (XNNPACK) rounds 1.5 to even
 * const t = qk.tensor(new Int8Array([1, 2]), [1, 1, 2, 1], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(globalAvgPool(t, { numerics: 'reference' }).toArray(), globalAvgPool(t, { numerics: 'litert' }).toArray()); // Int8Array(1) [ 1 ] Int8Array(1) [ 2 ]
 * ```
 */
export function globalAvgPool(x: Tensor, options: GlobalAvgPoolOptions = {}): Tensor {
  const op = "globalAvgPool";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const numerics = checkNumerics(op, options.numerics, ["reference", "litert", "builtin"] as const);
  if (options.keepDims !== undefined && typeof options.keepDims !== "boolean") throw new QkernError(op, "options.keepDims", `must be a boolean, got ${String(options.keepDims)}`);
  if (numerics !== undefined && !(input.dtype === "int8" || (input.dtype === "uint8" && numerics !== "reference"))) {
    throw new QkernError(op, "x", `numerics '${numerics}' needs ${numerics === "reference" ? "int8 data (tflite-micro's MEAN)" : "int8 or uint8 data"}, got ${input}`);
  }
  const [n, h, w, c] = input.shape as [number, number, number, number];
  if (numerics !== undefined && h * w === 0) throw new QkernError(op, "x", `TFLite's MEAN needs a non-empty window, got ${input}`);
  const out = poolOutput(op, input, [n, 1, 1, c], options as Pool2dOptions, false);
  const pixels = h * w;
  if (numerics !== undefined) {
    try {
      tfliteMean(op, input, out, numerics, options.keepDims ?? true);
    } catch (e) {
      if (out !== options.out) out.dispose();
      throw e;
    }
    return out;
  }
  if (input.dtype === "float32") {
    const src = input.data as Float32Array;
    const dst = out.data as Float32Array;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let p = 0; p < pixels; p++) s = Math.fround(s + src[(b * pixels + p) * c + ch]!);
        dst[b * c + ch] = Math.fround(s / pixels);
      }
    }
    return out;
  }
  const qx = input.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  const rt = input.rt;
  const params = outputParams(rt);
  rt.workspace.with(op, [4 * c, params.bytes("fp32", c)], ([sums, block]) => {
    const m = Math.fround(qx.scale / Math.fround(qy.scale * pixels));
    const [lo, hi] = input.dtype === "uint8" ? [0, 255] : [-128, 127];
    params.write(block!, { stage: "fp32", scale: new Float32Array(Math.max(c, 1)).fill(m) }, qy.zeroPoint, lo, hi);
    for (let b = 0; b < n; b++) {
      q8Pool(rt).gsum(input.ptr + b * pixels * c, sums!, pixels, c, input.dtype === "uint8", qx.zeroPoint);
      qs32Q8Requant(rt).run("fp32", "rows", sums!, out.ptr + b * c, 1, c, block!);
    }
  });
  return out;
}


/** TFLite MEAN over H and W of int8/uint8 NHWC data (sources and formulas: docs/numerics.md). */
function tfliteMean(op: string, x: Tensor, out: Tensor, numerics: "reference" | "litert" | "builtin", keepDims: boolean): void {
  const f = Math.fround;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const count = h * w;
  const qx = x.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  const [lo, hi] = x.dtype === "int8" ? [-128, 127] : [0, 255];
  const src = x.data as Int8Array | Uint8Array;
  const dst = out.data as Int8Array | Uint8Array;
  const sameQuant = qx.zeroPoint === qy.zeroPoint && f(qx.scale) === f(qy.scale);
  // Each path maps the raw channel sum Σq to the output value.
  let finish: (sum: number) => number;
  if (numerics === "litert") {
    // XNNPACK's quantized mean: float32 multiplier f32(f32(sx / sy) · f32(1 / count)), the zero
    // points in one float32 bias, round half to even.
    const m = f(f(f(qx.scale) / f(qy.scale)) * f(1 / count));
    const bias = f(qy.zeroPoint - f(f(count * qx.zeroPoint) * m));
    finish = (sum) => {
      const v = f(f(f(sum) * m) + bias);
      const r = Math.round(v);
      return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
    };
  } else if (numerics === "reference" && sameQuant) {
    finish = (sum) => Math.trunc(sum / count); // reference_ops::Mean: C division of the int32 sum
  } else if (numerics === "builtin" && keepDims) {
    // optimized_integer_ops::Mean: multiplier of f32(sx / f32(count · sy)) on Σq, bias from the zero points.
    const { multiplier, shift } = fixedMultiplier(op, f(f(qx.scale) / f(f(count) * f(qy.scale))));
    const t = f(f(qx.zeroPoint * f(qx.scale)) / f(qy.scale));
    const bias = qy.zeroPoint - Math.trunc(t > 0 ? f(t + 0.5) : f(t - 0.5));
    finish = (sum) => mulByQuantizedMultiplier(sum, multiplier, shift) + bias;
  } else {
    // reference_ops::QuantizedMeanOrSum: 1/count folded into the multiplier of sx / sy (as doubles).
    const m = fixedMultiplier(op, f(qx.scale) / f(qy.scale));
    const s = Math.min(Math.floor(Math.log2(count)), 32, 31 + m.shift);
    const multiplier = Number((BigInt(m.multiplier) * 2n ** BigInt(s)) / BigInt(count));
    const offset = qx.zeroPoint * count;
    finish = (sum) => mulByQuantizedMultiplier((sum - offset) | 0, multiplier, m.shift - s) + qy.zeroPoint;
  }
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let p = 0; p < count; p++) sum += src[(b * count + p) * c + ch]!;
      const v = finish(sum);
      dst[b * c + ch] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}

/** TFLite's fixed-point multiplier of a real ratio; ratios of 2^30 or more overflow TFLite's int32 arithmetic (undefined behaviour), so they are refused. */
function fixedMultiplier(op: string, real: number): { multiplier: number; shift: number } {
  const m = tfliteMultiplier(real);
  if (m.shift > 30 || m.multiplier > INT32_MAX) throw new QkernError(op, "options.output", `the scale ratio ${real} is too large for TFLite's fixed-point MEAN (multiplier shift ${m.shift} > 30)`);
  return m;
}
