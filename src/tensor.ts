// Tensors: a dtype, a shape, optional quantization parameters, and bytes in one instance's
// linear memory. JS holds only the offset; `data` re-creates its view after memory growth.
// The lib reference is kept in tensor.d.ts so that TypeScript consumers get `Symbol.dispose` and
// `Disposable` (tensors and packed weights are disposable) whatever their own `lib` setting.
/// <reference lib="esnext.disposable" preserve="true" />

import { QkernError, describeShape } from "./errors.js";
import { DTYPE_INFO, byteLengthOf, type DType } from "./dtype.js";
import { normalizeQuant, type QuantInput, type QuantParams } from "./quant.js";
import type { Runtime } from "./runtime/runtime.js";
import type { Qkern } from "./qkern.js";

/** The live typed view `tensor.data` returns for each dtype (int4/uint4: the packed bytes). */
export interface DataOf {
  float32: Float32Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int4: Uint8Array;
  uint4: Uint8Array;
}

/** The copy `tensor.toArray()` returns (int4/uint4: one element per value, unpacked). */
export interface ValuesOf {
  float32: Float32Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int4: Int8Array;
  uint4: Uint8Array;
}

/**
 * An n-dimensional array in a qkern instance's memory. Create one with `qk.tensor`, `qk.empty` or
 * `qk.zeros`, or receive one from an op; free it with `dispose()` (or `using`). Every use after
 * `dispose()` throws.
 *
 * @example
 * ```ts
 * const qk = await createQkern();
 * using x = qk.tensor([1, 2, 3, 4], [2, 2]);   // float32
 * x.data[0] = 5;                               // live view into wasm memory
 * console.log(x.shape, x.toArray());           // [2, 2] Float32Array [5, 2, 3, 4]
 * ```
 */
export class Tensor<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** Dimensions; may contain 0 (an empty tensor). */
  readonly shape: readonly number[];
  /** Number of elements (the product of `shape`). */
  readonly size: number;
  /** Bytes of storage (int4/uint4: ceil(size / 2)). */
  readonly byteLength: number;
  /** Quantization parameters, or null (always null for float32). */
  readonly quant: QuantParams | null;
  /** The instance that owns the memory. */
  readonly qk: Qkern;
  /** @internal */
  readonly rt: Runtime;
  /** @internal */
  private address: number;
  /** @internal The storage this view lives in (null: the tensor owns its allocation). */
  private readonly base: Tensor | null;

  /**
   * @internal `at`: a view at byte `at.offset` of `at.base`'s storage (no allocation of its own; it
   * lives as long as the base and `dispose` only ends the view).
   */
  constructor(qk: Qkern, rt: Runtime, dtype: D, shape: readonly number[], quant: QuantParams | null, op: string, zeroed: boolean, at?: { base: Tensor; offset: number }) {
    this.qk = qk;
    this.rt = rt;
    this.dtype = dtype;
    this.shape = Object.freeze(shape.slice());
    this.size = shape.reduce((a, b) => a * b, 1);
    this.byteLength = byteLengthOf(dtype, this.size);
    this.quant = quant;
    this.base = at?.base ?? null;
    if (at !== undefined) {
      const end = at.offset + this.byteLength;
      // Element alignment is enough: wasm loads and stores (SIMD included) take any address.
      const align = dtype === "float32" || dtype === "int32" ? 4 : 1;
      if (at.offset < 0 || at.offset % align !== 0 || end > at.base.byteLength) {
        throw new QkernError(op, "view", `${describeShape(dtype, shape)} at byte ${at.offset} does not fit ${align}-byte aligned in ${at.base}`);
      }
    }
    this.address = at !== undefined ? at.base.checkAlive(op, "base") + at.offset : rt.alloc(this.byteLength, op, describeShape(dtype, shape));
    if (zeroed) rt.views().u8.fill(0, this.address, this.address + this.byteLength);
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.address === 0 || (this.base !== null && this.base.disposed);
  }

  /**
   * Byte offset of the data in the instance's linear memory (16-byte aligned, followed by 16
   * readable bytes): the raw layer for runtimes that call kernels themselves.
   */
  get ptr(): number {
    return this.checkAlive("ptr");
  }

  /**
   * A live typed view of the storage (no copy). Re-read it after any call that may allocate:
   * memory growth detaches old views.
   */
  get data(): DataOf[D] {
    const at = this.checkAlive("data");
    const v = this.rt.views();
    switch (this.dtype) {
      case "float32": return new Float32Array(v.f32.buffer, at, this.size) as DataOf[D];
      case "int32": return new Int32Array(v.i32.buffer, at, this.size) as DataOf[D];
      case "int8": return new Int8Array(v.i8.buffer, at, this.size) as DataOf[D];
      default: return new Uint8Array(v.u8.buffer, at, this.byteLength) as DataOf[D];
    }
  }

  /** A copy of the values (int4/uint4 unpacked to one element per value). */
  toArray(): ValuesOf[D] {
    const at = this.checkAlive("toArray");
    if (this.dtype !== "int4" && this.dtype !== "uint4") {
      return (this.data as unknown as { slice(): ValuesOf[D] }).slice();
    }
    const bytes = this.rt.views().u8;
    const signed = this.dtype === "int4";
    const out = signed ? new Int8Array(this.size) : new Uint8Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const b = bytes[at + (i >> 1)] as number;
      const nibble = i & 1 ? b >> 4 : b & 15;
      out[i] = signed ? (nibble ^ 8) - 8 : nibble;
    }
    return out as ValuesOf[D];
  }

  /** Frees the memory. Idempotent; every other use afterwards throws. */
  dispose(): void {
    if (this.address !== 0) {
      if (this.base === null) this.rt.free(this.address);
      this.address = 0;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `int8[2,3]` */
  toString(): string {
    return describeShape(this.dtype, this.shape);
  }

  /** @internal The address, or a QkernError naming `op` if the tensor (or the storage it views) was disposed. */
  checkAlive(op: string, arg = "tensor"): number {
    if (this.address === 0 || (this.base !== null && this.base.disposed)) {
      throw new QkernError(op, arg, `tensor ${describeShape(this.dtype, this.shape)} was disposed`);
    }
    return this.address;
  }
}

/** Options of `qk.tensor`, `qk.empty` and `qk.zeros`. */
export interface TensorOptions {
  /** Quantization parameters (integer dtypes only). */
  readonly quant?: QuantInput;
}

/** @internal Validates a shape; returns a plain copy. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new QkernError(op, "shape", `must be an array of dimensions, got ${String(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new QkernError(op, "shape", `dimensions must be integers >= 0, got [${shape.join(",")}]`);
    }
    size *= d;
  }
  if (size > 2 ** 31 - 1) throw new QkernError(op, "shape", `[${shape.join(",")}] has ${size} elements (limit 2^31 - 1)`);
  return shape.slice() as number[];
}

/** @internal Checks that integer values fit the dtype; throws naming the first bad one. */
export function checkValues(op: string, dtype: DType, values: ArrayLike<number>): void {
  if (dtype === "float32") return;
  // A typed array of the dtype's own element type holds only valid values.
  if ((dtype === "int8" && values instanceof Int8Array) || (dtype === "uint8" && values instanceof Uint8Array) || (dtype === "int32" && values instanceof Int32Array)) return;
  const { min, max } = DTYPE_INFO[dtype];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new QkernError(op, "values", `element ${i} is ${v}, not an integer in [${min}, ${max}] for ${dtype}`);
    }
  }
}

