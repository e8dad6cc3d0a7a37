// TFLite model files (schema: tensorflow/compiler/mlir/lite/schema/schema.fbs) decoded into plain
// objects and validated as a whole before anything runs: every offset and vector is bounds-checked
// by the reader, and the decoded graph is checked for what a runner relies on (indices in range,
// constant data of the declared size, quantization parameters that make sense, operators in
// execution order, each tensor written once). Any finding is a QkernError naming the operator or
// tensor; nothing here allocates wasm memory.

import { QkernError } from "../errors.js";
import { FbReader, FlatbufferError, type Table } from "./flatbuffer.js";

/** TFLite tensor types (schema enum TensorType) that the decoder names. */
export const TENSOR_TYPES = ["float32", "float16", "int32", "uint8", "int64", "string", "bool", "int16", "complex64", "int8", "float64", "complex128", "uint64"] as const;
/** A TFLite tensor element type (schema enum TensorType). */
export type TfliteTensorType = (typeof TENSOR_TYPES)[number];
const TYPE_BYTES: Partial<Record<TfliteTensorType, number>> = { float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1, float64: 8 };

/** Builtin operator names by code (schema enum BuiltinOperator), for the codes this project names. */
export const BUILTIN_OPS: Readonly<Record<number, string>> = {
  0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE",
  8: "FLOOR", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6", 22: "RESHAPE",
  23: "RESIZE_BILINEAR", 25: "SOFTMAX", 28: "TANH", 31: "CALL", 32: "CUSTOM", 34: "PAD", 36: "GATHER", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB",
  42: "DIV", 43: "SQUEEZE", 45: "STRIDED_SLICE", 47: "EXP", 49: "SPLIT", 50: "LOG_SOFTMAX", 53: "CAST", 60: "PADV2", 97: "RESIZE_NEAREST_NEIGHBOR",
  114: "QUANTIZE", 117: "HARD_SWISH",
};

/** Per-tensor or per-axis quantization of a tensor. */
export interface TfliteQuant {
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  /** The axis the arrays run along (meaningful when they hold more than one value). */
  readonly axis: number;
}

/** A tensor of a decoded model: shape, type, constant data (or null for activations), quantization. */
export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: TfliteTensorType;
  /** Constant data (a view into the file), or null for activations. */
  readonly data: Uint8Array | null;
  readonly quant: TfliteQuant | null;
}

/** TFLite padding: `same` or `valid`. */
export type TflitePadding = "same" | "valid";
/** TFLite fused activation function. */
export type TfliteActivation = "none" | "relu" | "relu_n1_to_1" | "relu6" | "tanh" | "sign_bit";

/** The builtin options this project reads, by operator (absent fields take the schema defaults). */
export interface TfliteOptions {
  readonly padding?: TflitePadding;
  readonly strideW?: number;
  readonly strideH?: number;
  readonly dilationW?: number;
  readonly dilationH?: number;
  readonly depthMultiplier?: number;
  readonly filterW?: number;
  readonly filterH?: number;
  readonly activation?: TfliteActivation;
  readonly keepNumDims?: boolean;
  readonly keepDims?: boolean;
  readonly axis?: number;
  readonly beta?: number;
  readonly newShape?: readonly number[] | null;
  readonly squeezeDims?: readonly number[] | null;
  readonly alignCorners?: boolean;
  readonly halfPixelCenters?: boolean;
}

/** An operator of a decoded model: builtin code and name, tensor indices, decoded options. */
export interface TfliteOperator {
  readonly index: number;
  /** Builtin code, or -1 for a custom operator. */
  readonly code: number;
  /** Builtin name (or `CUSTOM:<name>`, or `BUILTIN_<code>` for codes without a name here). */
  readonly op: string;
  readonly version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options: TfliteOptions;
}

