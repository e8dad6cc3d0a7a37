import { QkernError } from "../errors.js";
import { x8Lut } from "../kernels/x8_lut.js";
import { isPerAxisQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor, elementwiseOutput, runOrDispose } from "./common.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";
import { reluTable } from "./tflite-unary.js";

/** Options of `relu`. */
export interface ReluOptions {
  /** TFLite's RELU (default), RELU6 or RELU_N1_TO_1 (clamp to [−1, 1]). */
  readonly fn?: "relu" | "relu6" | "relu_n1_to_1";
  /**
   * Accepted for symmetry with the other TFLite ops: both give the same bytes (LiteRT runs TFLite's
   * own kernel for quantized RELUs; XNNPACK's delegate takes float ones only).
   */
  readonly numerics?: TfliteNumerics;
  /** 8-bit output parameters (default: the input's); ignored when `out` is given. */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
}

/**
 * TFLite's standalone RELU / RELU6 / RELU_N1_TO_1. 8-bit: the input requantized to the output's
 * parameters with TFLite's multiplier of f32(sx/sy) (exact when they agree), then clamped to the
 * activation's bounds as TFLite rounds them (zy + round(v / sy), half away from zero); run as a
 * 256-entry table. float32: max(0, x), min(6, ·), or a clamp to [−1, 1].
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Int8Array([-100, -15, 0, 50, 127]), [5], { quant: { scale: 0.1, zeroPoint: -10 } });
 * console.log(relu(x).toArray());                   // Int8Array(5) [ -10, -10, 0, 50, 127 ]
 * console.log(relu(x, { fn: 'relu6' }).toArray());  // Int8Array(5) [ -10, -10, 0, 50, 50 ]: 6.0 is 50
 * ```
 */
export function relu(x: Tensor, options: ReluOptions = {}): Tensor {
  const op = "relu";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  checkNumerics(op, options.numerics, ["litert", "reference"]);
  const fn = options.fn ?? "relu";
  if (fn !== "relu" && fn !== "relu6" && fn !== "relu_n1_to_1") throw new QkernError(op, "options.fn", `must be 'relu', 'relu6' or 'relu_n1_to_1', got ${String(fn)}`);
  const out = elementwiseOutput(op, input, options.out, options.output);
  return runOrDispose(out, options.out, () => {
    const [lo, hi] = fn === "relu" ? [0, Infinity] : fn === "relu6" ? [0, 6] : [-1, 1];
    if (input.dtype === "float32") {
      const src = input.data as Float32Array;
      const dst = out.data as Float32Array;
      for (let i = 0; i < src.length; i++) dst[i] = Math.min(hi, Math.max(lo, src[i]!));
      return out;
    }
    if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
    const t = reluTable(input.dtype as "int8" | "uint8", input.quant, out.quant, fn);
    const rt = input.rt;
    rt.workspace.with(op, [256], ([p]) => {
      rt.views().u8.set(t, p!);
      x8Lut(rt).map(input.ptr, out.ptr, input.size, p!);
    });
    return out;
  });
}
