import type { Tensor } from "../tensor.js";
import { tfliteBinary, type TfliteBinaryOptions } from "./binary.js";

/**
 * TFLite's MUL of two 8-bit tensors with TFLite's broadcasting (shapes aligned on the right, every
 * dimension equal or 1) and fused activation. `numerics: 'litert'` (default) gives what LiteRT
 * computes (XNNPACK: (a − za)·(b − zb) times f32(f32(sa·sb)/sy) in float32, rounded half to even);
 * `'reference'` TFLite's reference kernel (the same product through one gemmlowp multiplier).
 * For a per-channel scale in float semantics (squeeze-excite as ONNX Runtime computes it) see
 * `mulChannels`.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Int8Array([10, 20, 30, 40]), [1, 1, 2, 2], { quant: { scale: 0.1, zeroPoint: 0 } });
 * const s = qk.tensor(new Int8Array([64, 127]), [2], { quant: { scale: 1 / 128, zeroPoint: 0 } });
 * console.log(mul(x, s, { numerics: 'reference' }).toArray()); // Int8Array(4) [ 5, 20, 15, 40 ]: ×0.5 and ×0.992
 * ```
 */
export function mul(x: Tensor, s: Tensor, options: TfliteBinaryOptions = {}): Tensor {
  return tfliteBinary("mul", "mul", x, s, options);
}
