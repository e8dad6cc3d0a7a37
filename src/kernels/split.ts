// How a split op divides its rows among threads (docs/threads.md). A call is split only when each
// thread gets enough work to pay for waking a worker and joining it (measured: 9–30 µs to wake a
// sleeping worker here); every range but the last starts at a multiple of the kernel's row group,
// so each thread runs the same tiles over its rows that one thread would, and the bytes match.

import type { Runtime } from "../runtime/runtime.js";

/**
 * Multiply-adds per thread below which an int8 GEMM is not split. Measured at 2 threads on a loaded
 * 2-core machine (docs/threads.md): 1–2 M MACs in all ran 0.2–0.6× (waking the worker costs more
 * than it saves), 3 M about 0.5–1.2×, 4 M and more 1.7–2.1×; so a split needs 2 M per thread.
 */
export const GEMM_SPLIT_MACS = 1 << 21;

/** @internal Tests: the per-thread work below which calls stay on the calling thread (default GEMM_SPLIT_MACS). */
export const splitThreshold = { gemmMacs: GEMM_SPLIT_MACS };

/**
 * Row ranges [r0, r1) covering `rows` for up to `rt.threads` threads, each of at least
 * `minWorkPerThread` units of `workPerRow`; starts are multiples of `align`. One range when the
 * instance has one thread or the call is small.
 */
export function splitRows(rt: Runtime, rows: number, align: number, workPerRow: number, minWorkPerThread: number): Array<[number, number]> {
  const groups = Math.ceil(rows / align);
  const byWork = minWorkPerThread <= 0 ? groups : Math.floor((rows * workPerRow) / minWorkPerThread);
  const parts = Math.max(1, Math.min(rt.threads, groups, byWork));
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < parts; i++) {
    ranges.push([Math.floor((i * groups) / parts) * align, Math.min(rows, Math.floor(((i + 1) * groups) / parts) * align)]);
  }
  return ranges;
}
