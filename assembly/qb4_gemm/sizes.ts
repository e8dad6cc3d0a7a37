// Layout sizes of qb4_gemm (layout.ts), exported so that TypeScript (src/kernels/qb4_gemm.ts) never
// repeats them.

import { packedBytes } from "./layout";

/** Bytes of int4 weights [K, N] with block size bs packed by qb4_gemm_packw (group blocks, then the qsum table). */
export function qb4_gemm_packed_bytes__scalar(k: u32, n: u32, bs: u32): usize {
  return packedBytes(n, k, bs);
}

/**
 * Bytes of one piece of the packed activations of M rows (layout.ts): piece 0 = a16 (int16), 1 = a8
 * (int8), 2 = asum and 3 = ascale (one 32-bit value per row and block), 4 = azp (one i32 per row).
 */
export function qb4_gemm_packa_bytes__scalar(m: u32, k: u32, bs: u32, piece: u32): usize {
  const nb = <usize>((k + bs - 1) / bs);
  const kp = nb * bs;
  if (piece == 0) return <usize>m * kp * 2;
  if (piece == 1) return <usize>m * kp;
  if (piece == 2 || piece == 3) return <usize>m * nb * 4;
  return <usize>m * 4;
}

/** Bytes of the decode buffer of the 4×8 tile: all of K of 8 columns as int16 pairs, then 8 scales and zero points per block. */
export function qb4_gemm_decoded_bytes__scalar(k: u32, bs: u32): usize {
  const nb = <usize>((k + bs - 1) / bs);
  return nb * bs * 16 + nb * 32;
}
