// Writing TFLite model files: a graph (the shape of what decodeTflite returns) encoded as a schema
// version 3 flatbuffer with file identifier "TFL3", laid out as the TFLite converter lays it out:
// one subgraph; operator codes with both `deprecated_builtin_code` (min(code, 127)) and
// `builtin_code`; buffer 0 empty (the sentinel activations refer to) and one buffer per constant,
// its data 16-byte aligned in the file; per-tensor or per-axis quantization with
// `quantized_dimension`; and a builtin options table, with its union tag, for every operator whose
// options the decoder reads (plus the empty tables of PAD, TRANSPOSE and the like).

import { QkernError } from "../errors.js";
import { FbBuilder, type FbOffset } from "./fb-builder.js";
import { BUILTIN_OPS, TENSOR_TYPES, type TfliteActivation, type TfliteOptions, type TflitePadding, type TfliteTensorType } from "./model.js";

/** Quantization of a tensor to write: one scale (per tensor) or one per index of `axis`. */
export interface TfliteQuantInput {
  readonly scale: ArrayLike<number>;
  /** Zero points (default: all 0), as many as scales. */
  readonly zeroPoint?: ArrayLike<number>;
  /** The quantized dimension (default 0). */
  readonly axis?: number;
}

/** A tensor of a graph to write (activations have no data). */
export interface TfliteTensorInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: TfliteTensorType;
  /** Constant data, little endian, in the tensor's type; null or absent for activations. */
  readonly data?: Uint8Array | null;
  readonly quant?: TfliteQuantInput | null;
}

/** An operator of a graph to write. */
export interface TfliteOperatorInput {
  /** Builtin code (BUILTIN_OPS), or -1 for a custom operator. */
  readonly code: number;
  /** Custom operator name (code −1); a decoded graph's `op` of the form `CUSTOM:<name>` does too. */
  readonly custom?: string;
  readonly op?: string;
  /** Operator version (default 1). */
  readonly version?: number;
  /** Tensor indices; −1 for an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options?: TfliteOptions;
}

/** A graph to write: a decoded TfliteModel is one. */
export interface TfliteModelInput {
  readonly description?: string | null;
  readonly tensors: readonly TfliteTensorInput[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperatorInput[];
}

const op = "encodeTflite";
const ACTIVATION_CODES: Readonly<Record<TfliteActivation, number>> = { none: 0, relu: 1, relu_n1_to_1: 2, relu6: 3, tanh: 4, sign_bit: 5 };
const PADDING_CODES: Readonly<Record<TflitePadding, number>> = { same: 0, valid: 1 };
const CUSTOM = 32;

/**
 * `union BuiltinOptions` tags of schema.fbs (NONE = 0, then the members in declaration order) for
 * the operators written with an options table.
 */
export const OPTIONS_TAGS: Readonly<Record<string, number>> = {
  CONV_2D: 1, DEPTHWISE_CONV_2D: 2, AVERAGE_POOL_2D: 5, MAX_POOL_2D: 5, FULLY_CONNECTED: 8, SOFTMAX: 9, CONCATENATION: 10, ADD: 11,
  RESIZE_BILINEAR: 15, RESHAPE: 17, MUL: 21, PAD: 22, TRANSPOSE: 26, MEAN: 27, SUB: 28, SQUEEZE: 30, RESIZE_NEAREST_NEIGHBOR: 74,
};

/**
 * Encodes a graph as a TFLite flatbuffer (schema version 3, "TFL3"), laid out as the TFLite converter
 * does; a graph `decodeTflite` returned is one. Throws a QkernError when the graph cannot be written
 * as given.
 *
 * @example
 * ```ts
 * const q = { scale: [0.5], zeroPoint: [0] };
 * const bytes = encodeTflite({
 *   tensors: [{ name: 'x', shape: [4], type: 'int8', quant: q }, { name: 'y', shape: [4], type: 'int8', quant: q }],
 *   inputs: [0], outputs: [1],
 *   operators: [{ code: 0, inputs: [0, 0], outputs: [1], options: { activation: 'relu' } }],   // ADD
 * });
 * console.log(decodeTflite(bytes).operators[0]!.op); // ADD
 * ```
 */
export function encodeTflite(model: TfliteModelInput): Uint8Array {
  const { tensors, operators } = model;
  const nT = tensors.length;
  const dataBytes = tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0) + 16, 0);
  const b = new FbBuilder(dataBytes + 256 * (nT + operators.length) + 1024);

