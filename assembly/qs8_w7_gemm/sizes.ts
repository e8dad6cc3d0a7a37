// Layout sizes of qs8_w7_gemm, exported so that TypeScript (src/kernels/qs8_w7_gemm.ts) never
// repeats the arithmetic of layout.ts.

import { blockBytes, groupBytes } from "./layout";

/** Bytes of 7-bit B [K, N] packed by qs8_w7_gemm_packw (blocks of 8 columns, K quads). */
export function qs8_w7_gemm_packed_bytes__relaxed(k: u32, n: u32): usize {
  return <usize>((n + 7) >> 3) * blockBytes(<usize>((k + 3) & ~3));
}

/** Bytes of A [M, K] packed by qs8_w7_gemm_packa (rows in groups of 4, K quads). */
export function qs8_w7_gemm_packa_bytes__relaxed(m: u32, k: u32): usize {
  return <usize>((m + 3) >> 2) * groupBytes(<usize>((k + 3) & ~3));
}

/** Bytes of the per-row side arrays beside packed A: row sums, zero points and 8 partial sums per row. */
export function qs8_w7_gemm_rowsums_bytes__relaxed(m: u32): usize {
  return <usize>((m + 3) & ~3) * 40;
}
