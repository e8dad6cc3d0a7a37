// Single-operator TFLite models written from scratch (a small FlatBuffers writer of our own, laid out
// front to back: every table is preceded by its vtable and followed by what it points to), so that
// peers running .tflite files can be asked about one op at a time. Field numbers and enum values are
// those of the TFLite schema (schema.fbs: Model, SubGraph, Tensor, Operator, OperatorCode, Buffer,
// QuantizationParameters; Pool2DOptions = 5, SoftmaxOptions = 9, ReducerOptions = 27 in
// BuiltinOptions; AVERAGE_POOL_2D = 1, SOFTMAX = 25, MEAN = 40; INT32 = 2, UINT8 = 3, INT8 = 9).

type Scalar = { readonly t: "u8" | "i8" | "i32" | "f32"; readonly v: number };
type Child = { readonly t: "child"; readonly write: (w: Writer) => number };
type Field = Scalar | Child | undefined;

class Writer {
  private buf = new Uint8Array(1 << 12);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  private reserve(n: number): number {
    while (this.pos + n > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  align(n: number, before = 0): void {
    while ((this.pos + before) % n !== 0) this.reserve(1);
  }

  put(t: Scalar["t"] | "u16" | "u32" | "i64", v: number, at = -1): void {
    const size = { u8: 1, i8: 1, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8 }[t];
    const p = at >= 0 ? at : this.reserve(size);
    if (t === "u8" || t === "i8") this.view.setUint8(p, v & 0xff);
    else if (t === "u16") this.view.setUint16(p, v, true);
    else if (t === "i32" || t === "u32") this.view.setInt32(p, v | 0, true);
    else if (t === "f32") this.view.setFloat32(p, v, true);
    else this.view.setBigInt64(p, BigInt(v), true);
  }

  /** A table: vtable, then the inline fields, then the children (forward offsets, patched). */
  table(fields: readonly Field[]): number {
    const layout: Array<{ field: Field; offset: number }> = [];
    let size = 4; // the soffset to the vtable
    for (const field of fields) {
      if (field === undefined) {
        layout.push({ field, offset: 0 });
        continue;
      }
      const n = field.t === "u8" || field.t === "i8" ? 1 : 4;
      size = Math.ceil(size / n) * n;
      layout.push({ field, offset: size });
      size += n;
    }
    size = Math.ceil(size / 4) * 4;
    this.align(2);
    const vtable = this.pos;
    this.put("u16", 4 + 2 * fields.length);
    this.put("u16", size);
    for (const l of layout) this.put("u16", l.offset);
    this.align(4);
    const start = this.reserve(size);
    this.put("i32", start - vtable, start);
    for (const l of layout) if (l.field && l.field.t !== "child") this.put(l.field.t, l.field.v, start + l.offset);
    for (const l of layout) if (l.field?.t === "child") this.put("u32", l.field.write(this) - (start + l.offset), start + l.offset);
    return start;
  }

  /** A vector of scalars, its elements aligned to `align`. */
  vector(t: "u8" | "i32" | "f32" | "i64", values: ArrayLike<number>, align = 4): number {
    this.align(Math.max(align, 4), 4);
    const start = this.pos;
    this.put("u32", values.length);
    for (let i = 0; i < values.length; i++) this.put(t, values[i]!);
    return start;
  }

  /** A vector of tables or strings. */
  children(writers: ReadonlyArray<(w: Writer) => number>): number {
    this.align(4);
    const start = this.pos;
    this.put("u32", writers.length);
    const slots = writers.map(() => this.reserve(4));
    writers.forEach((write, i) => this.put("u32", write(this) - slots[i]!, slots[i]!));
    return start;
  }

  string(s: string): number {
    const bytes = new TextEncoder().encode(s);
    const start = this.vector("u8", bytes);
    this.put("u8", 0);
    return start;
  }

  finish(root: (w: Writer) => number, identifier: string): Uint8Array {
    this.reserve(8);
    for (let i = 0; i < 4; i++) this.put("u8", identifier.charCodeAt(i), 4 + i);
    this.put("u32", root(this), 0);
    return this.buf.slice(0, this.pos);
  }
}

const child = (write: (w: Writer) => number): Child => ({ t: "child", write });
const i32 = (v: number): Scalar => ({ t: "i32", v });
const i8 = (v: number): Scalar => ({ t: "i8", v });

/** A tensor of a single-op model: shape, TensorType number, per-tensor quantization, constant data. */
export interface BuildTensor {
  readonly shape: readonly number[];
  readonly type: 2 | 3 | 9;
  readonly quant?: { readonly scale: number; readonly zeroPoint: number };
  readonly data?: Uint8Array;
}

/** One operator with its builtin code and options (BuiltinOptions type number and table fields). */
export interface BuildOp {
  readonly code: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly optionsType: number;
  readonly options: readonly Field[];
}

/** A .tflite file with one subgraph running `op`; tensors with `data` are constants. */
export function buildTflite(tensors: readonly BuildTensor[], op: BuildOp, inputs: readonly number[], outputs: readonly number[]): Uint8Array {
  const buffers = [undefined, ...tensors.map((t) => t.data)].filter((d, i) => i === 0 || d !== undefined);
  let next = 1;
  const bufferIndex = tensors.map((t) => (t.data ? next++ : 0));
  const tensor = (t: BuildTensor, i: number) => (w: Writer): number => w.table([
    child((ww) => ww.vector("i32", t.shape)), i8(t.type), i32(bufferIndex[i]!), child((ww) => ww.string(`t${i}`)),
    t.quant ? child((ww) => ww.table([undefined, undefined, child((x) => x.vector("f32", [t.quant!.scale])), child((x) => x.vector("i64", [t.quant!.zeroPoint], 8))])) : undefined,
  ]);
  const operator = (w: Writer): number => w.table([
    i32(0), child((ww) => ww.vector("i32", op.inputs)), child((ww) => ww.vector("i32", op.outputs)), { t: "u8", v: op.optionsType }, child((ww) => ww.table(op.options)),
  ]);
  const subgraph = (w: Writer): number => w.table([
    child((ww) => ww.children(tensors.map(tensor))), child((ww) => ww.vector("i32", inputs)), child((ww) => ww.vector("i32", outputs)),
    child((ww) => ww.children([operator])), child((ww) => ww.string("main")),
  ]);
  const opcode = (w: Writer): number => w.table([i8(Math.min(op.code, 127)), undefined, i32(1), i32(op.code)]);
  const buffer = (d: Uint8Array | undefined) => (w: Writer): number => w.table(d ? [child((ww) => ww.vector("u8", d, 16))] : []);
  return new Writer().finish((w) => w.table([
    i32(3), child((ww) => ww.children([opcode])), child((ww) => ww.children([subgraph])), child((ww) => ww.string("qkern test")), child((ww) => ww.children(buffers.map(buffer))),
  ]), "TFL3");
}

const q8 = (dtype: "int8" | "uint8"): 3 | 9 => (dtype === "int8" ? 9 : 3);

/** SOFTMAX over [rows, n] with beta; output scale 1/256 and TFLite's zero point. */
export function softmaxTflite(rows: number, n: number, dtype: "int8" | "uint8", q: { scale: number; zeroPoint: number }, beta: number): Uint8Array {
  return buildTflite([
    { shape: [rows, n], type: q8(dtype), quant: q },
    { shape: [rows, n], type: q8(dtype), quant: { scale: 1 / 256, zeroPoint: dtype === "int8" ? -128 : 0 } },
  ], { code: 25, inputs: [0], outputs: [1], optionsType: 9, options: [{ t: "f32", v: beta }] }, [0], [1]);
}

/** MEAN over axes 1 and 2 of NHWC data, with or without keep_dims. */
export function meanTflite(shape: readonly [number, number, number, number], dtype: "int8" | "uint8", qx: { scale: number; zeroPoint: number }, qy: { scale: number; zeroPoint: number }, keepDims: boolean): Uint8Array {
  return buildTflite([
    { shape, type: q8(dtype), quant: qx },
    { shape: [2], type: 2, data: new Uint8Array(new Int32Array([1, 2]).buffer) },
    { shape: keepDims ? [shape[0], 1, 1, shape[3]] : [shape[0], shape[3]], type: q8(dtype), quant: qy },
  ], { code: 40, inputs: [0, 1], outputs: [2], optionsType: 27, options: [{ t: "u8", v: keepDims ? 1 : 0 }] }, [0], [2]);
}

/** AVERAGE_POOL_2D, square kernel and stride, SAME or VALID, fused activation (ActivationFunctionType number). */
export function avgPoolTflite(shape: readonly [number, number, number, number], out: readonly [number, number], k: number, stride: number, padding: "same" | "valid",
  activation: number, q: { scale: number; zeroPoint: number }): Uint8Array {
  return buildTflite([
    { shape, type: 9, quant: q },
    { shape: [shape[0], out[0], out[1], shape[3]], type: 9, quant: q },
  ], { code: 1, inputs: [0], outputs: [1], optionsType: 5, options: [i8(padding === "same" ? 0 : 1), i32(stride), i32(stride), i32(k), i32(k), i8(activation)] }, [0], [1]);
}