/** @internal Copies values into a tensor's storage (packing int4/uint4). */
export function writeValues(t: Tensor, values: ArrayLike<number>): void {
  const at = t.checkAlive("tensor");
  const v = t.rt.views();
  switch (t.dtype) {
    case "float32": v.f32.set(values, at >>> 2); return;
    case "int32": v.i32.set(values, at >>> 2); return;
    case "int8": v.i8.set(values, at); return;
    case "uint8": v.u8.set(values, at); return;
    default: {
      const bytes = v.u8;
      for (let i = 0; i < t.byteLength; i++) {
        const lo = (values[2 * i] as number) & 15;
        const hi = 2 * i + 1 < values.length ? (values[2 * i + 1] as number) & 15 : 0;
        bytes[at + i] = lo | (hi << 4);
      }
    }
  }
}

/** @internal */
export function inferDType(values: unknown): DType | undefined {
  if (values instanceof Float32Array) return "float32";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Int8Array) return "int8";
  if (values instanceof Uint8Array) return "uint8";
  return undefined;
}

/** @internal Normalises optional quant params for a tensor being created. */
export function quantFor(op: string, dtype: DType, shape: readonly number[], options: TensorOptions | undefined): QuantParams | null {
  if (options?.quant === undefined) return null;
  return normalizeQuant(op, "options.quant", dtype, shape, options.quant, describeShape(dtype, shape));
}

/**
 * @internal A tensor over `base`'s storage from byte `offset` (aligned to its element size): a
 * reshaped alias, a slot of an activation arena, rows of a tensor. It allocates nothing; it dies with
 * its base. Bytes past its end are the base's (or the base allocation's 16 readable bytes).
 */
export function viewOf<D extends DType>(base: Tensor, offset: number, dtype: D, shape: readonly number[], quant: QuantParams | null, op: string): Tensor<D> {
  return new Tensor(base.qk, base.rt, dtype, shape, quant, op, false, { base, offset });
}
