// Allocation for tensors and packed weights, over the TLSF allocator of AssemblyScript's
// `minimal` runtime (which reuses freed blocks; the `stub` runtime would not).
//
// Every block handed out is laid out as
//   [16-byte header: u32 payload size, 12 bytes unused][payload][16 readable slack bytes]
// TLSF returns 16-byte aligned pointers, so the payload is 16-byte aligned too, and any kernel may
// read (never write) up to 16 bytes past the end of a buffer it was given.
// The header lets `qk_free` keep exact statistics without trusting the caller's size.

const HEADER: usize = 16;
const SLACK: usize = 16;

let bytesInUse: usize = 0;
let liveBlocks: u32 = 0;

/** Allocates `size` bytes (16-byte aligned, followed by 16 readable bytes); returns the pointer. */
export function qk_alloc(size: usize): usize {
  const base = heap.alloc(HEADER + size + SLACK);
  store<u32>(base, <u32>size);
  bytesInUse += size;
  liveBlocks += 1;
  return base + HEADER;
}

/** Frees a pointer returned by `qk_alloc`. */
export function qk_free(ptr: usize): void {
  const base = ptr - HEADER;
  bytesInUse -= <usize>load<u32>(base);
  liveBlocks -= 1;
  heap.free(base);
}

/** Payload bytes currently allocated through `qk_alloc`. */
export function qk_bytes_in_use(): usize {
  return bytesInUse;
}

/** Number of blocks currently allocated through `qk_alloc`. */
export function qk_live_blocks(): u32 {
  return liveBlocks;
}

/** Which build this is: 0 = scalar, 1 = simd128, 2 = relaxed. */
export function qk_isa(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 2;
  if (ASC_FEATURE_SIMD) return 1;
  return 0;
}
