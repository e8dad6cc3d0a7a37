import { QkernError } from "../errors.js";
import { outputParams } from "../kernels/output.js";
import { q8Pool } from "../kernels/q8_pool.js";
import { qs32Q8Requant } from "../kernels/qs32_q8_requant.js";
import type { PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";
import { poolOutput, type Pool2dOptions } from "./pool-common.js";

/**
 * Global average pooling, NHWC → [N, 1, 1, C], ONNX Runtime's QLinearGlobalAveragePool arithmetic
 * for 8-bit data: y = clamp(roundHalfEven(f32(Σ(x − zx)) · f32(sx / f32(sy · H·W))) + zy).
 *
 * @example
 * ```ts
 * const features = qk.tensor(new Int8Array(7 * 7 * 16).fill(3), [1, 7, 7, 16], { quant: { scale: 0.1, zeroPoint: 0 } });
 * globalAvgPool(features, { output: { scale: 0.02, zeroPoint: 0 } });   // [1, 7, 7, 16] → [1, 1, 1, 16]
 * ```
 */
export function globalAvgPool(x: Tensor, options: { readonly output?: { readonly scale: number; readonly zeroPoint?: number }; readonly out?: Tensor } = {}): Tensor {
  const op = "globalAvgPool";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const out = poolOutput(op, input, [n, 1, 1, c], options as Pool2dOptions, false);
  const pixels = h * w;
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

