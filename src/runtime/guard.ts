// Guard mode (`createQkern({ guard: true })`), a debugging aid for out-of-bounds writes by kernels:
// every allocation gets GUARD_BYTES on both sides, filled with a known pattern, and its payload (up
// to POISON_LIMIT bytes, so that huge tensors stay cheap) is filled with POISON, so that nothing may
// rely on fresh memory being zero. Around every kernel call the runtime snapshots the guard bytes
// of every live block and compares them afterwards: a kernel that changed one throws a QkernError
// with op `guard`, naming the kernel. Kernels may read the 16 bytes past a buffer (guard bytes
// here), never write them. JavaScript may write there between calls (tests put sentinels in the
// readable slack), so guards are compared across kernel calls, not against the pattern. Freeing a
// pointer that is not live (a double free) throws too.

import { QkernError } from "../errors.js";

/** Guard bytes on each side of every allocation (a multiple of 16 keeps payloads aligned). */
export const GUARD_BYTES = 64;
/** Fill of fresh payloads in guard mode. */
export const POISON = 0xcd;
/** Payloads larger than this are not poisoned (filling them would cost more than the calls). */
export const POISON_LIMIT = 1 << 20;

/** Expected value of guard byte i (0..2·GUARD_BYTES − 1): varies with position, never POISON. */
function pattern(i: number): number {
  const v = (0xa5 + 97 * i) & 255;
  return v === POISON ? 0x5a : v;
}

/** The live guarded blocks of one instance. */
export class Guards {
  /** Payload pointer → payload bytes. */
  private readonly live = new Map<number, number>();
  /** Kernel calls checked, and guard bytes compared, so far. */
  calls = 0;
  bytesCompared = 0;

  constructor(private readonly bytes: () => Uint8Array) {}

  /** Number of live guarded blocks. */
  get count(): number {
    return this.live.size;
  }

  /** Lays out a block allocated at `base` for `size` payload bytes; returns the payload pointer. */
  place(base: number, size: number): number {
    const u8 = this.bytes();
    const ptr = base + GUARD_BYTES;
    for (let i = 0; i < GUARD_BYTES; i++) {
      u8[base + i] = pattern(i);
      u8[ptr + size + i] = pattern(GUARD_BYTES + i);
    }
    if (size <= POISON_LIMIT) u8.fill(POISON, ptr, ptr + size);
    this.live.set(ptr, size);
    return ptr;
  }

  /** Forgets the block at `ptr`; returns the pointer the allocator handed out. */
  release(ptr: number): number {
    if (!this.live.delete(ptr)) throw new QkernError("guard", "free", `pointer ${ptr} is not a live allocation (freed twice, or never allocated)`);
    return ptr - GUARD_BYTES;
  }

  /** The guard bytes of every live block, in order (taken before a kernel call). */
  snapshot(): Uint8Array {
    const u8 = this.bytes();
    const out = new Uint8Array(2 * GUARD_BYTES * this.live.size);
    let at = 0;
    for (const [ptr, size] of this.live) {
      out.set(u8.subarray(ptr - GUARD_BYTES, ptr), at);
      out.set(u8.subarray(ptr + size, ptr + size + GUARD_BYTES), at + GUARD_BYTES);
      at += 2 * GUARD_BYTES;
    }
    return out;
  }

  /** Compares the guard bytes with a snapshot taken before `kernel` ran; throws on the first change. */
  compare(before: Uint8Array, kernel: string): void {
    this.calls++;
    this.bytesCompared += before.length;
    const u8 = this.bytes();
    let at = 0;
    for (const [ptr, size] of this.live) {
      for (let i = 0; i < GUARD_BYTES; i++) {
        const low = u8[ptr - GUARD_BYTES + i]!;
        if (low !== before[at + i]) this.fail(kernel, ptr, size, `byte ${i - GUARD_BYTES} (before the block) changed from ${before[at + i]} to ${low}`);
        const high = u8[ptr + size + i]!;
        if (high !== before[at + GUARD_BYTES + i]) this.fail(kernel, ptr, size, `byte +${i} past its end changed from ${before[at + GUARD_BYTES + i]} to ${high}`);
      }
      at += 2 * GUARD_BYTES;
    }
  }

  private fail(kernel: string, ptr: number, size: number, detail: string): never {
    throw new QkernError("guard", kernel, `out-of-bounds write around the ${size}-byte block at ${ptr}: ${detail}`);
  }
}