  // Operator codes, in order of first use; operators refer to them by index.
  const codeKeys: string[] = [];
  const codes: Array<{ code: number; custom: string | null; version: number }> = [];
  const opcodeIndex = operators.map((o, i) => {
    const custom = o.code === -1 ? (o.custom ?? (o.op?.startsWith("CUSTOM:") ? o.op.slice(7) : undefined)) : undefined;
    if (o.code === -1 && custom === undefined) throw new QkernError(op, `operator ${i}`, "is custom (code −1) but names no custom operator");
    if (!(Number.isInteger(o.code) && o.code >= -1)) throw new QkernError(op, `operator ${i}`, `has builtin code ${o.code}`);
    const entry = { code: o.code === -1 ? CUSTOM : o.code, custom: custom ?? null, version: o.version ?? 1 };
    const key = `${entry.code}:${entry.custom}:${entry.version}`;
    let k = codeKeys.indexOf(key);
    if (k < 0) {
      k = codeKeys.push(key) - 1;
      codes.push(entry);
    }
    return k;
  });

  // Buffers: 0 is the empty sentinel; each constant gets its own. Data is written first (end of file).
  const bufferOf = new Array<number>(nT).fill(0);
  const bufferTables: FbOffset[] = [];
  const emptyBuffer = (): FbOffset => {
    b.startTable(3);
    return b.endTable();
  };
  const constants = tensors.map((t, i) => ({ t, i })).filter(({ t }) => t.data != null && t.data.byteLength > 0);
  for (let k = constants.length - 1; k >= 0; k--) {
    const data = b.bytes(constants[k]!.t.data!, 16);
    b.startTable(3);
    b.fieldOffset(0, data);
    bufferTables.unshift(b.endTable());
  }
  bufferTables.unshift(emptyBuffer());
  constants.forEach(({ i }, k) => (bufferOf[i] = k + 1));

  const tensorTables = tensors.map((t, i) => writeTensor(b, t, i, bufferOf[i]!));
  const operatorTables = operators.map((o, i) => writeOperator(b, o, i, opcodeIndex[i]!, nT));
  const tensorsVec = b.offsets(tensorTables);
  const inputsVec = b.scalars(checked(model.inputs, nT, "subgraph inputs", false), "i32");
  const outputsVec = b.scalars(checked(model.outputs, nT, "subgraph outputs", false), "i32");
  const operatorsVec = b.offsets(operatorTables);
  const name = b.string("main");
  b.startTable(6);
  b.fieldOffset(0, tensorsVec);
  b.fieldOffset(1, inputsVec);
  b.fieldOffset(2, outputsVec);
  b.fieldOffset(3, operatorsVec);
  b.fieldOffset(4, name);
  const subgraph = b.endTable();

  const codeTables = codes.map((c) => {
    const custom = c.custom === null ? null : b.string(c.custom);
    b.startTable(4);
    b.fieldInt8(0, Math.min(c.code, 127));
    b.fieldOffset(1, custom);
    b.fieldInt32(2, c.version, 1);
    b.fieldInt32(3, c.code);
    return b.endTable();
  });
  const codesVec = b.offsets(codeTables);
  const subgraphsVec = b.offsets([subgraph]);
  const description = model.description == null ? null : b.string(model.description);
  const buffersVec = b.offsets(bufferTables);
  b.startTable(5);
  b.fieldUint32(0, 3, -1); // schema version 3, always written
  b.fieldOffset(1, codesVec);
  b.fieldOffset(2, subgraphsVec);
  b.fieldOffset(3, description);
  b.fieldOffset(4, buffersVec);
  return b.finish(b.endTable(), "TFL3");
}

function checked(list: readonly number[], nT: number, where: string, optional: boolean): readonly number[] {
  for (const x of list) {
    if (!(Number.isInteger(x) && x < nT && (x >= 0 || (optional && x === -1)))) throw new QkernError(op, where, `refers to tensor ${x}; the graph has ${nT}`);
  }
  return list;
}

function writeTensor(b: FbBuilder, t: TfliteTensorInput, i: number, buffer: number): FbOffset {
  const where = `tensor ${i} (${t.name})`;
  const typeCode = TENSOR_TYPES.indexOf(t.type);
  if (typeCode < 0) throw new QkernError(op, where, `has type ${String(t.type)}`);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) throw new QkernError(op, where, `has shape [${t.shape.join(", ")}]`);
  let quant: FbOffset | null = null;
  if (t.quant != null) {
    const q = t.quant;
    const n = q.scale.length;
    const zp = q.zeroPoint ?? new Array<number>(n).fill(0);
    if (zp.length !== n) throw new QkernError(op, where, `has ${n} scales but ${zp.length} zero points`);
    const scale = b.scalars(q.scale, "f32");
    const zero = b.scalars(zp, "i64");
    b.startTable(7);
    b.fieldOffset(2, scale);
    b.fieldOffset(3, zero);
    b.fieldInt32(6, q.axis ?? 0);
    quant = b.endTable();
  }
  const shape = b.scalars(t.shape, "i32");
  const name = b.string(t.name);
  b.startTable(5);
  b.fieldOffset(0, shape);
  b.fieldInt8(1, typeCode);
  b.fieldUint32(2, buffer);
  b.fieldOffset(3, name);
  b.fieldOffset(4, quant);
  return b.endTable();
}

