// Layouts of the block-wise 4-bit GEMM (qb4_gemm: weights q in 0..15 with a zero point and a
// float scale per (column, block of K); activations int8, dynamically quantized per block or per
// row). All kernels of the family and the packers share them.
//
// Packed weights (once): columns in groups of 4; for each group, each K block b of BS values
// (BS in 32, 64, 128, ... — any multiple of 32; "per channel" is one block of K rounded up):
//   f32 scale[4]        weight scale of the 4 columns for block b
//   i32 zq[4]           weight zero point (0..15)
//   BS/8 octets of 16 bytes, the 4 columns interleaved: octet o covers K = k0 .. k0+7 (k0 = b·BS + 8o);
//     16-bit lane L = 2c + e (column c = 0..3, e = 0..1) holds four nibbles, nibble j (bits 4j..4j+3)
//     = q[c][k0 + 2j + e]. So (v & 0xF), (v >> 4 & 0xF), (v >> 8 & 0xF), (v >>> 12) are K pairs
//     0..3 of the 4 columns as int16 pairs, the operand layout of i32x4.dot_i16x8_s against a
//     splatted activation pair (lane c of the dot = column c: no horizontal sums), and the int8
//     GEMM's packed-B layout (the 4×8 tile decodes with masks and shifts only). As bytes, lane L is
//     (q[2j'+e] | q[2+2j'+e] << 4) for j' = 0, 2: the low nibbles of bytes 4c..4c+3 are column c's
//     K 0, 4, 1, 5 and the high nibbles K 2, 6, 3, 7 — the operand of the relaxed 4-byte dot.
//   Missing columns have scale 0 and q = zq; K past the end has q = zq.
// Order of the group blocks: K in chunks of CB = max(1, 4096 / BS) blocks; chunk by chunk, group by
// group, the group's blocks of that chunk (so one pass over all columns for one chunk of K reads one
// contiguous stretch while the chunk's activations stay in L1). With K ≤ 4096 (or one block) this
// is simply group-major: block (g, b) at (g·nb + b) group blocks. blockAt() gives the address.
// Group-block bytes: 32 + 4·BS/2. After all groups, a side table
//   i32 qsum[group][block][4]   Σ over the block of (q − zq), for the activation zero-point
//                               correction (read only when the activations have a nonzero zero point)
// (0.875 bytes per weight at BS = 32, 0.59 at BS = 128.)
//
// Packed activations (per call): per row, K rounded up to BS, with
//   a16: int16 a in natural order (pairs (a[2p], a[2p+1]) are one splat), for the simd128 and scalar
//        kernels; the simd128 one-row kernel rescales it in place (dot4x256 in simd128_1x4c32.ts)
//   a8:  int8 a, each octet permuted to a[0], a[4], a[1], a[5], a[2], a[6], a[3], a[7] for the
//        relaxed dot (4 bytes against the low nibbles, 4 against the high)
//   asum[row][block]: Σ a over the block;  ascale[row][block]: f32 activation scale of the block;
//   azp[row]: the activation zero point (0 for dynamically quantized activations).
// a is int8 (uint8 activations enter as a − 128 with the zero point lowered by 128).
//
// Result per (row, column, block): acc = Σ a·q − zq·asum − azp·qsum = Σ (a − azp)(q − zq), exact.
// float output: y = Σ_b f32(acc_b) · f32(scale_b · ascale_b), summed over blocks in order in
// float32, then + bias.

/** Bytes of one packed group of 4 columns for one block. */
// @ts-ignore: decorator
@inline export function groupBlockBytes(bs: usize): usize {
  return 32 + (bs << 1);
}

/** Values of K per chunk of the group-block order (see above). */
export const CHUNK_K: u32 = 4096;

/** Blocks per chunk for block size bs. */
// @ts-ignore: decorator
@inline export function chunkBlocks(bs: u32): u32 {
  return bs >= CHUNK_K ? 1 : CHUNK_K / bs;
}

/** Address of group g's block b (chunk-major order above). */
// @ts-ignore: decorator
@inline export function blockAt(w: usize, g: u32, b: u32, nb: u32, groups: u32, bs: u32): usize {
  const cb = chunkBlocks(bs);
  const c0 = b - b % cb; // first block of b's chunk
  const inChunk = min<u32>(cb, nb - c0);
  return w + (<usize>c0 * groups + <usize>g * inChunk + (b - c0)) * groupBlockBytes(bs);
}

/** Total bytes of packed weights for N columns, K and block size bs: the group blocks, then the qsum table. */
// @ts-ignore: decorator
@inline export function packedBytes(n: u32, k: u32, bs: u32): usize {
  const nb = (k + bs - 1) / bs;
  return <usize>((n + 3) >> 2) * nb * (groupBlockBytes(bs) + 16);
}

/** Address of the qsum side table of packed weights at w (groups of 4 columns, nb blocks). */
// @ts-ignore: decorator
@inline export function qsumTable(w: usize, groups: u32, nb: u32, bs: u32): usize {
  return w + <usize>groups * nb * groupBlockBytes(bs);
}
