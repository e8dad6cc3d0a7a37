import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";
import { softmaxRowLitert, softmaxRowReference, softmaxTable } from "./softmax-tflite.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";

/** Options of `softmax`. */
export interface SoftmaxOptions {
  /**
   * `'float32'` (default): float probabilities. `'int8'` / `'uint8'`: TFLite's quantized SOFTMAX of
   * data of that type (output scale 1/256, zero point −128 for int8 and 0 for uint8), which needs
   * `numerics`.
   */
  readonly output?: "float32" | "int8" | "uint8";
  /**
   * With 8-bit output: `'reference'`, TFLite's reference kernel (gemmlowp fixed-point exp, as
   * tflite-micro computes); `'litert'`, TFLite's builtin CPU kernel, which LiteRT runs since XNNPACK
   * does not take quantized softmax (a float32 exp table; docs/numerics.md).
   */
  readonly numerics?: TfliteNumerics;
  /** SOFTMAX's beta (float32), 8-bit output only. Default 1. */
  readonly beta?: number;
  /** Output tensor for 8-bit output (its parameters must be TFLite's: see `output`). */
  readonly out?: Tensor;
}

/**
 * Softmax over the last axis. Default: float32 out of a float computation (8-bit inputs are
 * dequantized first), exp(x − max) / Σ exp(x − max) in float64, rounded to float32 (classifier
 * outputs). With `output: 'int8'` or `'uint8'`: TFLite's quantized SOFTMAX of 8-bit data, bit for
 * bit under the chosen `numerics`.
 *
 * @example
 * ```ts
 * const logits = qk.tensor([1, 2, 3], [1, 3]);
 * console.log(softmax(logits).toArray()); // Float32Array(3) [ 0.090..., 0.244..., 0.665... ]
 * const q = qk.tensor(new Int8Array([0, 0, 4, -100]), [1, 4], { quant: { scale: 0.25, zeroPoint: 0 } });
 * console.log(softmax(q, { output: 'int8', numerics: 'reference' }).toArray()); // Int8Array(4) [ -74, -74, 19, -128 ]: 256 · (0.21, 0.21, 0.58, 0) − 128
 * console.log(softmax(q, { output: 'int8', numerics: 'litert' }).toArray());    // Int8Array(4) [ -74, -74, 19, -128 ]
 * ```
 */
export function softmax(x: Tensor): Tensor<"float32">;
export function softmax(x: Tensor, options: SoftmaxOptions & { readonly output: "int8" }): Tensor<"int8">;
export function softmax(x: Tensor, options: SoftmaxOptions & { readonly output: "uint8" }): Tensor<"uint8">;
export function softmax(x: Tensor, options?: SoftmaxOptions): Tensor;
export function softmax(x: Tensor, options: SoftmaxOptions = {}): Tensor {
  const op = "softmax";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const output = options.output ?? "float32";
  if (output !== "float32" && output !== "int8" && output !== "uint8") throw new QkernError(op, "options.output", `must be 'float32', 'int8' or 'uint8', got ${String(output)}`);
  if (output !== "float32") return quantizedSoftmax(op, input, output, options);
  for (const k of ["numerics", "beta"] as const) {
    if (options[k] !== undefined) throw new QkernError(op, `options.${k}`, "applies to 8-bit output (options.output 'int8' or 'uint8')");
  }
  if (options.out !== undefined) {
    const o = checkTensor(op, "options.out", options.out, ["float32"]);
    checkSameInstance(op, input, [["options.out", o]]);
    checkOutShape(op, "options.out", o, input.shape, () => `x: ${input}`);
  }
  const c = input.shape[input.shape.length - 1] ?? 0;
  const rows = c === 0 ? 0 : input.size / c;
  let values: ArrayLike<number> = input.toArray();
  if (input.dtype !== "float32") {
    if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
    const q = input.quant;
    values = Array.from(values, (v) => (v - q.zeroPoint) * q.scale);
  }
  const out = options.out ?? input.qk.empty("float32", input.shape);
  const y = out.data as Float32Array;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < c; i++) m = Math.max(m, values[r * c + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(values[r * c + i]! - m);
    for (let i = 0; i < c; i++) y[r * c + i] = Math.exp(values[r * c + i]! - m) / sum;
  }
  return out;
}

/** TFLite SOFTMAX of int8 → int8 or uint8 → uint8 data over the last axis. */
function quantizedSoftmax(op: string, x: Tensor, dtype: "int8" | "uint8", options: SoftmaxOptions): Tensor {
  const numerics = checkNumerics(op, options.numerics, ["reference", "litert"] as const);
  if (numerics === undefined) throw new QkernError(op, "options.numerics", `must be 'reference' or 'litert' with options.output '${dtype}'`);
  if (x.dtype !== dtype) throw new QkernError(op, "x", `must be ${dtype} for options.output '${dtype}' (TFLite's SOFTMAX keeps the type), got ${x}`);
  if (x.quant === null || isPerAxisQuant(x.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${x})`);
  if (x.shape.length === 0) throw new QkernError(op, "x", `needs at least one dimension, got ${x}`);
  const beta = options.beta ?? 1;
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta <= 0) throw new QkernError(op, "options.beta", `must be a finite number > 0, got ${String(beta)}`);
  const zeroPoint = dtype === "int8" ? -128 : 0;
  let outScale = 1 / 256;
  if (options.out !== undefined) {
    const out = checkTensor(op, "options.out", options.out, [dtype]);
    checkSameInstance(op, x, [["options.out", out]]);
    checkOutShape(op, "options.out", out, x.shape, () => `x: ${x}`);
    const q = out.quant as PerTensorQuant | null;
    // TFLite: zero point −128 (int8) and scale 1/256, exactly for the reference kernel
    // (tflite-micro's check), within 0.001/256 for the builtin one (activations.cc SoftmaxPrepare).
    const tolerance = numerics === "litert" ? 0.001 / 256 : 0;
    if (q === null || isPerAxisQuant(q) || q.zeroPoint !== zeroPoint || !(Math.abs(Math.fround(q.scale) - 1 / 256) <= tolerance)) {
      throw new QkernError(op, "options.out", `must have scale 1/256 and zero point ${zeroPoint} (TFLite's softmax output), got ${out}`);
    }
    outScale = q.scale;
  }
  const c = x.shape[x.shape.length - 1]!;
  const rows = c === 0 ? 0 : x.size / c;
  const out = options.out ?? x.qk.empty(dtype, x.shape, { quant: { scale: 1 / 256, zeroPoint } });
  try {
    // Views of wasm memory are taken after the output's allocation, which may grow (and detach) it.
    const src = x.data as Int8Array | Uint8Array;
    const dst = out.data as Int8Array | Uint8Array;
    const table = numerics === "litert" ? softmaxTable(x.quant.scale, beta) : undefined;
    for (let r = 0; r < rows; r++) {
      if (table) softmaxRowLitert(src, dst, r * c, c, table, outScale, zeroPoint, dtype === "int8");
      else softmaxRowReference(op, src, dst, r * c, c, x.quant.scale, beta, zeroPoint);
    }
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}