function writeOperator(b: FbBuilder, o: TfliteOperatorInput, i: number, opcode: number, nT: number): FbOffset {
  const name = o.code === -1 ? "custom" : (BUILTIN_OPS[o.code] ?? `BUILTIN_${o.code}`);
  const where = `operator ${i} (${name})`;
  const inputs = b.scalars(checked(o.inputs, nT, `${where} inputs`, true), "i32");
  const outputs = b.scalars(checked(o.outputs, nT, `${where} outputs`, false), "i32");
  const tag = OPTIONS_TAGS[name] ?? 0;
  const options = tag === 0 ? null : writeOptions(b, name, o.options ?? {}, where);
  b.startTable(5);
  b.fieldUint32(0, opcode);
  b.fieldOffset(1, inputs);
  b.fieldOffset(2, outputs);
  if (options !== null) b.fieldUint8(3, tag, -1); // the union tag (ubyte), always written with its table
  b.fieldOffset(4, options);
  return b.endTable();
}

function activation(a: TfliteActivation | undefined, where: string): number {
  const code = ACTIVATION_CODES[a ?? "none"];
  if (code === undefined) throw new QkernError(op, where, `has fused activation ${String(a)}`);
  return code;
}

function padding(p: TflitePadding | undefined, where: string): number {
  const code = PADDING_CODES[p ?? "same"];
  if (code === undefined) throw new QkernError(op, where, `has padding ${String(p)}`);
  return code;
}

/** The builtin options table of one operator (schema field ids; absent options take the schema defaults). */
function writeOptions(b: FbBuilder, name: string, o: TfliteOptions, where: string): FbOffset {
  switch (name) {
    case "CONV_2D":
      b.startTable(7);
      b.fieldInt8(0, padding(o.padding, where));
      b.fieldInt32(1, o.strideW ?? 0);
      b.fieldInt32(2, o.strideH ?? 0);
      b.fieldInt8(3, activation(o.activation, where));
      b.fieldInt32(4, o.dilationW ?? 1, 1);
      b.fieldInt32(5, o.dilationH ?? 1, 1);
      return b.endTable();
    case "DEPTHWISE_CONV_2D":
      b.startTable(7);
      b.fieldInt8(0, padding(o.padding, where));
      b.fieldInt32(1, o.strideW ?? 0);
      b.fieldInt32(2, o.strideH ?? 0);
      b.fieldInt32(3, o.depthMultiplier ?? 0);
      b.fieldInt8(4, activation(o.activation, where));
      b.fieldInt32(5, o.dilationW ?? 1, 1);
      b.fieldInt32(6, o.dilationH ?? 1, 1);
      return b.endTable();
    case "FULLY_CONNECTED":
      b.startTable(5);
      b.fieldInt8(0, activation(o.activation, where));
      b.fieldBool(2, o.keepNumDims ?? false);
      return b.endTable();
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      b.startTable(6);
      b.fieldInt8(0, padding(o.padding, where));
      b.fieldInt32(1, o.strideW ?? 0);
      b.fieldInt32(2, o.strideH ?? 0);
      b.fieldInt32(3, o.filterW ?? 0);
      b.fieldInt32(4, o.filterH ?? 0);
      b.fieldInt8(5, activation(o.activation, where));
      return b.endTable();
    case "ADD":
    case "SUB":
    case "MUL":
      b.startTable(2);
      b.fieldInt8(0, activation(o.activation, where));
      return b.endTable();
    case "CONCATENATION":
      b.startTable(2);
      b.fieldInt32(0, o.axis ?? 0);
      b.fieldInt8(1, activation(o.activation, where));
      return b.endTable();
    case "RESHAPE": {
      const shape = o.newShape == null ? null : b.scalars(o.newShape, "i32");
      b.startTable(1);
      b.fieldOffset(0, shape);
      return b.endTable();
    }
    case "SOFTMAX":
      b.startTable(1);
      b.fieldFloat32(0, o.beta ?? 0);
      return b.endTable();
    case "MEAN":
      b.startTable(1);
      b.fieldBool(0, o.keepDims ?? false);
      return b.endTable();
    case "SQUEEZE": {
      const dims = o.squeezeDims == null ? null : b.scalars(o.squeezeDims, "i32");
      b.startTable(1);
      b.fieldOffset(0, dims);
      return b.endTable();
    }
    case "RESIZE_BILINEAR":
      b.startTable(4);
      b.fieldBool(2, o.alignCorners ?? false);
      b.fieldBool(3, o.halfPixelCenters ?? false);
      return b.endTable();
    case "RESIZE_NEAREST_NEIGHBOR":
      b.startTable(2);
      b.fieldBool(0, o.alignCorners ?? false);
      b.fieldBool(1, o.halfPixelCenters ?? false);
      return b.endTable();
    default: // options tables without fields (PAD, TRANSPOSE)
      b.startTable(0);
      return b.endTable();
  }
}
