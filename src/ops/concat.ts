import { QkernError, describeShape } from "../errors.js";
import { isPerAxisQuant, roundHalfEven, type PerTensorQuant } from "../quant.js";
import { DTYPE_INFO } from "../dtype.js";
import { x8Lut } from "../kernels/x8_lut.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor, runOrDispose } from "./common.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";
import { concatRequantTable } from "./tflite-unary.js";

/** Options of `concat`. */
export interface ConcatOptions {
  /** The axis to join along (default −1, the last; negative counts from the end). */
  readonly axis?: number;
  /**
   * TFLite's CONCATENATION: uint8 inputs with other parameters than the output's are requantized as
   * TFLite's ConcatenationWithScaling (the same under both numerics: XNNPACK's delegate leaves them to
   * TFLite's kernel); int8 inputs must share the output's parameters, as TFLite requires.
   */
  readonly numerics?: TfliteNumerics;
  /** 8-bit output parameters (default: those of xs[0]); ignored when `out` is given. */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
}

/**
 * Concatenates tensors along an axis (by default the last: NHWC channels, as SqueezeNet's fire
 * modules). 8-bit inputs whose parameters differ from the output's are requantized by a 256-entry
 * table with DequantizeLinear → QuantizeLinear semantics (f32(x − zx)·sx in float32, divided by sy,
 * rounded half to even) — ONNX Runtime's QLinearConcat builds the same table — or, with `numerics`,
 * as TFLite does (see ConcatOptions). Equal parameters copy bytes.
 *
 * @example
 * ```ts
 * const e1 = qk.tensor(new Uint8Array([1, 2, 3, 4]), [1, 2, 2, 1], { quant: { scale: 0.1, zeroPoint: 0 } });
 * const e3 = qk.tensor(new Uint8Array(8).fill(40), [1, 2, 2, 2], { quant: { scale: 0.05, zeroPoint: 0 } });
 * const y = concat([e1, e3], { output: { scale: 0.05, zeroPoint: 0 } });
 * console.log(y.shape, y.toArray().slice(0, 3)); // [ 1, 2, 2, 3 ] Uint8Array(3) [ 2, 40, 40 ]
 * const rows = concat([e1, e1], { axis: 1 });
 * console.log(rows.shape); // [ 1, 4, 2, 1 ]
 * ```
 */
export function concat(xs: readonly Tensor[], options: ConcatOptions = {}): Tensor {
  const op = "concat";
  if (!Array.isArray(xs) || xs.length === 0) throw new QkernError(op, "xs", "must be a non-empty array of tensors");
  const first = checkTensor(op, "xs[0]", xs[0], ["int8", "uint8", "float32"]);
  const numerics = checkNumerics(op, options.numerics, ["litert", "reference"]);
  const rank = first.shape.length;
  const axis0 = options.axis ?? -1;
  if (!Number.isInteger(axis0) || axis0 < -rank || axis0 >= rank) throw new QkernError(op, "options.axis", `must be an integer in [${-rank}, ${rank - 1}] for ${first}, got ${String(axis0)}`);
  const axis = axis0 < 0 ? axis0 + rank : axis0;
  let total = 0;
  xs.forEach((t, i) => {
    checkTensor(op, `xs[${i}]`, t, [first.dtype]);
    checkSameInstance(op, first, [[`xs[${i}]`, t]]);
    if (t.shape.length !== rank || t.shape.some((d: number, j: number) => j !== axis && d !== first.shape[j])) {
      throw new QkernError(op, `xs[${i}]`, `has shape ${t}, expected ${describeShape(first.dtype, first.shape.map((d, j) => (j === axis ? t.shape[j] ?? 0 : d)))} (all but axis ${axis} must agree)`);
    }
    if (first.dtype !== "float32" && (t.quant === null || isPerAxisQuant(t.quant))) throw new QkernError(op, `xs[${i}]`, `needs per-tensor quantization parameters (${t})`);
    total += t.shape[axis]!;
  });
  const shape = first.shape.map((d, j) => (j === axis ? total : d));
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, [first.dtype]);
    checkOutShape(op, "options.out", out, shape, () => `xs[0]: ${first}`);
  } else if (first.dtype === "float32") out = first.qk.empty("float32", shape);
  else {
    const spec = options.output ?? (first.quant as PerTensorQuant);
    out = first.qk.empty(first.dtype, shape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } });
  }
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const esize = first.dtype === "float32" ? 4 : 1;
  const rt = first.rt;
  return runOrDispose(out, options.out, () => rt.workspace.with(op, [256], ([table]) => {
    let offset = 0;
    xs.forEach((t, i) => {
      const c = t.shape[axis]! * inner;
      let tablePtr = 0;
      if (first.dtype !== "float32") {
        const qx = t.quant as PerTensorQuant;
        const qy = out.quant as PerTensorQuant;
        if (qx.scale !== qy.scale || qx.zeroPoint !== qy.zeroPoint) {
          if (numerics !== undefined && first.dtype === "int8") {
            throw new QkernError(op, `xs[${i}]`, `has other quantization parameters (${qx.scale}, ${qx.zeroPoint}) than the output (${qy.scale}, ${qy.zeroPoint}); TFLite's int8 CONCATENATION requires them equal`);
          }
          rt.views().u8.set(numerics !== undefined ? concatRequantTable(qx, qy) : requantTable(first.dtype as "int8" | "uint8", qx, qy), table!);
          tablePtr = table!;
        }
      }
      if (c > 0) x8Lut(rt).strided(t.ptr, out.ptr + offset * esize, outer, c * esize, total * inner * esize, tablePtr);
      offset += c;
    });
    return out;
  }));
}

/**
 * table[q] = QuantizeLinear(DequantizeLinear(q)) from one set of parameters to another.
 *
 * @example
 * ```ts
 * const t = requantTable('uint8', { scale: 0.1, zeroPoint: 0 }, { scale: 0.2, zeroPoint: 10 });
 * console.log(t[0], t[1], t[3], t[255]); // 10 10 12 138: x · 0.1 / 0.2 + 10, rounded half to even
 * ```
 */
export function requantTable(dtype: "int8" | "uint8", from: PerTensorQuant, to: PerTensorQuant): Uint8Array {
  const { min, max } = DTYPE_INFO[dtype];
  const f = Math.fround;
  const table = new Uint8Array(256);
  for (let q = min; q <= max; q++) {
    const x = f(f(q - from.zeroPoint) * f(from.scale));
    table[q & 255] = Math.min(max, Math.max(min, roundHalfEven(f(x / f(to.scale))) + to.zeroPoint)) & 255;
  }
  return table;
}
