import { CONV_GEOMETRY_BYTES } from "../kernels/conv-geometry.js";
import { outputParams } from "../kernels/output.js";
import { q8Pool } from "../kernels/q8_pool.js";
import { qs32Q8Requant } from "../kernels/qs32_q8_requant.js";
import type { PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";
import { floatPool, poolGeometry, poolOutput, type Pool2dOptions } from "./pool-common.js";

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
 * ```
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const op = "avgPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const { n, h, w, c, oh, ow, g } = poolGeometry(op, input, options);
  const out = poolOutput(op, input, [n, oh, ow, c], options, false);
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

