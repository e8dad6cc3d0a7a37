// The one object that touches a WebAssembly instance: exports, linear memory, typed views that
// are re-taken after memory growth, allocation and statistics. Everything else calls it. The
// instance may also be the wasm2js translation of the scalar build (`qkern/js`), whose exports
// have the same names and whose memory has the same `buffer` and `grow`.

import { QkernError } from "../errors.js";
import { GUARD_BYTES, Guards } from "./guard.js";
import type { Isa } from "./load.js";
import type { ThreadPool } from "./pool.js";
import { Workspace } from "./workspace.js";

/** A kernel export: raw pointers and integers in, nothing or a number out. */
export type KernelFn = (...args: number[]) => number | void;

/**
 * Linear memory as the runtime uses it: a `WebAssembly.Memory`, or its stand-in in the JavaScript
 * build (`qkern/js`). `buffer` is replaced (and earlier views detach or go stale) when it grows.
 */
export interface LinearMemory {
  /** The current memory; a new ArrayBuffer after each growth. */
  readonly buffer: ArrayBuffer;
  /** Grows by `delta` 64 KiB pages; returns the previous size in pages. */
  grow(delta: number): number;
}

interface CoreExports {
  readonly memory: LinearMemory;
  qk_alloc(size: number): number;
  qk_free(ptr: number): void;
  qk_bytes_in_use(): number;
  qk_live_blocks(): number;
  qk_isa(): number;
  qk_selftest(): number;
}

/** Memory accounting of one instance, from `qk.memoryStats()`. */
export interface MemoryStats {
  /** Payload bytes held by live tensors, packed weights, cached per-call parameters and in-flight scratch (not the workspace). */
  readonly bytesInUse: number;
  /** Live allocations (not counting the workspace's block). */
  readonly allocations: number;
  /**
   * Bytes the scratch workspace keeps between calls (it grows to the largest scratch an op has
   * needed and is reused; `qk.trimWorkspace()` frees it). 0 while it uses a caller's region.
   */
  readonly workspaceBytes: number;
  /** The largest scratch any op call (nested calls included) has needed so far: the size a caller's workspace region would need. */
  readonly workspaceHighWater: number;
  /** Size of the instance's linear memory (it grows on demand and never shrinks). */
  readonly bytesReserved: number;
}

/** Largest single allocation (the TLSF allocator's block limit, minus header and slack). */
export const MAX_ALLOCATION = 2 ** 30 - 64;

const ISA_CODES: readonly Isa[] = ["scalar", "simd128", "relaxed"];

/** Typed views over linear memory, valid until the memory grows. */
export interface Views {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
}

/**
 * The runtime of one instance. Not exported from any entry point (internal API), but kept in the
 * declarations because internal modules' signatures name it.
 */
export class Runtime {
  readonly isa: Isa;
  readonly memory: LinearMemory;
  private readonly core: CoreExports;
  private readonly exportsByName: Record<string, unknown>;
  private cachedBuffer: ArrayBuffer | undefined;
  private cachedViews: Views | undefined;
  /** Guard mode (src/runtime/guard.ts): guard bytes around every block, checked around every kernel call. */
  readonly guards: Guards | null;
  private readonly guardedKernels = new Map<string, KernelFn>();
  /** Scratch memory of this instance's calls (src/runtime/workspace.ts). */
  readonly workspace: Workspace;
  /** The worker pool of a threaded instance (src/runtime/pool.ts); null: one thread. */
  pool: ThreadPool | null = null;
  /** Why the instance runs fewer threads than asked, or null. */
  threadsNote: string | null = null;
  /** Bytes and blocks of the workers' kernel scratch (left out of the statistics, like the workspace). */
  private threadBytes = 0;
  private threadBlocks = 0;

  /** `exports`: a WebAssembly instance's exports, or those of the wasm2js build. `guard`: guard mode. */
  constructor(exports: Record<string, unknown>, guard = false) {
    this.guards = guard ? new Guards(() => this.views().u8) : null;
    this.exportsByName = exports;
    this.core = exports as unknown as CoreExports;
    this.memory = this.core.memory;
    if (typeof this.core.qk_isa !== "function" || typeof this.memory?.buffer !== "object") {
      throw new QkernError("createQkern", "module", "not a qkern build (no qk_isa export or memory)");
    }
    const code = this.core.qk_isa();
    const isa = ISA_CODES[code];
    if (isa === undefined) throw new QkernError("createQkern", "module", `not a qkern build (isa code ${code})`);
    this.isa = isa;
    this.workspace = new Workspace(this);
  }

