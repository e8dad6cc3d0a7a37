// Activation arena planning, shared by every graph runner: one allocation holds every intermediate
// tensor of a network, and tensors whose lifetimes do not overlap share bytes. Greedy by size (the
// strategy of TFLite's and XNNPACK's planners, written here from the idea): the largest tensor goes
// first at offset 0, each next one at the lowest aligned offset that no already placed tensor with
// an overlapping lifetime occupies. Pure arithmetic: the runner makes the views.

/** One tensor to place: its bytes and the steps it lives through (`first` writes it, `last` reads it last; inclusive). */
export interface ArenaRequest {
  readonly bytes: number;
  readonly first: number;
  readonly last: number;
}

/** Offsets (by request) and the arena's total bytes. */
export interface ArenaPlan {
  readonly offsets: readonly number[];
  readonly bytes: number;
  /** Bytes the requests would take without sharing (for reports). */
  readonly unshared: number;
}

/** Alignment of every slot (a cache line; kernels need 16). */
export const ARENA_ALIGN = 64;

const align = (n: number): number => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/** Places `requests` so that no two with overlapping lifetimes share a byte. */
export function planArena(requests: readonly ArenaRequest[]): ArenaPlan {
  const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.bytes - requests[a]!.bytes || requests[a]!.first - requests[b]!.first);
  const offsets = new Array<number>(requests.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const r = requests[i]!;
    const size = align(Math.max(r.bytes, 1));
    // The live neighbours, by offset: take the first gap that fits.
    const clash = placed.filter((j) => requests[j]!.first <= r.last && r.first <= requests[j]!.last).sort((a, b) => offsets[a]! - offsets[b]!);
    let at = 0;
    for (const j of clash) {
      if (at + size <= offsets[j]!) break;
      at = Math.max(at, offsets[j]! + align(Math.max(requests[j]!.bytes, 1)));
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + size);
  }
  return { offsets, bytes: total, unshared: requests.reduce((s, r) => s + align(Math.max(r.bytes, 1)), 0) };
}
