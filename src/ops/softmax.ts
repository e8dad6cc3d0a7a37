import { QkernError } from "../errors.js";
import { isPerAxisQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";

/**
 * Softmax over the last axis to float32 (8-bit inputs are dequantized first): classifier outputs.
 * exp(x − max) / Σ exp(x − max), in float64, rounded to float32.
 *
 * @example
 * ```ts
 * const logits = qk.tensor([1, 2, 3], [1, 3]);
 * console.log(softmax(logits).toArray()); // Float32Array(3) [ 0.090..., 0.244..., 0.665... ]
 * ```
 */
export function softmax(x: Tensor): Tensor<"float32"> {
  const op = "softmax";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const c = input.shape[input.shape.length - 1] ?? 0;
  const rows = c === 0 ? 0 : input.size / c;
  let values: ArrayLike<number> = input.toArray();
  if (input.dtype !== "float32") {
    if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
    const q = input.quant;
    values = Array.from(values, (v) => (v - q.zeroPoint) * q.scale);
  }
  const out = input.qk.empty("float32", input.shape);
  const y = out.data;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < c; i++) m = Math.max(m, values[r * c + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(values[r * c + i]! - m);
    for (let i = 0; i < c; i++) y[r * c + i] = Math.exp(values[r * c + i]! - m) / sum;
  }
  return out;
}