  /** Typed views of the whole memory, re-created whenever growth replaced the buffer. */
  views(): Views {
    const buffer = this.memory.buffer;
    if (buffer !== this.cachedBuffer || this.cachedViews === undefined) {
      this.cachedBuffer = buffer;
      this.cachedViews = {
        u8: new Uint8Array(buffer),
        i8: new Int8Array(buffer),
        i32: new Int32Array(buffer),
        f32: new Float32Array(buffer),
        f64: new Float64Array(buffer),
      };
    }
    return this.cachedViews;
  }

  /**
   * Allocates 16-byte aligned memory followed by 16 readable bytes. `what` (e.g. the tensor's
   * `float32[2,3]`) ends the error message when the request is refused.
   */
  alloc(bytes: number, op: string, what?: string): number {
    const suffix = what === undefined ? "" : ` for ${what}`;
    const guards = this.guards;
    const limit = guards ? MAX_ALLOCATION - 2 * GUARD_BYTES : MAX_ALLOCATION;
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > limit) {
      throw new QkernError(op, "size", `cannot allocate ${bytes} bytes (limit ${limit})${suffix}`);
    }
    try {
      if (guards) return guards.place(this.core.qk_alloc(bytes + 2 * GUARD_BYTES) >>> 0, bytes);
      return this.core.qk_alloc(bytes) >>> 0;
    } catch (e) {
      throw new QkernError(op, "size", `out of memory: linear memory (${this.memory.buffer.byteLength} bytes) cannot grow to hold ${bytes} more bytes${suffix} ` +
        `(wasm32 memory ends at 4 GiB, and the engine may allow less): ${(e as Error).message}`);
    }
  }

  /** A worker's kernel scratch block (assembly/common/threads.ts): never guarded, never freed, not in the statistics. */
  allocThreadScratch(bytes: number): number {
    const ptr = this.core.qk_alloc(bytes) >>> 0;
    this.threadBytes += bytes;
    this.threadBlocks++;
    return ptr;
  }

  /** Threads that run kernels: the calling thread plus the pool's workers. */
  get threads(): number {
    return this.pool === null ? 1 : this.pool.size + 1;
  }

  /** Ends the worker pool (dispose, or a worker failed): the instance goes on with one thread. */
  dropPool(note: string | null): void {
    const pool = this.pool;
    this.pool = null;
    if (note !== null) this.threadsNote = note;
    pool?.dispose();
  }

  /**
   * Runs the kernel export `name` once per argument list, each list on its own thread (the first
   * on this one) when the instance has a pool, else all here in order. The lists must write
   * disjoint memory. At most `threads` lists.
   */
  parallel(op: string, name: string, argLists: readonly (readonly number[])[]): void {
    const pool = this.pool;
    if (pool === null || argLists.length < 2) {
      const fn = this.kernel(name);
      for (const a of argLists) fn(...a);
      return;
    }
    const own = this.exportsByName[name] as KernelFn;
    const guards = this.guards;
    const before = guards?.snapshot();
    pool.run(op, name, own, argLists);
    if (guards) guards.compare(before!, name);
  }

  free(ptr: number): void {
    this.core.qk_free(this.guards ? this.guards.release(ptr) : ptr);
  }

  stats(): MemoryStats {
    const ws = this.workspace;
    const own = ws.ownsBlock ? 1 : 0;
    return {
      bytesInUse: (this.core.qk_bytes_in_use() >>> 0) - (this.guards ? 2 * GUARD_BYTES * this.guards.count : 0) - ws.reservedBytes - this.threadBytes,
      allocations: (this.core.qk_live_blocks() >>> 0) - own - this.threadBlocks,
      workspaceBytes: ws.reservedBytes,
      workspaceHighWater: ws.highWaterBytes,
      bytesReserved: this.memory.buffer.byteLength,
    };
  }

  has(name: string): boolean {
    return typeof this.exportsByName[name] === "function";
  }

  /** A kernel export by its full name (`family_variant__isa`). */
  kernel(name: string): KernelFn {
    const fn = this.exportsByName[name];
    if (typeof fn !== "function") {
      throw new QkernError("kernel", "name", `the ${this.isa} build has no kernel '${name}'`);
    }
    const guards = this.guards;
    if (!guards) return fn as KernelFn;
    let checked = this.guardedKernels.get(name);
    if (!checked) {
      checked = (...args: number[]): number | void => {
        const before = guards.snapshot();
        const result = (fn as KernelFn)(...args);
        guards.compare(before, name);
        return result;
      };
      this.guardedKernels.set(name, checked);
    }
    return checked;
  }

  selftest(): number {
    return this.core.qk_selftest() >>> 0;
  }
}
