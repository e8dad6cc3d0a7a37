// Palettized (weight-shared) 4-bit GEMM, qp4_gemm: every output column has a codebook of up to 16
// int8 values and weights are 4-bit indices into it. Activations are packed exactly as for
// qb4_gemm (../qb4_gemm/layout.ts: a16, asum, ascale, azp per block of BS).
//
// Packed weights, columns in groups of 4:
//   per group: i8 codebook[4][16]                       (64 bytes; unused entries 0)
//   then per block b of BS values along K (BS a multiple of 32):
//     f32 scale[4]    the codebook scale of each column (the same for every block)
//     i32 zero[4]     always 0 (the block epilogue of ../common/simd128_block_epilogue.ts)
//     i32 wsum[4]     Σ over the block of the column's int8 weights, for the activation zero point
//     i32 pad[4]
//     per column c, BS/32 chunks of 16 bytes: byte 2L = idx[k0 + L] | idx[k0 + 16 + L] << 4 and
//     byte 2L+1 = idx[k0 + 8 + L] | idx[k0 + 24 + L] << 4 (L = 0..7). After i8x16.swizzle with the
//     codebook (low nibbles, then high nibbles), the 16-bit lanes hold an even and an odd weight:
//     (w << 8) and (w & 0xFF00) are 256 × the int16 weights k0..k0+7, k0+8..15 (then 16..23, 24..31)
//     in natural K order, with no sign-extension step.
//   Group bytes: 64 + nb · (64 + 2·BS). Missing columns: codebook 0, scale 0. K past the end: index 0
//   with activation 0.

/** Bytes of one packed group of 4 columns. */
// @ts-ignore: decorator
@inline export function qp4GroupBytes(bs: usize, nb: usize): usize {
  return 64 + nb * (64 + (bs << 1));
}

/**
 * Packs indices (u8 per value, 0..15) at idx + n·kq + k, codebooks i8 [C][16] with C = N (per
 * column) or 1 (shared: cbStride 0), scales f32 [C].
 */
export function qp4_gemm_packw__scalar(idx: usize, kq: u32, codebooks: usize, cbStride: usize, scales: usize, scaleStride: usize, n: u32, k: u32, bs: u32, dst: usize): void {
  const nb = (k + bs - 1) / bs;
  const groups = (n + 3) >> 2;
  const gb = qp4GroupBytes(bs, nb);
  for (let g: u32 = 0; g < groups; g++) {
    const base = dst + <usize>g * gb;
    for (let c: u32 = 0; c < 4; c++) {
      const col = g * 4 + c;
      const valid = col < n;
      const cb = codebooks + <usize>col * cbStride;
      for (let e: u32 = 0; e < 16; e++) store<i8>(base + (<usize>c << 4) + e, valid ? load<i8>(cb + e) : 0);
      for (let b: u32 = 0; b < nb; b++) {
        const hdr = base + 64 + <usize>b * (64 + (<usize>bs << 1));
        store<f32>(hdr + (<usize>c << 2), valid ? load<f32>(scales + <usize>col * scaleStride) : 0);
        store<i32>(hdr + 16 + (<usize>c << 2), 0);
        store<i32>(hdr + 48 + (<usize>c << 2), 0);
        let wsum: i32 = 0;
        const chunks = hdr + 64 + <usize>c * (bs >> 1);
        for (let k0: u32 = 0; k0 < bs; k0 += 32) {
          for (let j: u32 = 0; j < 16; j++) {
            // byte j = 2L + h (h = 0, 1): low nibble k0 + 8h + L, high nibble k0 + 16 + 8h + L
            const k1 = b * bs + k0 + ((j & 1) << 3) + (j >> 1);
            const k2 = k1 + 16;
            const i1: i32 = valid && k1 < k ? <i32>load<u8>(idx + <usize>col * kq + k1) & 15 : 0;
            const i2: i32 = valid && k2 < k ? <i32>load<u8>(idx + <usize>col * kq + k2) & 15 : 0;
            if (valid && k1 < k) wsum += <i32>load<i8>(cb + i1);
            if (valid && k2 < k) wsum += <i32>load<i8>(cb + i2);
            store<u8>(chunks + (k0 >> 1) + j, <u8>(i1 | (i2 << 4)));
          }
        }
        store<i32>(hdr + 32 + (<usize>c << 2), wsum);
      }
    }
  }
}
