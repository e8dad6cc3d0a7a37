// Packed layouts of the int8 GEMM (C[M,N] = A[M,K] · B[K,N]), shared by the packers and every
// kernel of the family. Zero points are removed while packing, and unsigned data is moved to the
// signed domain, so one signed kernel serves all four signedness combinations:
//
// Packed A (per call): A'[m,k] = A[m,k] − za[m] as int16 (|A'| ≤ 255), K padded to Kp = K rounded
//   up to 2 with zeros, rows in groups of MR = 4 (missing rows are zeros). Group g occupies
//   Kp·8 bytes; its K pair p (16 bytes) holds, for rows r = 0..3, the int16 pair
//   (A'[4g+r, 2p], A'[4g+r, 2p+1]) at byte 16p + 4r — so one `load32_splat` broadcasts a row's
//   pair to all lanes. Row sums Σk A'[m,k] go to a separate int32 array (one per padded row).
//
// Packed B (once, by packw): columns in blocks of NR = 8 (missing columns are zeros). Block j
//   occupies BLOCK_HEADER + Kp·8 bytes:
//     i32 bias[8]   at 0     the int32 bias of columns 8j..8j+7 (0 without bias)
//     i32 zb[8]     at 32    B's zero point per column, in the signed domain (zb − 128 for uint8)
//     i8  w[Kp/2][8][2] at 64 for K pair p, column c: (B's[2p, 8j+c], B's[2p+1, 8j+c]) where
//                          B's = B for int8 and B ^ 0x80 (= B − 128) for uint8
//   `v128.load8x8_s` of 8 bytes widens 4 columns' pairs to int16, ready for `i32x4.dot_i16x8_s`.
//
// The accumulator of row m, column n is then
//   acc = Σk A'[m,k]·B's[k,n] − zb[n]·rowsum[m] + bias[n]  =  Σk (A−za)(B−zb) + bias,
// exact in wrapping int32 arithmetic whenever the true value fits int32 (the op refuses K where it
// may not). Pair products never overflow dot_i16x8_s: |2 · 255 · 128| < 2^31.

// @ts-ignore: decorator
@inline export const MR: u32 = 4;
// @ts-ignore: decorator
@inline export const NR: u32 = 8;
// @ts-ignore: decorator
@inline export const BLOCK_HEADER: usize = 64;

/** Bytes of one packed B block of 8 columns. */
// @ts-ignore: decorator
@inline export function blockBytes(kp: usize): usize {
  return BLOCK_HEADER + (kp << 3);
}

/** Bytes of one packed A group of 4 rows. */
// @ts-ignore: decorator
@inline export function groupBytes(kp: usize): usize {
  return kp << 3;
}
