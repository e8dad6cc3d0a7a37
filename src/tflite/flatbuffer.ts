// A bounds-checked reader of the FlatBuffers binary format, enough for TFLite model files. Written
// here rather than taken from the `flatbuffers` package because that package trusts its input: a
// truncated or hostile file reads out of range or returns garbage, while a model loader must refuse
// every malformed file with a clear error before anything runs.
//
// The format (flatbuffers.dev, "internals"): little endian; the file starts with a u32 offset to
// the root table (optionally followed by a 4-byte file identifier). A table starts with an i32
// soffset: its vtable sits at (table − soffset); the vtable holds u16 vtable size, u16 table size,
// then one u16 per field: the field's offset inside the table (0 = absent, use the default).
// Offset-typed fields (tables, vectors, strings) hold a u32 relative to their own position; a
// vector is a u32 length then its elements; a string a u32 length, bytes and a terminating 0.
// Relative offsets are unsigned, so every reference points forward and no walk can loop.

/** A malformed-file finding: what was being read and why it is wrong. */
export class FlatbufferError extends Error {}

export class FbReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  private check(pos: number, size: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.bytes.byteLength) {
      throw new FlatbufferError(`${what} at byte ${pos} (${size} bytes) lies outside the file (${this.bytes.byteLength} bytes)`);
    }
  }

  u8(pos: number, what = "u8"): number {
    this.check(pos, 1, what);
    return this.view.getUint8(pos);
  }
  i8(pos: number, what = "i8"): number {
    this.check(pos, 1, what);
    return this.view.getInt8(pos);
  }
  u16(pos: number, what = "u16"): number {
    this.check(pos, 2, what);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number, what = "i32"): number {
    this.check(pos, 4, what);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number, what = "u32"): number {
    this.check(pos, 4, what);
    return this.view.getUint32(pos, true);
  }
  f32(pos: number, what = "f32"): number {
    this.check(pos, 4, what);
    return this.view.getFloat32(pos, true);
  }
  /** An i64/u64 as a JavaScript number; refuses values beyond 2^53. */
  i64(pos: number, what = "i64"): number {
    this.check(pos, 8, what);
    const lo = this.view.getUint32(pos, true);
    const hi = this.view.getInt32(pos + 4, true);
    if (hi >= -0x200000 && hi < 0x200000) return hi * 2 ** 32 + lo; // |v| < 2^53: exact as a double
    throw new FlatbufferError(`${what} ${this.view.getBigInt64(pos, true)} is beyond 2^53`);
  }

  /** `n` scalars from `pos` (the caller has bounds-checked the whole run). */
  scalars(pos: number, n: number, elem: "u8" | "i32" | "u32" | "f32" | "i64"): number[] {
    const v = this.view;
    const out = new Array<number>(n);
    switch (elem) {
      case "u8":
        for (let i = 0; i < n; i++) out[i] = v.getUint8(pos + i);
        break;
      case "i32":
        for (let i = 0; i < n; i++) out[i] = v.getInt32(pos + 4 * i, true);
        break;
      case "u32":
        for (let i = 0; i < n; i++) out[i] = v.getUint32(pos + 4 * i, true);
        break;
      case "f32":
        for (let i = 0; i < n; i++) out[i] = v.getFloat32(pos + 4 * i, true);
        break;
      case "i64":
        for (let i = 0; i < n; i++) out[i] = this.i64(pos + 8 * i, "vector element");
        break;
    }
    return out;
  }

  /** The root table's position. */
  root(): Table {
    return this.table(this.u32(0, "root offset"), "root table");
  }

  /** The 4-byte file identifier after the root offset, as text. */
  identifier(): string {
    this.check(4, 4, "file identifier");
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  table(pos: number, what: string): Table {
    const soffset = this.i32(pos, `${what} (its vtable offset)`);
    const vt = pos - soffset;
    const vsize = this.u16(vt, `${what} vtable size`);
    if (vsize < 4 || vsize % 2 !== 0) throw new FlatbufferError(`${what}: vtable at byte ${vt} has size ${vsize}`);
    this.check(vt, vsize, `${what} vtable`);
    const tsize = this.u16(vt + 2, `${what} table size`);
    this.check(pos, Math.max(tsize, 4), what);
    return new Table(this, pos, vt, vsize, tsize, what);
  }
}

