// The public instance: one wasm build with its own memory, and the tensor factories.

import { QkernError, describeShape } from "./errors.js";
import { isDType, type DType } from "./dtype.js";
import { KERNELS, buildHas, type KernelInfo } from "./registry.js";
import type { Isa } from "./runtime/load.js";
import type { KernelFn, LinearMemory, MemoryStats, Runtime } from "./runtime/runtime.js";
import { Tensor, checkShape, checkValues, inferDType, quantFor, writeValues, type TensorOptions } from "./tensor.js";

/**
 * The raw-pointer layer, for runtimes that manage memory themselves. Pointers are byte offsets
 * into `memory`; `alloc` returns 16-byte aligned blocks followed by 16 readable bytes. Kernels are
 * called by their registry name with the arguments documented at the top of their source file
 * (assembly/<family>/*.ts). Nothing here validates arguments: a wrong pointer corrupts memory.
 */
export interface RawLayer {
  /**
   * The instance's linear memory (a `WebAssembly.Memory`; in `qkern/js` an object with the same
   * `buffer` and `grow`). Views of `memory.buffer` detach when it grows.
   */
  readonly memory: LinearMemory;
  /** Allocates `bytes` bytes; returns the pointer. */
  alloc(bytes: number): number;
  /** Frees a pointer from `alloc`. */
  free(ptr: number): void;
  /** A kernel export by name, e.g. `f32_q8_vcvt_rows__simd128`; throws if this build lacks it. */
  kernel(name: string): KernelFn;
  /** The registry rows this build contains (kernels, packers and layout sizes). */
  readonly kernels: readonly KernelInfo[];
  /**
   * Hands the instance a region of its memory for op scratch (packed activations, im2col rows, ...):
   * [ptr, ptr + bytes), 16-byte aligned, followed by 16 readable bytes (an `alloc` block is). Ops then
   * take scratch from it instead of the instance's own workspace; a call needing more than `bytes`
   * takes a temporary block for that call (`memoryStats().workspaceHighWater` tells the size that
   * would have sufficed). `null` goes back to the instance's own workspace. The caller keeps
   * ownership: qkern never frees the region.
   */
  useWorkspace(region: { readonly ptr: number; readonly bytes: number } | null): void;
}

/**
 * One qkern instance: a wasm build (`isa`), its memory, and the factories for tensors that live
 * in it. Tensors of different instances cannot be mixed in one op. Get one from `createQkern()`.
 *
 * @example
 * ```ts
 * import { createQkern, quantize } from 'qkern';
 * const qk = await createQkern();
 * const x = qk.tensor(new Float32Array([0.1, -0.5, 2]));
 * const q = quantize(x, { dtype: 'int8', scale: 0.02, zeroPoint: 0 });
 * console.log(qk.isa, q.toArray()); // 'simd128' Int8Array [5, -25, 100]
 * ```
 */
export class Qkern {
  /** Which build runs: `scalar`, `simd128` or `relaxed`. */
  readonly isa: Isa;
  /** @internal */
  readonly rt: Runtime;
  /** The raw-pointer layer (see RawLayer). */
  readonly raw: RawLayer;

  /** @internal */
  constructor(rt: Runtime) {
    this.rt = rt;
    this.isa = rt.isa;
    this.raw = {
      memory: rt.memory,
      alloc: (bytes: number) => rt.alloc(bytes, "raw.alloc"),
      free: (ptr: number) => rt.free(ptr),
      kernel: (name: string) => rt.kernel(name),
      kernels: KERNELS.filter((k) => buildHas(rt.isa, k)),
      useWorkspace: (region) => {
        if (region === null) rt.workspace.trim();
        else rt.workspace.useExternal(region.ptr, region.bytes);
      },
    };
  }

