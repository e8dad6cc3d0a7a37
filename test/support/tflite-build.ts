// Single-operator TFLite models (written with qkern's own encodeTflite), so that peers running
// .tflite files can be asked about one op at a time.

import type { TfliteActivation } from "../../src/tflite/model.js";
import { encodeTflite, type TfliteTensorInput } from "../../src/tflite/writer.js";

type Q = { readonly scale: number; readonly zeroPoint: number };
const quant = (q: Q) => ({ scale: [q.scale], zeroPoint: [q.zeroPoint] });
const tensor = (name: string, shape: readonly number[], type: "int8" | "uint8", q: Q): TfliteTensorInput => ({ name, shape, type, quant: quant(q) });

/** SOFTMAX over [rows, n] with beta; output scale 1/256 and TFLite's zero point. */
export function softmaxTflite(rows: number, n: number, dtype: "int8" | "uint8", q: Q, beta: number): Uint8Array {
  return encodeTflite({
    tensors: [tensor("x", [rows, n], dtype, q), tensor("y", [rows, n], dtype, { scale: 1 / 256, zeroPoint: dtype === "int8" ? -128 : 0 })],
    inputs: [0], outputs: [1],
    operators: [{ code: 25, inputs: [0], outputs: [1], options: { beta } }],
  });
}

/** MEAN over axes 1 and 2 of NHWC data, with or without keep_dims. */
export function meanTflite(shape: readonly [number, number, number, number], dtype: "int8" | "uint8", qx: Q, qy: Q, keepDims: boolean): Uint8Array {
  return encodeTflite({
    tensors: [
      tensor("x", shape, dtype, qx),
      { name: "axes", shape: [2], type: "int32", data: new Uint8Array(new Int32Array([1, 2]).buffer) },
      tensor("y", keepDims ? [shape[0], 1, 1, shape[3]] : [shape[0], shape[3]], dtype, qy),
    ],
    inputs: [0], outputs: [2],
    operators: [{ code: 40, inputs: [0, 1], outputs: [2], options: { keepDims } }],
  });
}

const ACTIVATIONS: readonly TfliteActivation[] = ["none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit"];

/** AVERAGE_POOL_2D, square kernel and stride, SAME or VALID, fused activation (ActivationFunctionType number). */
export function avgPoolTflite(shape: readonly [number, number, number, number], out: readonly [number, number], k: number, stride: number, padding: "same" | "valid",
  activation: number, q: Q): Uint8Array {
  return encodeTflite({
    tensors: [tensor("x", shape, "int8", q), tensor("y", [shape[0], out[0], out[1], shape[3]], "int8", q)],
    inputs: [0], outputs: [1],
    operators: [{ code: 1, inputs: [0], outputs: [1], options: { padding, strideW: stride, strideH: stride, filterW: k, filterH: k, activation: ACTIVATIONS[activation]! } }],
  });
}

/** One 8-bit elementwise operator without options (LOGISTIC 14, TANH 28, HARD_SWISH 117) over `shape`. */
export function unaryTflite(code: number, shape: readonly number[], dtype: "int8" | "uint8", qx: Q, qy: Q): Uint8Array {
  return encodeTflite({
    tensors: [tensor("x", shape, dtype, qx), tensor("y", shape, dtype, qy)],
    inputs: [0], outputs: [1],
    operators: [{ code, inputs: [0], outputs: [1] }],
  });
}

/** RESIZE_BILINEAR (23) or RESIZE_NEAREST_NEIGHBOR (97) of NHWC data to [outH, outW], same quantization in and out. */
export function resizeTflite(code: 23 | 97, shape: readonly [number, number, number, number], size: readonly [number, number], dtype: "int8" | "uint8", q: Q,
  alignCorners: boolean, halfPixelCenters: boolean): Uint8Array {
  return encodeTflite({
    tensors: [
      tensor("x", shape, dtype, q),
      { name: "size", shape: [2], type: "int32", data: new Uint8Array(new Int32Array(size).buffer) },
      tensor("y", [shape[0], size[0], size[1], shape[3]], dtype, q),
    ],
    inputs: [0], outputs: [2],
    operators: [{ code, inputs: [0, 1], outputs: [2], options: { alignCorners, halfPixelCenters } }],
  });
}

/**
 * CONV_2D with filter [OC, KH, KW, IC / groups] (TFLite infers groups = input channels / filter
 * channels), per-channel int8 weights, int32 bias, SAME or VALID, square stride.
 */
export function groupedConvTflite(shape: readonly [number, number, number, number], w: { data: Int8Array; shape: readonly [number, number, number, number]; scales: readonly number[] },
  bias: Int32Array, out: readonly [number, number, number, number], stride: number, padding: "same" | "valid", activation: number, qx: Q, qy: Q): Uint8Array {
  return encodeTflite({
    tensors: [
      tensor("x", shape, "int8", qx),
      { name: "w", shape: w.shape, type: "int8", data: new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), quant: { scale: w.scales, zeroPoint: w.scales.map(() => 0), axis: 0 } },
      { name: "b", shape: [w.shape[0]], type: "int32", data: new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength), quant: { scale: w.scales.map((s) => Math.fround(s * qx.scale)), zeroPoint: w.scales.map(() => 0), axis: 0 } },
      tensor("y", out, "int8", qy),
    ],
    inputs: [0], outputs: [3],
    operators: [{ code: 3, inputs: [0, 1, 2], outputs: [3], options: { padding, strideW: stride, strideH: stride, activation: ACTIVATIONS[activation]!, dilationW: 1, dilationH: 1 } }],
  });
}
