// Packed layouts of the GEMM with 7-bit ("reduce range") weights, C[M,N] = A[M,K] · B[K,N], for
// the relaxed-SIMD kernels. B holds int8 values in [−64, 63] or uint8 values in [0, 127] (the
// caller checks); A is any int8/uint8.
//
// The relaxed dot `i16x8.relaxed_dot_i8x16_i7x16_s(a, b)` is deterministic only when every lane of
// b is in 0..127, so the weights are stored offset into that range, B'' = B + 64 (int8) or B
// (uint8), and A is stored as a plain int8 (no zero point removed: A − za may need 9 bits):
//
// Packed A (per call): A_s[m,k] = A (int8) or A ^ 0x80 = A − 128 (uint8), K padded to Kq = K
//   rounded up to 4 with zeros, rows in groups of MR = 4 (missing rows are zeros). Group g
//   occupies Kq·4 bytes; its K quad q (16 bytes) holds, for rows r = 0..3, the 4 bytes
//   A_s[4g+r, 4q..4q+3] at byte 16q + 4r — one `load32_splat` broadcasts a row's quad.
//   Beside it, at `rowsums` (R = rows rounded up to 4):
//     i32 rs[R]      Σk (A_s − za_s) per row (za_s = za, or za − 128 for uint8)
//     i32 za[R]      za_s per row
//     i32 part[R][8] scratch: partial sums of the GEMM kernel between K chunks
//
// Packed B (once, by packw): columns in blocks of NR = 8 (missing columns are zeros). Block j
//   occupies BLOCK_HEADER + Kq·8 bytes:
//     i32 bias[8]    at 0    the int32 bias of columns 8j..8j+7 (0 without bias)
//     i32 zb[8]      at 32   B's zero point per column, offset like B'' (zb + 64, or zb for uint8)
//     i32 colsum[8]  at 64   Σk B''[k, col]
//     i8  w[Kq/4][2][4][4] at 96: for K quad q, columns 0..3 then 4..7, 4 bytes (K = 4q..4q+3)
//                          per column: B''[4q..4q+3, col], zero beyond K
//
// Then (A − za)(B − zb) = (A_s − za_s)(B'' − zb''), and summed over k
//   acc = Σk A_s·B'' − zb''·rs − za_s·colsum + bias,
// exact in wrapping int32 arithmetic whenever the true value fits int32 (the op refuses K where it
// may not).

// @ts-ignore: decorator
@inline export const BLOCK_HEADER: usize = 96;

/** Bytes of one packed B block of 8 columns. */
// @ts-ignore: decorator
@inline export function blockBytes(kq: usize): usize {
  return BLOCK_HEADER + (kq << 3);
}

/** Bytes of one packed A group of 4 rows. */
// @ts-ignore: decorator
@inline export function groupBytes(kq: usize): usize {
  return kq << 2;
}
