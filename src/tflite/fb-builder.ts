// A FlatBuffers builder, enough to write TFLite model files (the reader is flatbuffer.ts, whose
// header describes the format). Like every FlatBuffers builder it writes back to front: children
// first, at the end of the buffer, then the tables that refer to them, so every u32 offset points
// forward as the format requires. Positions are kept as offsets from the end of the buffer while
// building; `finish` pads the front so that the file length is a multiple of the largest alignment
// asked for, which makes an alignment from the end an alignment from the start of the file too.
// Vtables are shared between tables with identical ones (a table's soffset may then point forward).

/** A position in the buffer being built, counted from its end (what the builder's methods return). */
export type FbOffset = number;

export class FbBuilder {
  private buf: Uint8Array;
  private view: DataView;
  /** Start of the written bytes: they occupy buf[head, buf.length). */
  private head: number;
  private minAlign = 1;
  private fields: number[] | null = null;
  private tableStart = 0;
  private readonly vtables = new Map<string, FbOffset>();

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(Math.max(64, initialSize));
    this.view = new DataView(this.buf.buffer);
    this.head = this.buf.length;
  }

  /** Bytes written so far (the offset, from the end, of the last thing written). */
  offset(): FbOffset {
    return this.buf.length - this.head;
  }

  private grow(need: number): void {
    const used = this.offset();
    let size = this.buf.length;
    while (size - used < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.head), size - used);
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.head = size - used;
  }

  /** Pads so that, once `additional` more bytes are written, the next `size`-byte item starts aligned to `size`. */
  prep(size: number, additional: number): void {
    if (size > this.minAlign) this.minAlign = size;
    const pad = (size - ((this.offset() + additional) % size)) % size;
    if (this.head < pad + size + additional) this.grow(pad + size + additional);
    this.head -= pad;
    this.buf.fill(0, this.head, this.head + pad);
  }

  private reserve(n: number): number {
    if (this.head < n) this.grow(n);
    this.head -= n;
    return this.head;
  }

  int8(v: number): void {
    this.prep(1, 0);
    this.view.setInt8(this.reserve(1), v);
  }
  uint8(v: number): void {
    this.prep(1, 0);
    this.view.setUint8(this.reserve(1), v);
  }
  uint16(v: number): void {
    this.prep(2, 0);
    this.view.setUint16(this.reserve(2), v, true);
  }
  int32(v: number): void {
    this.prep(4, 0);
    this.view.setInt32(this.reserve(4), v, true);
  }
  uint32(v: number): void {
    this.prep(4, 0);
    this.view.setUint32(this.reserve(4), v, true);
  }
  float32(v: number): void {
    this.prep(4, 0);
    this.view.setFloat32(this.reserve(4), v, true);
  }
  /** An integer in the safe range as a little-endian int64. */
  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value ${v} is not a safe integer`);
    this.prep(8, 0);
    const p = this.reserve(8);
    this.view.setBigInt64(p, BigInt(v), true);
  }
  /** A u32 offset to something written earlier (relative to where the offset itself lands). */
  uoffset(target: FbOffset): void {
    this.prep(4, 0);
    const rel = this.offset() + 4 - target;
    if (rel <= 0) throw new RangeError(`offset to ${target} does not point forward`);
    this.view.setUint32(this.reserve(4), rel, true);
  }

  // --- vectors and strings ---------------------------------------------------------------

  /** A vector of bytes, its data aligned to `align` (TFLite buffers: 16). */
  bytes(data: Uint8Array, align = 1): FbOffset {
    this.prep(4, data.byteLength);
    this.prep(align, data.byteLength);
    this.buf.set(data, this.reserve(data.byteLength));
    return this.endVector(data.byteLength);
  }

  string(s: string): FbOffset {
    const b = new TextEncoder().encode(s);
    this.prep(4, b.byteLength + 1);
    this.buf[this.reserve(1)] = 0;
    this.buf.set(b, this.reserve(b.byteLength));
    return this.endVector(b.byteLength);
  }

  /** A vector of scalars of one kind. */
  scalars(values: ArrayLike<number>, kind: "i32" | "u32" | "f32" | "i64"): FbOffset {
    const size = kind === "i64" ? 8 : 4;
    this.prep(4, size * values.length);
    this.prep(size, size * values.length);
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i]!;
      if (kind === "i32") this.int32(v);
      else if (kind === "u32") this.uint32(v);
      else if (kind === "f32") this.float32(v);
      else this.int64(v);
    }
    return this.endVector(values.length);
  }

  /** A vector of offsets (tables, strings), in the order given. */
  offsets(targets: readonly FbOffset[]): FbOffset {
    this.prep(4, 4 * targets.length);
    for (let i = targets.length - 1; i >= 0; i--) this.uoffset(targets[i]!);
    return this.endVector(targets.length);
  }

  private endVector(n: number): FbOffset {
    this.view.setUint32(this.reserve(4), n, true);
    return this.offset();
  }

  // --- tables ----------------------------------------------------------------------------

  startTable(numFields: number): void {
    if (this.fields !== null) throw new Error("FbBuilder: tables cannot nest while being built");
    this.fields = new Array<number>(numFields).fill(0);
    this.tableStart = this.offset();
  }

  private slot(id: number): void {
    if (this.fields === null || id >= this.fields.length) throw new Error(`FbBuilder: field ${id} outside the table being built`);
    this.fields[id] = this.offset();
  }

  /** Scalar fields; a value equal to the schema default is left out (readers return the default). */
  fieldInt8(id: number, v: number, def = 0): void {
    if (v === def) return;
    this.int8(v);
    this.slot(id);
  }
  fieldUint8(id: number, v: number, def = 0): void {
    if (v === def) return;
    this.uint8(v);
    this.slot(id);
  }
  fieldBool(id: number, v: boolean, def = false): void {
    if (v === def) return;
    this.uint8(v ? 1 : 0);
    this.slot(id);
  }
  fieldInt32(id: number, v: number, def = 0): void {
    if (v === def) return;
    this.int32(v);
    this.slot(id);
  }
  fieldUint32(id: number, v: number, def = 0): void {
    if (v === def) return;
    this.uint32(v);
    this.slot(id);
  }
  fieldFloat32(id: number, v: number, def = 0): void {
    if (Object.is(Math.fround(v), Math.fround(def))) return;
    this.float32(v);
    this.slot(id);
  }
  /** An offset field (table, vector, string); null leaves it out. */
  fieldOffset(id: number, target: FbOffset | null): void {
    if (target === null) return;
    this.uoffset(target);
    this.slot(id);
  }

  endTable(): FbOffset {
    const fields = this.fields;
    if (fields === null) throw new Error("FbBuilder: endTable without startTable");
    this.int32(0); // soffset to the vtable, patched below
    const table = this.offset();
    let n = fields.length;
    while (n > 0 && fields[n - 1] === 0) n--;
    const entries = fields.slice(0, n).map((f) => (f === 0 ? 0 : table - f));
    const tableSize = table - this.tableStart;
    if (tableSize > 0xffff) throw new RangeError(`FbBuilder: table of ${tableSize} bytes`);
    const key = `${tableSize}:${entries.join(",")}`;
    let vt = this.vtables.get(key);
    if (vt === undefined) {
      for (let i = n - 1; i >= 0; i--) this.uint16(entries[i]!);
      this.uint16(tableSize);
      this.uint16(4 + 2 * n);
      vt = this.offset();
      this.vtables.set(key, vt);
    }
    // The reader finds the vtable at (table position − soffset); positions are (length − offset).
    this.view.setInt32(this.buf.length - table, vt - table, true);
    this.fields = null;
    return table;
  }

  /** Ends the buffer: root table offset and 4-character file identifier. Returns a copy of the file. */
  finish(root: FbOffset, identifier: string): Uint8Array {
    if (identifier.length !== 4) throw new Error("FbBuilder: the file identifier has 4 characters");
    this.prep(Math.max(this.minAlign, 4), 8);
    for (let i = 3; i >= 0; i--) this.uint8(identifier.charCodeAt(i));
    this.uoffset(root);
    return this.buf.slice(this.head);
  }
}
