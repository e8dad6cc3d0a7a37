// Layout size of f32_gemm (scalar.ts: blocks of 8 columns, the bias then K rows of 8 floats),
// exported so that TypeScript (src/kernels/f32_gemm.ts) never repeats it.

/** Bytes of float32 B [K, N] packed by f32_gemm_packw. */
export function f32_gemm_packed_bytes__scalar(k: u32, n: u32): usize {
  return <usize>((n + 7) >> 3) * (<usize>(k + 1) << 5);
}
