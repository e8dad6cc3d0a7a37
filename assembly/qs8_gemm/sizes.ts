// Layout sizes of qs8_gemm, exported so that TypeScript (src/kernels/qs8_gemm.ts) never repeats
// the arithmetic of layout.ts.

import { MR, NR, blockBytes, groupBytes } from "./layout";

/** Bytes of B [K, N] packed by qs8_gemm_packw. */
export function qs8_gemm_packed_bytes__scalar(k: u32, n: u32): usize {
  return <usize>((n + NR - 1) / NR) * blockBytes(<usize>(k + (k & 1)));
}

/** Bytes of A [M, K] packed by qs8_gemm_packa (rows in groups of MR, K pairs). */
export function qs8_gemm_packa_bytes__scalar(m: u32, k: u32): usize {
  return <usize>((m + MR - 1) / MR) * groupBytes(<usize>(k + (k & 1)));
}

/** Bytes of the row sums qs8_gemm_packa writes beside packed A (one i32 per row, rows padded to MR). */
export function qs8_gemm_rowsums_bytes__scalar(m: u32): usize {
  return <usize>((m + MR - 1) / MR) * MR * 4;
}
