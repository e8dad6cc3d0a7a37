// Per-instance scratch memory for the bindings (packed activations, im2col rows, depthwise zero
// rows, ...): one block of linear memory that grows to the largest request and is reused call
// after call, instead of an allocation and a free per call. Requests nest like a stack (an op may
// call another op while it holds scratch). A request that does not fit while an outer one is
// active gets a temporary block of its own, and the next top-level request grows the workspace to
// the high-water mark. A host runtime can hand in a region of its own (`useExternal`); qkern then
// never frees or grows it, and a request larger than the region takes a temporary block.
//
// Guard mode gives every piece its own guarded allocation, so that a kernel writing past one
// piece into the next is caught (in one shared block it would not be).
//
// A workspace belongs to one thread: when ops run on several threads, each gets its own.

/** What the workspace needs of its runtime: allocation, and whether guard mode is on. */
export interface WorkspaceHost {
  alloc(bytes: number, op: string): number;
  free(ptr: number): void;
  readonly guards: object | null;
}

/** Bytes the workspace grows by at least, so that slowly growing requests do not reallocate every call. */
const MIN_GROWTH = 64 * 1024;

/** Consecutive 16-byte aligned pieces of the given sizes from `start`. */
function carve(start: number, sizes: readonly number[]): number[] {
  const ptrs = new Array<number>(sizes.length);
  let at = start;
  for (let i = 0; i < sizes.length; i++) {
    ptrs[i] = at;
    at += Math.ceil(sizes[i]! / 16) * 16;
  }
  return ptrs;
}

export class Workspace {
  private base = 0;
  private capacity = 0;
  private top = 0;
  private external = false;
  /** Largest total (nested requests included) asked for so far. */
  private highWater = 0;

  constructor(private readonly rt: WorkspaceHost) {}

  /** Bytes reserved by the workspace itself (0 when it uses a caller's region). */
  get reservedBytes(): number {
    return this.external ? 0 : this.capacity;
  }

  /** Whether the workspace holds an allocation of its own (one block, counted apart in the statistics). */
  get ownsBlock(): boolean {
    return !this.external && this.base !== 0;
  }

  /** The largest scratch total any call (nested calls included) has needed so far. */
  get highWaterBytes(): number {
    return this.highWater;
  }

  /**
   * Runs `fn` with 16-byte aligned pieces of the given sizes (0 is allowed: the piece then has no
   * bytes of its own). The pieces are valid until `fn` returns; `fn` may nest further requests.
   */
  with<T>(op: string, sizes: readonly number[], fn: (ptrs: number[]) => T): T {
    const rt = this.rt;
    if (rt.guards) return this.guarded(op, sizes, fn);
    let total = 0;
    for (let i = 0; i < sizes.length; i++) total += Math.ceil(sizes[i]! / 16) * 16; // not (s + 15) & ~15: sizes may exceed 2^31 (then alloc refuses them)
    const end = this.top + total;
    if (end > this.highWater) this.highWater = end;
    if (this.top === 0 && !this.external && (end > this.capacity || this.base === 0 || this.capacity < this.highWater)) this.grow(op, total);
    if (end <= this.capacity) {
      const saved = this.top;
      const ptrs = carve(this.base + saved, sizes);
      this.top = end;
      try {
        return fn(ptrs);
      } finally {
        this.top = saved;
      }
    }
    // Nested request that does not fit, or a caller's region that is too small: a block for this call.
    const block = rt.alloc(total, op);
    try {
      return fn(carve(block, sizes));
    } finally {
      rt.free(block);
    }
  }

  /** Frees the workspace's own block (the next request allocates again). Not while a request is active. */
  trim(): void {
    if (this.top !== 0) throw new Error("qkern internal: workspace trimmed while in use");
    if (!this.external && this.base !== 0) this.rt.free(this.base);
    this.base = 0;
    this.capacity = 0;
    this.external = false;
  }

  /** Uses the caller's region [ptr, ptr + bytes) from now on (null: back to a block of qkern's own). */
  useExternal(ptr: number, bytes: number): void {
    this.trim();
    this.base = ptr;
    this.capacity = bytes;
    this.external = true;
  }

  private grow(op: string, total: number): void {
    const want = Math.max(total, this.highWater, this.capacity + MIN_GROWTH);
    const bytes = Math.ceil(want / MIN_GROWTH) * MIN_GROWTH;
    if (this.base !== 0) this.rt.free(this.base);
    this.base = 0;
    this.capacity = 0;
    let ptr: number;
    let got = bytes;
    try {
      ptr = this.rt.alloc(bytes, op);
    } catch {
      // The rounded size is refused (allocation limit, or memory cannot grow that far): the exact size may not be.
      got = total;
      ptr = this.rt.alloc(total, op);
    }
    this.base = ptr;
    this.capacity = got;
  }

  private guarded<T>(op: string, sizes: readonly number[], fn: (ptrs: number[]) => T): T {
    const ptrs: number[] = [];
    try {
      for (const s of sizes) ptrs.push(this.rt.alloc(s, op));
      return fn(ptrs);
    } finally {
      for (const p of ptrs) this.rt.free(p);
    }
  }
}