/** One table of the file: typed field access by field id, with defaults for absent fields. */
export class Table {
  constructor(
    private readonly r: FbReader,
    readonly pos: number,
    private readonly vt: number,
    private readonly vsize: number,
    private readonly tsize: number,
    readonly what: string,
  ) {}

  /** The field's byte position, or 0 when absent. */
  private at(id: number, size: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vsize) return 0;
    const off = this.r.u16(this.vt + slot);
    if (off === 0) return 0;
    if (off + size > this.tsize) throw new FlatbufferError(`${this.what}.${name}: field offset ${off} (+${size}) beyond the table's ${this.tsize} bytes`);
    return this.pos + off;
  }

  has(id: number): boolean {
    const slot = 4 + 2 * id;
    return slot + 2 <= this.vsize && this.r.u16(this.vt + slot) !== 0;
  }

  u8(id: number, name: string, def = 0): number {
    const p = this.at(id, 1, name);
    return p === 0 ? def : this.r.u8(p, `${this.what}.${name}`);
  }
  i8(id: number, name: string, def = 0): number {
    const p = this.at(id, 1, name);
    return p === 0 ? def : this.r.i8(p, `${this.what}.${name}`);
  }
  bool(id: number, name: string, def = false): boolean {
    return this.u8(id, name, def ? 1 : 0) !== 0;
  }
  i32(id: number, name: string, def = 0): number {
    const p = this.at(id, 4, name);
    return p === 0 ? def : this.r.i32(p, `${this.what}.${name}`);
  }
  u32(id: number, name: string, def = 0): number {
    const p = this.at(id, 4, name);
    return p === 0 ? def : this.r.u32(p, `${this.what}.${name}`);
  }
  f32(id: number, name: string, def = 0): number {
    const p = this.at(id, 4, name);
    return p === 0 ? def : this.r.f32(p, `${this.what}.${name}`);
  }
  i64(id: number, name: string, def = 0): number {
    const p = this.at(id, 8, name);
    return p === 0 ? def : this.r.i64(p, `${this.what}.${name}`);
  }

  /** Position an offset field points at, or 0 when absent. */
  private target(id: number, name: string): number {
    const p = this.at(id, 4, name);
    if (p === 0) return 0;
    return p + this.r.u32(p, `${this.what}.${name}`);
  }

  table(id: number, name: string): Table | null {
    const t = this.target(id, name);
    return t === 0 ? null : this.r.table(t, `${this.what}.${name}`);
  }

  string(id: number, name: string): string | null {
    const t = this.target(id, name);
    if (t === 0) return null;
    const n = this.r.u32(t, `${this.what}.${name} length`);
    const bytes = this.vectorBytes(t, n, 1, name);
    return new TextDecoder().decode(bytes);
  }

  /** Elements of a vector of scalars, or null when absent. */
  vector(id: number, name: string, elem: "u8" | "i32" | "u32" | "f32" | "i64"): number[] | null {
    const t = this.target(id, name);
    if (t === 0) return null;
    const size = elem === "u8" ? 1 : elem === "i64" ? 8 : 4;
    const n = this.r.u32(t, `${this.what}.${name} length`);
    this.vectorBytes(t, n, size, name);
    return this.r.scalars(t + 4, n, elem);
  }

  /** A vector of bytes as a view into the file (no copy), or null when absent. */
  bytes(id: number, name: string): Uint8Array | null {
    const t = this.target(id, name);
    if (t === 0) return null;
    return this.vectorBytes(t, this.r.u32(t, `${this.what}.${name} length`), 1, name);
  }

  /** Tables of a vector of tables, or null when absent. */
  tables(id: number, name: string): Table[] | null {
    const t = this.target(id, name);
    if (t === 0) return null;
    const n = this.r.u32(t, `${this.what}.${name} length`);
    this.vectorBytes(t, n, 4, name);
    const out: Table[] = [];
    for (let i = 0; i < n; i++) {
      const p = t + 4 + 4 * i;
      out.push(this.r.table(p + this.r.u32(p), `${this.what}.${name}[${i}]`));
    }
    return out;
  }

  private vectorBytes(t: number, n: number, size: number, name: string): Uint8Array {
    const end = t + 4 + n * size;
    if (end > this.r.length) throw new FlatbufferError(`${this.what}.${name}: ${n} elements of ${size} bytes at byte ${t} run past the end of the file (${this.r.length} bytes)`);
    return this.r.bytes.subarray(t + 4, end);
  }
}
