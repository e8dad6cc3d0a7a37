// Layout sizes of qs8_spmm (pack.ts), exported so that TypeScript (src/kernels/qs8_spmm.ts) never
// repeats them.

/** Bytes of sparse B with N columns and `blocks` nonzero 1×4 blocks (qs8_spmm_count): 16-byte column headers, 12 bytes a block. */
export function qs8_spmm_packed_bytes__scalar(n: u32, blocks: u32): usize {
  return <usize>n * 16 + <usize>blocks * 12;
}

/** Bytes of A [M, K] packed by qs8_spmm_packa (rows in groups of 8, K padded to 4). */
export function qs8_spmm_packa_bytes__scalar(m: u32, k: u32): usize {
  return <usize>((m + 7) >> 3) * 8 * <usize>((k + 3) & ~3);
}

/** Bytes of one row of A packed by qs8_spmm_packa1 (int16, K padded to 4). */
export function qs8_spmm_packa1_bytes__scalar(k: u32): usize {
  return <usize>((k + 3) & ~3) * 2;
}