  /**
   * A tensor holding a copy of `values`. The dtype comes from `options.dtype`, else from the
   * typed array (Float32Array → float32, Int32Array → int32, Int8Array → int8, Uint8Array →
   * uint8), else float32. For int4/uint4 pass one value per element; they are packed two per byte.
   * `shape` defaults to `[values.length]`.
   *
   * @example
   * ```ts
   * qk.tensor([1, 2, 3, 4, 5, 6], [2, 3]);                                // float32[2,3]
   * qk.tensor(new Int8Array([-128, 0, 127]), [3], { quant: { scale: 0.1, zeroPoint: 0 } });
   * qk.tensor([-8, 7, 3], [3], { dtype: 'int4', quant: { scale: 0.5 } });
   * ```
   */
  tensor(values: ArrayLike<number>, shape?: readonly number[], options?: TensorOptions & { readonly dtype?: DType }): Tensor {
    const op = "tensor";
    if (values === null || typeof values !== "object" || typeof values.length !== "number") {
      throw new QkernError(op, "values", `must be an array or typed array, got ${String(values)}`);
    }
    const dtype = options?.dtype ?? inferDType(values) ?? "float32";
    if (!isDType(dtype)) throw new QkernError(op, "options.dtype", `unknown dtype ${String(dtype)}`);
    const dims = checkShape(op, shape ?? [values.length]);
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new QkernError(op, "values", `has ${values.length} elements but shape ${describeShape(dtype, dims)} needs ${size}`);
    }
    checkValues(op, dtype, values);
    const t = new Tensor(this, this.rt, dtype, dims, quantFor(op, dtype, dims, options), op, false);
    writeValues(t, values);
    return t;
  }

  /** An uninitialised tensor (contents are whatever the memory held). */
  empty<D extends DType>(dtype: D, shape: readonly number[], options?: TensorOptions): Tensor<D> {
    return this.make("empty", dtype, shape, options, false);
  }

  /** A tensor of zero bytes (integer 0, float +0; the padding nibble of int4 is 0 too). */
  zeros<D extends DType>(dtype: D, shape: readonly number[], options?: TensorOptions): Tensor<D> {
    return this.make("zeros", dtype, shape, options, true);
  }

  /**
   * Threads that run the split ops: 1, or 1 + the workers of a threaded instance
   * (`createQkern({ threads })`, docs/threads.md). Drops to 1 after `dispose()` or if a worker fails.
   *
   * @example
   * ```ts
   * const qk = await createQkern({ threads: 2 });
   * console.log(qk.threads, qk.threadsNote);  // 2 null (or 1 and the reason)
   * qk.dispose();
   * ```
   */
  get threads(): number {
    return this.rt.threads;
  }

  /** Why the instance runs fewer threads than `createQkern` asked for (no SharedArrayBuffer, scalar build, ...), or null. */
  get threadsNote(): string | null {
    return this.rt.threadsNote;
  }

  /**
   * Ends the instance's worker threads (a no-op for one thread). Tensors stay usable; later ops run
   * on the calling thread. The memory itself is released when the instance is no longer referenced.
   *
   * @example
   * ```ts
   * const qk = await createQkern({ threads: 'auto' });
   * // ... ops ...
   * qk.dispose();
   * console.log(qk.threads);  // 1
   * ```
   */
  dispose(): void {
    this.rt.dropPool(this.rt.pool === null ? null : "disposed");
  }

  /** Same as `dispose()`, for `using qk = await createQkern(...)`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Bytes and allocations in use, the scratch workspace, and the reserved linear memory. */
  memoryStats(): MemoryStats {
    return this.rt.stats();
  }

  /**
   * Frees the scratch workspace: ops keep one block of scratch memory between calls (it grows to
   * the largest scratch an op has needed, `memoryStats().workspaceBytes`); the next op allocates it
   * again.
   *
   * @example
   * ```ts
   * const x = qk.tensor(new Float32Array(1024).fill(0.5));
   * quantize(x, { dtype: 'int8', scale: 0.01 });
   * console.log(qk.memoryStats().workspaceBytes > 0);  // true
   * qk.trimWorkspace();
   * console.log(qk.memoryStats().workspaceBytes);      // 0
   * ```
   */
  trimWorkspace(): void {
    this.rt.workspace.trim();
  }

  private make<D extends DType>(op: string, dtype: D, shape: readonly number[], options: TensorOptions | undefined, zeroed: boolean): Tensor<D> {
    if (!isDType(dtype)) throw new QkernError(op, "dtype", `unknown dtype ${String(dtype)}`);
    const dims = checkShape(op, shape);
    return new Tensor(this, this.rt, dtype, dims, quantFor(op, dtype, dims, options), op, zeroed);
  }
}
