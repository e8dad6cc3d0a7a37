// Layouts of the block-wise 4-bit GEMM (qb4_gemm: weights q in 0..15 with a zero point and a
// float scale per (column, block of K); activations int8, dynamically quantized per block or per
// row). All kernels of the family and the packers share them.
//
// Packed weights (once): columns in groups of 4; for each group, each K block b of BS values
// (BS in 32, 64, 128, ... — any multiple of 32; "per channel" is one block of K rounded up):
//   f32 scale[4]        weight scale of the 4 columns for block b
//   i32 zq[4]           weight zero point (0..15)
//   per column c = 0..3, BS/32 chunks of 16 bytes; chunk at K offset k0 packs 32 nibbles as
//     byte 2L   = q[k0 + L]      | q[k0 + 8 + L]  << 4      (L = 0..7)
//     byte 2L+1 = q[k0 + 16 + L] | q[k0 + 24 + L] << 4
//   so that, reading the chunk as eight 16-bit lanes, (v & 0xF), (v >> 4 & 0xF), (v >> 8 & 0xF)
//   and (v >>> 12) are q[k0..k0+7], q[k0+8..], q[k0+16..], q[k0+24..]: no widening needed before
//   i32x4.dot_i16x8_s. Missing columns have scale 0 and q = zq; K past the end has q = zq.
// Group-block bytes: 32 + 4·BS/2 (0.75 bytes per weight at BS = 32). After all groups, a side table
//   i32 qsum[group][block][4]   Σ over the block of (q − zq), for the activation zero-point
//                               correction (read only when the activations have a nonzero zero point)
//
// Packed activations (per call): per row, K rounded up to BS, with
//   a16: int16 a (natural order), for the simd128 and scalar kernels
//   a8:  int8 a, in each 32-chunk permuted for the relaxed dot: bytes (2L, 2L+1) of the first 16
//        hold (a[k0+L], a[k0+16+L]) and of the second 16 hold (a[k0+8+L], a[k0+24+L])
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

/** Address of the qsum side table of packed weights at w (groups of 4 columns, nb blocks). */
// @ts-ignore: decorator
@inline export function qsumTable(w: usize, groups: u32, nb: u32, bs: u32): usize {
  return w + <usize>groups * nb * groupBlockBytes(bs);
}
