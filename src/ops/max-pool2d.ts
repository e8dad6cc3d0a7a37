import { q8Pool } from "../kernels/q8_pool.js";
import type { Tensor } from "../tensor.js";
import { x8Lut } from "../kernels/x8_lut.js";
import type { PerTensorQuant } from "../quant.js";
import { checkTensor, runOrDispose } from "./common.js";
import { floatPool, poolGeometry, poolOutput, type Pool2dOptions } from "./pool-common.js";
import { activationRange, type TfliteFusedActivation } from "./tflite-arith.js";
import { clampTable } from "./tflite-unary.js";

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions extends Pool2dOptions {
  /**
   * TFLite's fused activation of MAX_POOL_2D: 8-bit results clamped to TFLite's range in the output's
   * integer domain (zp + round(v / scale), half away from zero); float32 results to the real range.
   * The same under both TFLite numerics (a maximum has no rounding).
   */
  readonly activation?: TfliteFusedActivation;
}

/**
 * Max pooling, NHWC (padding ignored). 8-bit outputs keep the input's parameters.
 *
 * @example
 * ```ts
 * const x = qk.tensor(Int8Array.from({ length: 6 * 6 * 4 }, (_, i) => (i * 7) % 50), [1, 6, 6, 4], { quant: { scale: 0.1, zeroPoint: 0 } });
 * maxPool2d(x, { kernel: 3, strides: 2 });                           // [1, 6, 6, 4] → [1, 2, 2, 4]
 * maxPool2d(x, { kernel: 2, strides: 2, padding: 'same', activation: 'relu6' }); // TFLite's MAX_POOL_2D with RELU6
 * ```
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const op = "maxPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const { n, g } = poolGeometry(op, input, options);
  const out = poolOutput(op, input, [n, g.oh, g.ow, g.c], options, true);
  const activation = options.activation ?? "none";
  return runOrDispose(out, options.out, () => {
    if (input.dtype === "float32") {
      const [lo, hi] = activation === "none" ? [-Infinity, Infinity] : activation === "relu" ? [0, Infinity] : activation === "relu6" ? [0, 6] : activation === "relu_n1_to_1" ? [-1, 1] : [NaN, NaN];
      if (Number.isNaN(lo)) activationRange(op, activation, 1, 0, "int8"); // throws the error naming the option
      floatPool(input, out, g, n, "max");
      if (activation !== "none") {
        const d = out.data as Float32Array;
        for (let i = 0; i < d.length; i++) d[i] = Math.min(hi, Math.max(lo, d[i]!));
      }
      return out;
    }
    const dtype = input.dtype as "int8" | "uint8";
    const q = out.quant as PerTensorQuant;
    const [lo, hi] = activationRange(op, activation, q.scale, q.zeroPoint, dtype);
    const rt = input.rt;
    q8Pool(rt).max(rt.workspace, op, input.ptr, out.ptr, n, g, dtype === "uint8");
    if (lo > (dtype === "int8" ? -128 : 0) || hi < (dtype === "int8" ? 127 : 255)) {
      rt.workspace.with(op, [256], ([t]) => {
        rt.views().u8.set(clampTable(dtype, lo, hi), t!);
        x8Lut(rt).map(out.ptr, out.ptr, out.size, t!);
      });
    }
    return out;
  });
}

