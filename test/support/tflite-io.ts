// What the peer tests need from a .tflite file that LiteRT.js does not report: the first
// subgraph's inputs and outputs with their quantization; and a repair LiteRT.js needs before it
// accepts one of the shared models. A few lines of FlatBuffers reading (the TFLite schema.fbs),
// deliberately separate from qkern's own TFLite loader, so an oracle test does not lean on the
// code it checks.
//
// FlatBuffers layout used: the file starts with the root table's offset (u32) and the identifier
// "TFL3"; a table starts with an i32 whose subtraction gives its vtable; the vtable holds u16 byte
// offsets of the fields inside the table (0 or beyond its length: field absent); a field holding a
// table, vector or string stores a u32 offset relative to its own position; a vector is a u32
// length followed by its elements (offsets again for tables).
// Fields read (schema.fbs): Model 2 subgraphs; SubGraph 0 tensors, 1 inputs, 2 outputs; Tensor
// 0 shape, 1 type, 3 name, 4 quantization, 7 shape_signature; QuantizationParameters 2 scale,
// 3 zero_point, 6 quantized_dimension.

/** A subgraph input or output tensor. */
export interface TfliteTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** The shape with −1 for dynamic dimensions; empty when the file gives none. */
  readonly shapeSignature: readonly number[];
  /** TFLite TensorType number (schema.fbs: 0 FLOAT32, 2 INT32, 3 UINT8, 7 INT16, 9 INT8, ...). */
  readonly type: number;
  /** Per-tensor or per-channel scales; empty when the tensor is not quantized. */
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

function reader(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(4, 8)) !== "TFL3") throw new Error("not a TFLite file (no TFL3 identifier)");
  const u32 = (p: number): number => v.getUint32(p, true);
  /** Position of field `i` of the table at `t`, or -1 if absent. */
  const field = (t: number, i: number): number => {
    const vt = t - v.getInt32(t, true);
    const at = 4 + 2 * i;
    if (at >= v.getUint16(vt, true)) return -1;
    const off = v.getUint16(vt + at, true);
    return off === 0 ? -1 : t + off;
  };
  const deref = (p: number): number => p + u32(p);
  /** Start and length of the vector in field `i` (length 0 when absent). */
  const vector = (t: number, i: number): [number, number] => {
    const p = field(t, i);
    if (p < 0) return [0, 0];
    const vec = deref(p);
    return [vec + 4, u32(vec)];
  };
  const table = (t: number, i: number): number => {
    const p = field(t, i);
    return p < 0 ? -1 : deref(p);
  };
  const tables = (t: number, i: number): number[] => {
    const [start, n] = vector(t, i);
    return Array.from({ length: n }, (_, k) => deref(start + 4 * k));
  };
  const ints = (t: number, i: number): number[] => {
    const [start, n] = vector(t, i);
    return Array.from({ length: n }, (_, k) => v.getInt32(start + 4 * k, true));
  };
  const name = (t: number): string => {
    const s = table(t, 3);
    return s < 0 ? "" : new TextDecoder().decode(bytes.subarray(s + 4, s + 4 + u32(s)));
  };
  const subgraph = tables(u32(0), 2)[0];
  if (subgraph === undefined) throw new Error("TFLite file without subgraphs");
  return { v, field, vector, table, ints, name, subgraph, tensors: tables(subgraph, 0) };
}

/** The first subgraph's inputs and outputs, in order. */
export function tfliteIo(bytes: Uint8Array): { inputs: TfliteTensor[]; outputs: TfliteTensor[] } {
  const { v, field, vector, table, ints, name, subgraph, tensors } = reader(bytes);
  const tensor = (index: number): TfliteTensor => {
    const t = tensors[index];
    if (t === undefined) throw new Error(`tensor ${index} out of range`);
    const typeAt = field(t, 1);
    const q = table(t, 4);
    let scale: number[] = [];
    let zeroPoint: number[] = [];
    if (q >= 0) {
      const [s, ns] = vector(q, 2);
      scale = Array.from({ length: ns }, (_, k) => v.getFloat32(s + 4 * k, true));
      const [z, nz] = vector(q, 3);
      zeroPoint = Array.from({ length: nz }, (_, k) => Number(v.getBigInt64(z + 8 * k, true)));
    }
    return { name: name(t), shape: ints(t, 0), shapeSignature: ints(t, 7), type: typeAt < 0 ? 0 : v.getInt8(typeAt), scale, zeroPoint };
  };
  return { inputs: ints(subgraph, 1).map(tensor), outputs: ints(subgraph, 2).map(tensor) };
}

/**
 * A copy of a model in which every rank-1 tensor whose quantization names an axis beyond its rank
 * (quantized_dimension ≥ 1) names axis 0 instead, and the names of those tensors. TFLite's
 * interpreter and LiteRT reject such a tensor ("quantized_dimension must be in range [0, 1)");
 * tflite-micro does not check. person_detect.tflite has them: its depthwise biases carry the
 * depthwise weights' channel axis, 3 (tflite-micro issues #2286 and #2680). A rank-1 tensor has one
 * axis, so its per-channel scales can only run along axis 0: the repaired file means the same.
 */
export function fixRank1QuantizedDimension(bytes: Uint8Array): { bytes: Uint8Array; fixed: string[] } {
  const copy = bytes.slice();
  const { v, field, table, ints, name, tensors } = reader(copy);
  const fixed: string[] = [];
  for (const t of tensors) {
    const q = table(t, 4);
    const at = q < 0 ? -1 : field(q, 6);
    if (at >= 0 && ints(t, 0).length === 1 && v.getInt32(at, true) >= 1) {
      v.setInt32(at, 0, true);
      fixed.push(name(t));
    }
  }
  return { bytes: copy, fixed };
}
