// What the packed-weight classes share (PackedGemmWeights, PackedDepthwiseWeights,
// PackedInt4Weights, PackedPalettizedWeights, PackedConvWeights): the instance that owns them, the
// blocks they hold in its memory, liveness, the instance check of the ops, dispose, and a small
// cache of per-call parameter blocks (output-stage params, folded biases) keyed by their inputs.

import { QkernError } from "./errors.js";
import type { Qkern } from "./qkern.js";
import type { Runtime } from "./runtime/runtime.js";

/** Per-call blocks cached on one set of weights at most; beyond, the least recently used is freed. */
export const PARAMS_CACHE_LIMIT = 8;

/** @internal A cached per-call block and when it was last used. */
interface ParamsEntry {
  readonly ptr: number;
  used: number;
}

/**
 * Base of the packed-weight classes. Opaque to users beyond `qk`, `disposed`, `dispose()` and
 * `using`; ops accept only the class their packer returns.
 */
export abstract class PackedWeights {
  /** Instance that owns the packed bytes. */
  readonly qk: Qkern;
  /** @internal */
  readonly rt: Runtime;
  /** @internal The packed bytes (0 once disposed). */
  protected address = 0;
  /** @internal Further blocks owned with the weights (e.g. a bias), freed on dispose. */
  private readonly owned: number[] = [];
  /** @internal Per-call blocks (folded bias, output stage) cached by their inputs, least recently used first. */
  readonly paramsCache = new Map<string, ParamsEntry>();
  /** @internal Recency counter of the cache entries. */
  private clock = 0;
  private alive = true;

  /** @internal */
  protected constructor(qk: Qkern) {
    this.qk = qk;
    this.rt = qk.rt;
  }

  /** @internal What the weights are, for messages: e.g. `packed weights [K=3, N=2]`. */
  protected abstract describe(): string;

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return !this.alive;
  }

  /** @internal Allocates the packed bytes (once, in the constructor). */
  protected allocate(bytes: number, op: string): number {
    this.address = this.rt.alloc(bytes, op);
    return this.address;
  }

  /** @internal Allocates a further block owned by the weights. */
  protected own(bytes: number, op: string): number {
    const ptr = this.rt.alloc(bytes, op);
    this.owned.push(ptr);
    return ptr;
  }

  /** @internal The packed bytes' address; throws if disposed. */
  checkAlive(op: string): number {
    if (!this.alive) throw new QkernError(op, "weights", `${this.describe()} were disposed`);
    return this.address;
  }

  /** @internal Alive, and of the same instance as the op's input `arg` (named `argName`). */
  checkUse(op: string, argName: string, arg: { readonly qk: Qkern }): number {
    const ptr = this.checkAlive(op);
    if (this.qk !== arg.qk) throw new QkernError(op, "weights", `belong to another qkern instance (${this.qk.isa}) than ${argName} (${arg.qk.isa})`);
    return ptr;
  }

  /**
   * @internal The per-call block `key`, made by `make` when missing. Least recently used first out,
   * so that a long-lived network whose parameters change call by call stays bounded; the blocks one
   * call uses are the most recent ones, never evicted during that call. Recency is a counter stamped
   * on the entry (no Map reordering, nothing allocated on a hit).
   */
  cachedParams(key: string, make: () => number): number {
    const cache = this.paramsCache;
    const hit = cache.get(key);
    if (hit !== undefined) {
      hit.used = ++this.clock;
      return hit.ptr;
    }
    const ptr = make();
    if (cache.size >= PARAMS_CACHE_LIMIT) {
      let oldKey = "";
      let oldest: ParamsEntry | undefined;
      for (const [k, e] of cache) {
        if (oldest === undefined || e.used < oldest.used) {
          oldest = e;
          oldKey = k;
        }
      }
      this.rt.free(oldest!.ptr);
      cache.delete(oldKey);
    }
    cache.set(key, { ptr, used: ++this.clock });
    return ptr;
  }

  /**
   * @internal Whether `key` still holds `ptr` in the cache (the memo of a previous call is valid);
   * if so, marks it most recently used as `cachedParams` does. The fast path of the ops' per-call blocks.
   */
  reuseParams(key: string, ptr: number): boolean {
    const hit = this.paramsCache.get(key);
    if (hit === undefined || hit.ptr !== ptr) return false;
    hit.used = ++this.clock;
    return true;
  }

  /** Frees the packed bytes and everything cached with them. Idempotent. */
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.address !== 0) this.rt.free(this.address);
    this.address = 0;
    for (const p of this.owned) this.rt.free(p);
    this.owned.length = 0;
    for (const e of this.paramsCache.values()) this.rt.free(e.ptr);
    this.paramsCache.clear();
    this.onDispose();
  }

  /** @internal Hook for subclasses holding more than memory blocks. */
  protected onDispose(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
