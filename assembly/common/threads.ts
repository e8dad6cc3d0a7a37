// Per-thread scratch of the threaded builds (simd128-mt, relaxed-mt). Kernels keep small
// fixed-address scratch in static memory (`memory.data`: tap pointers, output-stage constants,
// staging for partial stores). In a threaded build every wasm instance (the owning thread's and
// each worker's) shares one memory, so each worker relocates that scratch: the owning thread
// allocates one block of `qk_thread_scratch_bytes()` per worker and the worker calls
// `qk_set_thread_scratch(block)` once; a scratch address `a` (an offset below __heap_base) is then
// `block + a`. Globals are per instance, so the shift is per thread. The owning thread keeps shift
// 0 (the static area itself). In the single-thread builds `perThread` is the identity at compile
// time, so their code is unchanged.

let scratchShift: usize = 0;

/** A static scratch address as seen by this thread. */
// @ts-ignore: decorator
@inline export function perThread(addr: usize): usize {
  if (ASC_FEATURE_THREADS) return addr + scratchShift;
  return addr;
}

/** Bytes of one worker's scratch block: the whole static area, so every `memory.data` scratch fits. */
export function qk_thread_scratch_bytes(): usize {
  return __heap_base;
}

/** Sets this instance's scratch block (called once by each worker, never by the owning thread). */
export function qk_set_thread_scratch(block: usize): void {
  scratchShift = block;
}