/** A decoded TFLite model (the first subgraph): tensors, operators in execution order, inputs, outputs. */
export interface TfliteModel {
  readonly version: number;
  readonly description: string | null;
  readonly tensors: readonly TfliteTensor[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperator[];
  /** Number of subgraphs in the file (only the first runs). */
  readonly subgraphs: number;
}

const op = "loadModel";
const ACTIVATIONS: readonly TfliteActivation[] = ["none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit"];

/**
 * Decodes and validates a TFLite flatbuffer into plain objects (tensors with shapes, types, constant
 * data and quantization; operators with their options; inputs and outputs). Throws a QkernError
 * naming what is wrong. Allocates no wasm memory.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const g = decodeTflite(tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)])));
 * console.log(g.operators.length, g.operators[0]!.op, g.tensors[g.inputs[0]!]!.shape); // 66 CONV_2D [ 1, 224, 224, 3 ]
 * ```
 */
export function decodeTflite(bytes: Uint8Array): TfliteModel {
  if (!(bytes instanceof Uint8Array)) throw new QkernError(op, "bytes", `must be a Uint8Array, got ${String(bytes)}`);
  if (bytes.byteLength < 8) throw new QkernError(op, "bytes", `has ${bytes.byteLength} bytes: too short for a TFLite file`);
  const r = new FbReader(bytes);
  const id = r.identifier();
  if (id !== "TFL3") throw new QkernError(op, "bytes", `is not a TFLite model (file identifier ${JSON.stringify(id)}, expected "TFL3")`);
  try {
    return decodeModel(r);
  } catch (e) {
    if (e instanceof FlatbufferError) throw new QkernError(op, "bytes", `malformed TFLite file: ${e.message}`);
    throw e;
  }
}

function decodeModel(r: FbReader): TfliteModel {
  const m = r.root();
  const version = m.u32(0, "version");
  if (version !== 3) throw new QkernError(op, "bytes", `TFLite schema version ${version}; this loader reads version 3`);
  const codes = (m.tables(1, "operator_codes") ?? []).map((c, i) => {
    const deprecated = c.i8(0, "deprecated_builtin_code");
    const builtin = c.i32(3, "builtin_code");
    const custom = c.string(1, "custom_code");
    const code = Math.max(deprecated, builtin); // TFLite's rule: the larger of the two fields
    if (code < 0) throw new QkernError(op, `operator_codes[${i}]`, `has builtin code ${code}`);
    return { code: code === 32 && custom !== null ? -1 : code, custom, version: c.i32(2, "version", 1) };
  });
  const buffers = (m.tables(4, "buffers") ?? []).map((b, i) => {
    const offset = b.i64(1, "offset");
    if (offset > 1) throw new QkernError(op, `buffers[${i}]`, "is stored outside the flatbuffer (offset/size: models over 2 GB); not supported");
    return b.bytes(0, "data");
  });
  const subgraphs = m.tables(2, "subgraphs") ?? [];
  if (subgraphs.length === 0) throw new QkernError(op, "bytes", "the model has no subgraph");
  const g = subgraphs[0]!;
  const tensors = (g.tables(0, "tensors") ?? []).map((t, i) => decodeTensor(t, i, buffers));
  const nT = tensors.length;
  const checkIndices = (list: readonly number[], where: string, optional: boolean): void => {
    for (const x of list) {
      if (!(Number.isInteger(x) && x < nT && (x >= 0 || (optional && x === -1)))) throw new QkernError(op, where, `refers to tensor ${x}; the subgraph has ${nT}`);
    }
  };
  const inputs = g.vector(1, "inputs", "i32") ?? [];
  const outputs = g.vector(2, "outputs", "i32") ?? [];
  checkIndices(inputs, "subgraph inputs", false);
  checkIndices(outputs, "subgraph outputs", false);
  const operators = (g.tables(3, "operators") ?? []).map((o, i): TfliteOperator => {
    const ci = o.u32(0, "opcode_index");
    const c = codes[ci];
    if (c === undefined) throw new QkernError(op, `operator ${i}`, `uses operator code ${ci}; the model lists ${codes.length}`);
    const name = c.code === -1 ? `CUSTOM:${c.custom}` : (BUILTIN_OPS[c.code] ?? `BUILTIN_${c.code}`);
    const ins = o.vector(1, "inputs", "i32") ?? [];
    const outs = o.vector(2, "outputs", "i32") ?? [];
    checkIndices(ins, `operator ${i} (${name}) inputs`, true);
    checkIndices(outs, `operator ${i} (${name}) outputs`, false);
    return { index: i, code: c.code, op: name, version: c.version, inputs: ins, outputs: outs, options: decodeOptions(c.code, o.table(4, "builtin_options"), `operator ${i} (${name})`) };
  });
  checkOrder(tensors, inputs, operators);
  return { version, description: m.string(3, "description"), tensors, inputs, outputs, operators, subgraphs: subgraphs.length };
}

function decodeTensor(t: Table, index: number, buffers: ReadonlyArray<Uint8Array | null>): TfliteTensor {
  const name = t.string(3, "name") ?? `tensor${index}`;
  const where = `tensor ${index} (${name})`;
  const shape = t.vector(0, "shape", "i32") ?? [];
  if (shape.some((d) => !(d >= 0))) throw new QkernError(op, where, `has shape [${shape.join(", ")}]: dynamic or negative dimensions are not supported`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > 2 ** 31 - 1) throw new QkernError(op, where, `has ${size} elements ([${shape.join(", ")}]), beyond 2^31 − 1`);
  const typeCode = t.i8(1, "type");
  const type = TENSOR_TYPES[typeCode];
  if (type === undefined) throw new QkernError(op, where, `has tensor type code ${typeCode}`);
  const bi = t.u32(2, "buffer");
  if (bi !== 0 && bi >= buffers.length) throw new QkernError(op, where, `refers to buffer ${bi}; the model has ${buffers.length}`);
  const raw = buffers[bi] ?? null;
  const data = raw !== null && raw.byteLength > 0 ? raw : null;
  if (data !== null) {
    const eb = TYPE_BYTES[type];
    if (eb === undefined) throw new QkernError(op, where, `is a constant of type ${type}, which is not supported`);
    if (data.byteLength !== size * eb) throw new QkernError(op, where, `holds ${data.byteLength} bytes of constant data, but ${type} [${shape.join(", ")}] needs ${size * eb}`);
  }
  const q = t.table(4, "quantization");
  let quant: TfliteQuant | null = null;
  if (q !== null) {
    const scale = q.vector(2, "scale", "f32");
    const zp = q.vector(3, "zero_point", "i64");
    if (scale !== null && scale.length > 0) {
      const n = scale.length;
      // Converters copy the weights' quantized_dimension onto 1-D bias tensors (e.g. 3 on a [C] bias):
      // a 1-D tensor with one scale per element is quantized along its only axis.
      const declared = q.i32(6, "quantized_dimension");
      const axis = shape.length === 1 && n > 1 && shape[0] === n ? 0 : declared;
      if (zp !== null && zp.length !== n && zp.length !== 0) throw new QkernError(op, where, `has ${n} scales but ${zp.length} zero points`);
      if (n > 1 && !(axis >= 0 && axis < shape.length && shape[axis] === n)) {
        throw new QkernError(op, where, `has ${n} scales along axis ${axis}, but its shape is [${shape.join(", ")}]`);
      }
      const scales = Float32Array.from(scale);
      if (scales.some((s) => !(Number.isFinite(s) && s > 0))) throw new QkernError(op, where, `has a scale that is not finite and > 0 (${Array.from(scales).find((s) => !(Number.isFinite(s) && s > 0))})`);
      const zeros = Int32Array.from(zp !== null && zp.length > 0 ? zp : new Array<number>(n).fill(0));
      if (zeros.some((z, i) => z !== zp?.[i] && zp !== null && zp.length > 0)) throw new QkernError(op, where, "has a zero point beyond int32");
      quant = { scale: scales, zeroPoint: zeros, axis: n > 1 ? axis : 0 };
    }
  }
  return { index, name, shape, type, data, quant };
}

function activation(code: number, where: string): TfliteActivation {
  const a = ACTIVATIONS[code];
  if (a === undefined) throw new QkernError(op, where, `has fused activation code ${code}`);
  return a;
}

function padding(code: number, where: string): TflitePadding {
  if (code === 0) return "same";
  if (code === 1) return "valid";
  throw new QkernError(op, where, `has padding code ${code}`);
}

/** The options of the operators this project reads; other operators keep an empty set. */
function decodeOptions(code: number, t: Table | null, where: string): TfliteOptions {
  const name = BUILTIN_OPS[code];
  if (t === null) {
    // Absent options: every field takes its default (TFLite writers omit empty tables).
    return name === "CONV_2D" || name === "DEPTHWISE_CONV_2D" || name === "AVERAGE_POOL_2D" || name === "MAX_POOL_2D"
      ? { padding: "same", strideW: 0, strideH: 0, dilationW: 1, dilationH: 1, activation: "none" }
      : {};
  }
  switch (name) {
    case "CONV_2D":
      return { padding: padding(t.i8(0, "padding"), where), strideW: t.i32(1, "stride_w"), strideH: t.i32(2, "stride_h"), activation: activation(t.i8(3, "fused_activation_function"), where), dilationW: t.i32(4, "dilation_w_factor", 1), dilationH: t.i32(5, "dilation_h_factor", 1) };
    case "DEPTHWISE_CONV_2D":
      return { padding: padding(t.i8(0, "padding"), where), strideW: t.i32(1, "stride_w"), strideH: t.i32(2, "stride_h"), depthMultiplier: t.i32(3, "depth_multiplier"), activation: activation(t.i8(4, "fused_activation_function"), where), dilationW: t.i32(5, "dilation_w_factor", 1), dilationH: t.i32(6, "dilation_h_factor", 1) };
    case "FULLY_CONNECTED":
      return { activation: activation(t.i8(0, "fused_activation_function"), where), keepNumDims: t.bool(2, "keep_num_dims") };
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      return { padding: padding(t.i8(0, "padding"), where), strideW: t.i32(1, "stride_w"), strideH: t.i32(2, "stride_h"), filterW: t.i32(3, "filter_width"), filterH: t.i32(4, "filter_height"), activation: activation(t.i8(5, "fused_activation_function"), where) };
    case "ADD":
    case "SUB":
    case "MUL":
      return { activation: activation(t.i8(0, "fused_activation_function"), where) };
    case "CONCATENATION":
      return { axis: t.i32(0, "axis"), activation: activation(t.i8(1, "fused_activation_function"), where) };
    case "RESHAPE":
      return { newShape: t.vector(0, "new_shape", "i32") };
    case "SOFTMAX":
      return { beta: t.f32(0, "beta") };
    case "MEAN":
      return { keepDims: t.bool(0, "keep_dims") };
    case "SQUEEZE":
      return { squeezeDims: t.vector(0, "squeeze_dims", "i32") };
    case "RESIZE_BILINEAR":
      return { alignCorners: t.bool(2, "align_corners"), halfPixelCenters: t.bool(3, "half_pixel_centers") };
    case "RESIZE_NEAREST_NEIGHBOR":
      return { alignCorners: t.bool(0, "align_corners"), halfPixelCenters: t.bool(1, "half_pixel_centers") };
    default:
      return {};
  }
}

/** Operators must run in file order: every input is a constant, a graph input, or written by an earlier operator; every tensor is written once. */
function checkOrder(tensors: readonly TfliteTensor[], inputs: readonly number[], operators: readonly TfliteOperator[]): void {
  const written = new Set<number>(inputs);
  for (const o of operators) {
    for (const i of o.inputs) {
      if (i === -1 || tensors[i]!.data !== null || written.has(i)) continue;
      throw new QkernError(op, `operator ${o.index} (${o.op})`, `reads tensor ${i} (${tensors[i]!.name}) before any operator writes it (operators out of order, or a cycle)`);
    }
    for (const t of o.outputs) {
      if (written.has(t) || tensors[t]!.data !== null) throw new QkernError(op, `operator ${o.index} (${o.op})`, `writes tensor ${t} (${tensors[t]!.name}), which is a constant or already written`);
      written.add(t);
    }
  }
}
