import { QkernError } from "../errors.js";
import { DTYPE_INFO, isQuantDType, type QuantDType } from "../dtype.js";
import type { QuantInput } from "../quant.js";
import { f32Q8Vcvt } from "../kernels/f32_q8_vcvt.js";
import { q8Q4 } from "../kernels/q8_q4.js";
import { Tensor } from "../tensor.js";
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
 * ```
 */
export function quantize(x: Tensor, target: QuantizeSpec | Tensor): Tensor {
  const op = "quantize";
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
