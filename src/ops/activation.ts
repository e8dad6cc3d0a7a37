import { QkernError } from "../errors.js";
import { isPerAxisQuant, roundHalfEven, type PerTensorQuant } from "../quant.js";
import { DTYPE_INFO } from "../dtype.js";
import { x8Lut } from "../kernels/x8_lut.js";
import type { Tensor } from "../tensor.js";
import { tfliteActivationTable, tfliteFixedOutput, type TfliteActivationFn } from "./activation-tflite.js";
import { checkTensor, elementwiseOutput } from "./common.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";

/** Elementwise activation functions. */
export type ActivationFn = "relu" | "relu6" | "sigmoid" | "hardSigmoid" | "swish" | "hardSwish" | "tanh";

const FNS: Record<ActivationFn, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hardSigmoid: (x) => Math.min(1, Math.max(0, x / 6 + 0.5)),
  swish: (x) => x / (1 + Math.exp(-x)),
  hardSwish: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6,
  tanh: (x) => Math.tanh(x),
};

/** Options of `activation`. */
export interface ActivationOptions {
  /** 8-bit output parameters (default: the input's; with `numerics`, TFLite's fixed ones for sigmoid and tanh); ignored when `out` is given. */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
  /**
   * TFLite's LOGISTIC / TANH / HARD_SWISH on 8-bit data (`sigmoid`, `tanh`, `hardSwish` only):
   * `'litert'`, what LiteRT computes (XNNPACK's float32 tables; TFLite's fixed-point HARD_SWISH);
   * `'reference'`, TFLite's reference kernels (gemmlowp fixed point). Sigmoid needs output scale 1/256
   * (zero point −128 int8, 0 uint8), tanh 1/128 (0 int8, 128 uint8). docs/numerics.md.
   */
  readonly numerics?: TfliteNumerics;
}

/**
 * The 256-entry table that maps an 8-bit input to the 8-bit output of `fn`:
 * table[q] = QuantizeLinear(fn(DequantizeLinear(q))), with the dequantized value in float32, fn in
 * float64 rounded to float32, and the output quantized by division with round half to even.
 * Indexed by the raw byte (uint8 value, or int8 value & 255).
 *
 * @example
 * ```ts
 * const table = activationTable('relu6', 'int8', { scale: 0.05, zeroPoint: 0 }, { scale: 0.025, zeroPoint: -128 });
 * console.log(table.length, new Int8Array(table.buffer)[100]); // 256 entries, indexed by the input byte; 100 · 0.05 = 5 → 200 − 128 = 72
 * ```
 */
export function activationTable(fn: ActivationFn, dtype: "int8" | "uint8", input: PerTensorQuant, output: PerTensorQuant): Uint8Array {
  const { min, max } = DTYPE_INFO[dtype];
  const f = Math.fround;
  const table = new Uint8Array(256);
  for (let q = min; q <= max; q++) {
    const x = f(f(q - input.zeroPoint) * f(input.scale));
    const y = f(FNS[fn](x));
    const v = f(y / f(output.scale));
    const r = Math.min(max, Math.max(min, roundHalfEven(v) + output.zeroPoint));
    table[q & 255] = r & 255;
  }
  return table;
}

/** TFLite tables by parameters (building one runs the fixed-point or libm arithmetic 256 times): the last 32 kept. */
const TFLITE_TABLES = new Map<string, Uint8Array>();

function tfliteTable(op: string, arg: string, fn: TfliteActivationFn, numerics: TfliteNumerics, dtype: "int8" | "uint8", input: PerTensorQuant, output: PerTensorQuant): Uint8Array {
  const key = [fn, numerics, dtype, input.scale, input.zeroPoint, output.scale, output.zeroPoint].join("|");
  let table = TFLITE_TABLES.get(key);
  if (table === undefined) {
    table = tfliteActivationTable(op, arg, fn, numerics, dtype, input, output);
    if (TFLITE_TABLES.size >= 32) TFLITE_TABLES.delete(TFLITE_TABLES.keys().next().value!);
    TFLITE_TABLES.set(key, table);
  }
  return table;
}

/**
 * An activation function on 8-bit data by table lookup (built from the quantization parameters,
 * see `activationTable`), or on float32 data directly.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Int8Array([-100, -50, 0, 50, 100]), [5], { quant: { scale: 0.05, zeroPoint: 0 } });
 * const y = activation(x, 'hardSwish', { output: { scale: 0.02, zeroPoint: -100 } });
 * console.log(y.toArray());
 * // TFLite's int8 LOGISTIC: output scale 1/256, zero point −128 by default
 * console.log(activation(x, 'sigmoid', { numerics: 'reference' }).toArray()); // Int8Array(5) [ -126, -109, 0, 109, 126 ]
 * ```
 */
export function activation(x: Tensor, fn: ActivationFn, options: ActivationOptions = {}): Tensor {
  const op = "activation";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  if (!Object.prototype.hasOwnProperty.call(FNS, fn)) throw new QkernError(op, "fn", `must be one of ${Object.keys(FNS).join(", ")}, got ${String(fn)}`);
  const numerics = checkNumerics(op, options.numerics, ["litert", "reference"] as const);
  if (numerics !== undefined) {
    if (fn !== "sigmoid" && fn !== "tanh" && fn !== "hardSwish") throw new QkernError(op, "options.numerics", `applies to sigmoid, tanh and hardSwish (TFLite's LOGISTIC, TANH, HARD_SWISH), got fn ${fn}`);
    if (input.dtype === "float32") throw new QkernError(op, "x", `numerics '${numerics}' needs int8 or uint8 data, got ${input}`);
  }
  const fixed = numerics !== undefined ? tfliteFixedOutput(fn as TfliteActivationFn, input.dtype as "int8" | "uint8") : null;
  const out = elementwiseOutput(op, input, options.out, options.output ?? fixed ?? undefined);
  if (input.dtype === "float32") {
    const src = input.data as Float32Array;
    const dst = out.data as Float32Array;
    for (let i = 0; i < src.length; i++) dst[i] = FNS[fn](src[i]!);
    return out;
  }
  if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
  if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
  let table: Uint8Array;
  try {
    table = numerics === undefined
      ? activationTable(fn, input.dtype as "int8" | "uint8", input.quant, out.quant)
      : tfliteTable(op, options.out !== undefined ? "options.out" : "options.output", fn as TfliteActivationFn, numerics, input.dtype as "int8" | "uint8", input.quant, out.quant);
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  const rt = input.rt;
  rt.workspace.with(op, [256], ([t]) => {
    rt.views().u8.set(table, t!);
    x8Lut(rt).map(input.ptr, out.ptr, input.size, t!);
  });
  return out;
}
