import { CONV_GEOMETRY_BYTES, type ConvGeometry } from "../kernels/conv-geometry.js";
import { outputParams } from "../kernels/output.js";
import { q8Pool } from "../kernels/q8_pool.js";
import { qs32Q8Requant } from "../kernels/qs32_q8_requant.js";
import type { PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { QkernError } from "../errors.js";
import { checkTensor } from "./common.js";
import { floatPool, poolGeometry, poolOutput, type Pool2dOptions } from "./pool-common.js";
import { activationRange, checkNumerics, type TfliteFusedActivation, type TfliteNumerics } from "./tflite-arith.js";

/** Options of `avgPool2d`: pooling geometry, and TFLite's arithmetic on request. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /**
   * TFLite AVERAGE_POOL_2D arithmetic for 8-bit data (both numerics compute the same: see
   * docs/numerics.md): the raw sum of the taps inside the input divided by their count with round
   * half away from zero, then clamped to the fused activation's range. Requires equal input and
   * output quantization (zero points equal, scales within 1e-6) and dilations 1.
   */
  readonly numerics?: TfliteNumerics;
  /** Fused activation with `numerics` (TFLite's range in the output's integer domain). */
  readonly activation?: TfliteFusedActivation;
}

/**
 * Average pooling, NHWC, over the taps inside the input (count_include_pad = 0). 8-bit:
 * y = clamp(roundHalfEven(f32(Σ(x − zx)) · f32(sx / f32(sy · count))) + zy), the requantization of
 * ONNX Runtime's QLinearAveragePool / QLinearGlobalAveragePool.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Uint8Array([10, 20, 30, 40]), [1, 2, 2, 1], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(avgPool2d(x, { kernel: 2 }).toArray()); // Uint8Array(1) [ 25 ]
 * console.log(avgPool2d(qk.tensor([1, 2, 3, 4], [1, 2, 2, 1]), { kernel: 2, strides: 1, padding: 'same' }).toArray()); // float32, taps inside only
 * // TFLite's AVERAGE_POOL_2D: the sum −6 over 4 taps, (−6 − 2) / 4 = −2 (−1.5 away from zero); relu floors at the zero point
 * const t = qk.tensor(new Int8Array([-3, -2, -1, 0]), [1, 2, 2, 1], { quant: { scale: 0.5, zeroPoint: 0 } });
 * console.log(avgPool2d(t, { kernel: 2, numerics: 'reference' }).toArray(), avgPool2d(t, { kernel: 2, numerics: 'litert', activation: 'relu' }).toArray()); // Int8Array(1) [ -2 ] Int8Array(1) [ 0 ]
 * ```
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const op = "avgPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const numerics = checkNumerics(op, options.numerics, ["reference", "litert"] as const);
  if (numerics === undefined && options.activation !== undefined && options.activation !== "none") {
    throw new QkernError(op, "options.activation", "is applied with options.numerics ('reference' or 'litert'), TFLite's fused activation");
  }
  const { n, h, w, c, oh, ow, g } = poolGeometry(op, input, options);
  const out = poolOutput(op, input, [n, oh, ow, c], options, false);
  if (numerics !== undefined) {
    try {
      tflitePool(op, input, out, g, n, options.activation);
    } catch (e) {
      if (out !== options.out) out.dispose();
      throw e;
    }
    return out;
  }
  if (input.dtype === "float32") {
    floatPool(input, out, g, n, "avg");
    return out;
  }
  const qx = input.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  const rt = input.rt;
  const pixels = oh * ow;
  const params = outputParams(rt);
  const pool = q8Pool(rt);
  const requant = qs32Q8Requant(rt);
  rt.workspace.with(op, [CONV_GEOMETRY_BYTES, 4 * pixels * c, 4 * pixels, params.bytes("fp32", c)], ([geom, sums, counts, block]) => {
    pool.geometry(geom!, g);
    for (let b = 0; b < n; b++) {
      pool.sum(geom!, input.ptr + b * h * w * c, sums!, counts!, input.dtype === "uint8", qx.zeroPoint);
      // Requantize pixel by pixel: the divisor depends on how many taps were inside.
      const view = rt.views();
      for (let p = 0; p < pixels; p++) {
        const count = view.i32[(counts! >>> 2) + p]!;
        const m = Math.fround(qx.scale / Math.fround(qy.scale * count));
        params.write(block!, { stage: "fp32", scale: new Float32Array(c).fill(m) }, qy.zeroPoint, input.dtype === "uint8" ? 0 : -128, input.dtype === "uint8" ? 255 : 127);
        requant.run("fp32", "rows", sums! + 4 * p * c, out.ptr + (b * pixels + p) * c, 1, c, block!);
      }
    }
  });
  return out;
}


/** TFLite AVERAGE_POOL_2D (reference_integer_ops::AveragePool; optimized AveragePool16 rounds the same way). */
function tflitePool(op: string, x: Tensor, out: Tensor, g: ConvGeometry, n: number, activation: unknown): void {
  if (x.dtype !== "int8" && x.dtype !== "uint8") throw new QkernError(op, "x", `TFLite numerics need int8 or uint8 data, got ${x}`);
  if (g.dh !== 1 || g.dw !== 1) throw new QkernError(op, "options.dilations", "must be 1 with TFLite numerics (AVERAGE_POOL_2D has no dilation)");
  const qx = x.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  if (qx.zeroPoint !== qy.zeroPoint || Math.abs(Math.fround(qx.scale) - Math.fround(qy.scale)) > 1e-6) {
    throw new QkernError(op, "options.output", `TFLite's AVERAGE_POOL_2D keeps the input's quantization (scale ${qx.scale}, zero point ${qx.zeroPoint}); got scale ${qy.scale}, zero point ${qy.zeroPoint}`);
  }
  const [lo, hi] = activationRange(op, activation, qy.scale, qy.zeroPoint, x.dtype);
  const { h, w, c, oh, ow, kh, kw, sh, sw, pt, pl } = g;
  const src = x.data as Int8Array | Uint8Array;
  const dst = out.data as Int8Array | Uint8Array;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - pt;
      const [fy0, fy1] = [Math.max(0, -y0), Math.min(kh, h - y0)];
      for (let xx = 0; xx < ow; xx++) {
        const x0 = xx * sw - pl;
        const [fx0, fx1] = [Math.max(0, -x0), Math.min(kw, w - x0)];
        const count = Math.max(0, fy1 - fy0) * Math.max(0, fx1 - fx0);
        if (count === 0) throw new QkernError(op, "options.padding", `output (${y}, ${xx}) covers no input tap; TFLite's AVERAGE_POOL_2D fails on such windows`);
        const half = count >> 1;
        const o = ((b * oh + y) * ow + xx) * c;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let fy = fy0; fy < fy1; fy++) {
            const row = ((b * h + y0 + fy) * w + x0) * c + ch;
            for (let fx = fx0; fx < fx1; fx++) acc += src[row + fx * c]!;
          }
          // Round half away from zero: (acc ± count/2) / count, C division truncating toward zero.
          const avg = acc > 0 ? Math.floor((acc + half) / count) : -Math.floor((half - acc) / count);
          dst[o + ch] = avg < lo ? lo : avg > hi ? hi : avg;
        }
      }
    }
  }
}
