import type { Tensor } from "../tensor.js";
import { tfliteBinary, type TfliteBinaryOptions } from "./binary.js";

/**
 * TFLite's SUB of two 8-bit tensors (a − b) with TFLite's broadcasting (shapes aligned on the right,
 * every dimension equal or 1) and fused activation. `numerics: 'litert'` (default) gives what LiteRT
 * computes (XNNPACK's add with b's multiplier negated: integer multipliers from float32 scale ratios);
 * `'reference'` TFLite's reference kernel (left shift 20, gemmlowp multipliers). Formulas:
 * src/ops/binary.ts and `qkern/reference` (tfliteBinaryRef).
 *
 * @example
 * ```ts
 * const a = qk.tensor(new Int8Array([50, 20, -10, 0]), [1, 1, 2, 2], { quant: { scale: 0.1, zeroPoint: 0 } });
 * const b = qk.tensor(new Int8Array([10]), [1], { quant: { scale: 0.2, zeroPoint: 0 } });
 * console.log(sub(a, b).toArray()); // Int8Array(4) [ 30, 0, -30, -20 ]: each minus 2.0
 * console.log(sub(a, b, { numerics: 'reference', activation: 'relu' }).toArray()); // Int8Array(4) [ 30, 0, 0, 0 ]
 * ```
 */
export function sub(a: Tensor, b: Tensor, options: TfliteBinaryOptions = {}): Tensor {
  return tfliteBinary("sub", "sub", a, b, options);
}
