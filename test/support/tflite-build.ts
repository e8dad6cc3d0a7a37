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

type Q8 = "int8" | "uint8";
const tq = (name: string, shape: readonly number[], type: Q8 | "float32", q: Q | null): TfliteTensorInput =>
  type === "float32" ? { name, shape, type } : tensor(name, shape, type, q!);

/** ADD (0), SUB (41) or MUL (18) of a [shapeA] and b [shapeB] (TFLite broadcasting) with a fused activation. */
export function binaryTflite(code: 0 | 18 | 41, shapeA: readonly number[], shapeB: readonly number[], shapeY: readonly number[], dtype: Q8, qa: Q, qb: Q, qy: Q, activation: TfliteActivation): Uint8Array {
  return encodeTflite({
    tensors: [tensor("a", shapeA, dtype, qa), tensor("b", shapeB, dtype, qb), tensor("y", shapeY, dtype, qy)],
    inputs: [0, 1], outputs: [2],
    operators: [{ code, inputs: [0, 1], outputs: [2], options: { activation } }],
  });
}

/** One operator without options from x to y of the same shape: QUANTIZE (114), DEQUANTIZE (6), RELU (19), RELU_N1_TO_1 (20), RELU6 (21). */
export function unaryTflite(code: 6 | 19 | 20 | 21 | 114, shape: readonly number[], from: Q8 | "float32", qx: Q | null, to: Q8 | "float32", qy: Q | null): Uint8Array {
  return encodeTflite({
    tensors: [tq("x", shape, from, qx), tq("y", shape, to, qy)],
    inputs: [0], outputs: [1],
    operators: [{ code, inputs: [0], outputs: [1] }],
  });
}

/** CONCATENATION of inputs along `axis`. */
export function concatTflite(shapes: ReadonlyArray<readonly number[]>, axis: number, dtype: Q8, qs: readonly Q[], qy: Q): Uint8Array {
  const a = axis < 0 ? axis + shapes[0]!.length : axis;
  const shapeY = shapes[0]!.map((d, j) => (j === a ? shapes.reduce((s, sh) => s + sh[j]!, 0) : d));
  return encodeTflite({
    tensors: [...shapes.map((s, i) => tensor(`x${i}`, s, dtype, qs[i]!)), tensor("y", shapeY, dtype, qy)],
    inputs: shapes.map((_, i) => i), outputs: [shapes.length],
    operators: [{ code: 2, inputs: shapes.map((_, i) => i), outputs: [shapes.length], options: { axis, activation: "none" } }],
  });
}

/** MAX_POOL_2D, kernel kh×kw, stride, SAME or VALID, fused activation. */
export function maxPoolTflite(shape: readonly [number, number, number, number], out: readonly [number, number], k: readonly [number, number], stride: number, padding: "same" | "valid",
  activation: TfliteActivation, dtype: Q8, q: Q): Uint8Array {
  return encodeTflite({
    tensors: [tensor("x", shape, dtype, q), tensor("y", [shape[0], out[0], out[1], shape[3]], dtype, q)],
    inputs: [0], outputs: [1],
    operators: [{ code: 17, inputs: [0], outputs: [1], options: { padding, strideW: stride, strideH: stride, filterW: k[1], filterH: k[0], activation } }],
  });
}

/** A quantized model with float32 input and output: float32 [shape] → QUANTIZE (qx) → RELU6 (qy) → DEQUANTIZE → float32. */
export function floatIoTflite(shape: readonly number[], dtype: Q8, qx: Q, qy: Q): Uint8Array {
  return encodeTflite({
    tensors: [tq("in", shape, "float32", null), tq("q", shape, dtype, qx), tq("r", shape, dtype, qy), tq("out", shape, "float32", null)],
    inputs: [0], outputs: [3],
    operators: [{ code: 114, inputs: [0], outputs: [1] }, { code: 21, inputs: [1], outputs: [2] }, { code: 6, inputs: [2], outputs: [3] }],
  });
}

/** One 8-bit elementwise operator without options (LOGISTIC 14, TANH 28, HARD_SWISH 117) over `shape`. */
export function lutTflite(code: number, shape: readonly number[], dtype: "int8" | "uint8", qx: Q, qy: Q): Uint8Array {
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
