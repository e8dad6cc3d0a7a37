import { QkernError } from "../errors.js";
import { q4Q8 } from "../kernels/q4_q8.js";
import { q8F32Vcvt } from "../kernels/q8_f32_vcvt.js";
import { qs32F32Vcvt } from "../kernels/qs32_f32_vcvt.js";
import { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor, paramArrays, paramLayout, runOrDispose, writeScaleZp } from "./common.js";

/**
 * ONNX DequantizeLinear: y = f32(q − zeroPoint) · scale, per tensor or per axis, from int8, uint8,
 * int4, uint4 or int32 (zero point 0) to float32. Writes into `out` when given (float32, same shape).
 *
 * @example
 * ```ts
 * const q = qk.tensor(new Int8Array([-128, 0, 127]), [3], { quant: { scale: 0.5, zeroPoint: -1 } });
 * dequantize(q).toArray(); // Float32Array [-63.5, 0.5, 64]
 * ```
 */
export function dequantize(q: Tensor, out?: Tensor): Tensor<"float32"> {
  const op = "dequantize";
  const input = checkTensor(op, "q", q, ["int8", "uint8", "int4", "uint4", "int32"]);
  if (input.quant === null) throw new QkernError(op, "q", `has no quantization parameters (${input})`);
  let y: Tensor<"float32">;
  if (out !== undefined) {
    y = checkTensor(op, "out", out, ["float32"]);
    checkSameInstance(op, input, [["out", y]]);
    checkOutShape(op, "out", y, input.shape, () => `q: ${input}`);
  } else {
    y = input.qk.empty("float32", input.shape);
  }
  const layout = paramLayout(input.shape, input.quant, input.size);
  const params = paramArrays(input.quant);
  const rt = input.rt;
  const nibbles = input.dtype === "int4" || input.dtype === "uint4";
  const unsigned = input.dtype === "uint8" || input.dtype === "uint4";
  const channels = params.scale.length;
  runOrDispose(y, out, () => rt.workspace.with(op, [4 * channels, 4 * channels, nibbles ? input.size : 0], ([scales, zps, bytes]) => {
    writeScaleZp(rt, scales!, zps!, params);
    if (input.dtype === "int32") {
      if (layout.layout === "cols") qs32F32Vcvt(rt).cols(input.ptr, y.ptr, layout.rows, layout.cols, scales!);
      else qs32F32Vcvt(rt).rows(input.ptr, y.ptr, layout.rows, layout.cols, scales!, layout.channels);
      return;
    }
    let src = input.ptr;
    if (nibbles) {
      q4Q8(rt).unpack(src, bytes!, input.size, unsigned);
      src = bytes!;
    }
    if (layout.layout === "cols") {
      q8F32Vcvt(rt).cols(src, y.ptr, layout.rows, layout.cols, scales!, zps!, unsigned);
    } else {
      q8F32Vcvt(rt).rows(src, y.ptr, layout.rows, layout.cols, scales!, zps!, layout.channels, unsigned);
    }
  }));
  return y;
}
