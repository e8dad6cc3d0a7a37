import { q8Pool } from "../kernels/q8_pool.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";
import { floatPool, poolGeometry, poolOutput, type Pool2dOptions } from "./pool-common.js";

/**
 * Max pooling, NHWC (padding ignored). 8-bit outputs keep the input's parameters.
 *
 * @example
 * ```ts
 * const x = qk.tensor(Int8Array.from({ length: 6 * 6 * 4 }, (_, i) => (i * 7) % 50), [1, 6, 6, 4], { quant: { scale: 0.1, zeroPoint: 0 } });
 * maxPool2d(x, { kernel: 3, strides: 2 });                           // [1, 6, 6, 4] → [1, 2, 2, 4]
 * ```
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const op = "maxPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const { n, g } = poolGeometry(op, input, options);
  const out = poolOutput(op, input, [n, g.oh, g.ow, g.c], options, true);
  if (input.dtype === "float32") {
    floatPool(input, out, g, n, "max");
    return out;
  }
  const rt = input.rt;
  q8Pool(rt).max(rt.workspace, op, input.ptr, out.ptr, n, g, input.dtype === "uint8");
  return out;
}

