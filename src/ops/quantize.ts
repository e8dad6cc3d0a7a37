import { QkernError } from "../errors.js";
import { DTYPE_INFO, isQuantDType, type QuantDType } from "../dtype.js";
import type { QuantInput } from "../quant.js";
import { f32Q8Vcvt } from "../kernels/f32_q8_vcvt.js";
import { q8Q4 } from "../kernels/q8_q4.js";
import { Tensor } from "../tensor.js";
import { x8Lut } from "../kernels/x8_lut.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";
import { quantizeFloatTflite, requantizeTable } from "./tflite-unary.js";
import { runOrDispose, checkOutShape, checkSameInstance, checkTensor, paramArrays, paramLayout, writeScaleZp } from "./common.js";

/** Target of `quantize`: the storage type plus per-tensor or per-axis parameters. */
export type QuantizeSpec = QuantInput & { readonly dtype: QuantDType };

/**
 * ONNX QuantizeLinear: y = saturate(roundHalfEven(x / scale) + zeroPoint), per tensor or per axis,
 * into int8, uint8, int4 or uint4 (int4/uint4 packed two per byte, low nibble first). NaN
 * becomes the zero point; ±Infinity saturates.
 *
 * `target` is either a spec (a new tensor is returned) or an existing output tensor of x's shape,
 * whose dtype and `quant` define the result (nothing is allocated for the output).
 *
 * @example
 * ```ts
 * const x = qk.tensor([0.5, -1, 2.25, 300], [2, 2]);
 * quantize(x, { dtype: 'int8', scale: 0.01 }).toArray();             // Int8Array [50, -100, 127, 127]
 * quantize(x, { dtype: 'uint8', axis: 1, scale: [0.1, 0.2], zeroPoint: [10, 0] }).toArray();
 * const y = qk.empty('int8', [2, 2], { quant: { scale: 0.5 } });
 * quantize(x, y);                                                    // writes into y
 * // TFLite's QUANTIZE: as LiteRT computes it (x · (1/scale), half to even), or from int8 to uint8
 * quantize(x, { dtype: 'int8', scale: 0.01 }, { numerics: 'litert' });
 * const q = qk.tensor(new Int8Array([-128, 0, 127]), [3], { quant: { scale: 0.1, zeroPoint: 0 } });
 * quantize(q, { dtype: 'uint8', scale: 0.1, zeroPoint: 128 }, { numerics: 'reference' }).toArray(); // Uint8Array [0, 128, 255]
 * ```
 *
 * With `options.numerics` it is TFLite's QUANTIZE, per tensor into int8 / uint8: from float32
 * (`litert`: XNNPACK's roundHalfEven(f32(x · f32(1/scale))); `reference`: TFLite's round(f32(x /
 * scale)) half away from zero), or from int8 / uint8 data to other parameters or the other 8-bit
 * type (`reference`: TFLite's Requantize; `litert`: XNNPACK's convert where LiteRT's delegate takes it,
 * same type and scale ratio in [2^-8, 2^7], else TFLite's kernel). 8-bit inputs need `numerics`.
 */
export function quantize(x: Tensor, target: QuantizeSpec | Tensor, options: { readonly numerics?: TfliteNumerics } = {}): Tensor {
  const op = "quantize";
  const numerics = checkNumerics(op, options.numerics, ["litert", "reference"]);
  if (numerics !== undefined) return quantizeTflite(op, x, target, numerics);
  const input = checkTensor(op, "x", x, ["float32"]);
  let out: Tensor;
  if (target instanceof Tensor) {
    out = checkTensor(op, "out", target, ["int8", "uint8", "int4", "uint4"]);
    checkSameInstance(op, input, [["out", out]]);
    checkOutShape(op, "out", out, input.shape, () => `x: ${input}`);
    if (out.quant === null) throw new QkernError(op, "out", `has no quantization parameters (${out})`);
  } else {
    if (target === null || typeof target !== "object" || !isQuantDType(target.dtype)) {
      throw new QkernError(op, "target.dtype", `must be int8, uint8, int4 or uint4, got ${String((target as { dtype?: unknown } | null)?.dtype)}`);
    }
    out = input.qk.empty(target.dtype, input.shape, { quant: target });
  }
  const quant = out.quant!;
  const { min: qmin, max: qmax } = DTYPE_INFO[out.dtype];
  const layout = paramLayout(input.shape, quant, input.size);
  const params = paramArrays(quant);
  const rt = input.rt;
  const nibbles = out.dtype === "int4" || out.dtype === "uint4";
  runOrDispose(out, target, () => rt.workspace.with(op, [4 * params.scale.length, 4 * params.scale.length, nibbles ? input.size : 0], ([scales, zps, bytes]) => {
    writeScaleZp(rt, scales!, zps!, params);
    const dst = nibbles ? bytes! : out.ptr;
    if (layout.layout === "cols") {
      f32Q8Vcvt(rt).cols(input.ptr, dst, layout.rows, layout.cols, scales!, zps!, qmin, qmax);
    } else {
      f32Q8Vcvt(rt).rows(input.ptr, dst, layout.rows, layout.cols, scales!, zps!, layout.channels, qmin, qmax);
    }
    if (nibbles) q8Q4(rt).pack(dst, out.ptr, input.size);
  }));
  return out;
}

/** TFLite's QUANTIZE (see `quantize`). */
function quantizeTflite(op: string, x: Tensor, target: QuantizeSpec | Tensor, numerics: TfliteNumerics): Tensor {
  const input = checkTensor(op, "x", x, ["float32", "int8", "uint8"]);
  let out: Tensor;
  if (target instanceof Tensor) {
    out = checkTensor(op, "out", target, ["int8", "uint8"]);
    checkSameInstance(op, input, [["out", out]]);
    checkOutShape(op, "out", out, input.shape, () => `x: ${input}`);
  } else {
    if (target === null || typeof target !== "object" || (target.dtype !== "int8" && target.dtype !== "uint8")) {
      throw new QkernError(op, "target.dtype", `must be int8 or uint8 with options.numerics, got ${String((target as { dtype?: unknown } | null)?.dtype)}`);
    }
    out = input.qk.empty(target.dtype, input.shape, { quant: target });
  }
  return runOrDispose(out, target, () => {
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "target", `TFLite's QUANTIZE needs per-tensor parameters (${out})`);
    const to = out.dtype as "int8" | "uint8";
    if (input.dtype === "float32") {
      quantizeFloatTflite(input.data as Float32Array, out.data as Int8Array | Uint8Array, out.quant, to, numerics);
      return out;
    }
    if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
    const t = requantizeTable(input.dtype as "int8" | "uint8", input.quant, to, out.quant as PerTensorQuant, numerics);
    const rt = input.rt;
    rt.workspace.with(op, [256], ([p]) => {
      rt.views().u8.set(t, p!);
      x8Lut(rt).map(input.ptr, out.ptr, input.size, p!);
    });
    return out;
  });
}
