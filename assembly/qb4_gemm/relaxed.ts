// Relaxed-SIMD block-wise 4-bit GEMM: the nibbles 0..15 are 7-bit, so
// i32x4.relaxed_dot_i8x16_i7x16_add_s(int8 activations, nibbles, acc) is deterministic and exact
// here (|4 · 128 · 15| fits every intermediate, even where V8 lowers it to pmaddubsw's saturating
// int16 pair sums: |2 · 128 · 15| < 2^15). Per octet of 4 columns (layout.ts) the low nibbles of
// bytes 4c..4c+3 are column c's K 0, 4, 1, 5 and the high nibbles K 2, 6, 3, 7, so two relaxed dots
// against two 4-byte activation splats (a8 is permuted to match) leave column c's sum in lane c.
// Same per-block epilogue, so results are bit-identical to simd128 and scalar.
//
// Exports as in scalar.ts, tile `1x4c32`.

import { chunkBlocks, groupBlockBytes, qsumTable } from "./layout";
import { blockEnd, chunkEnd, chunkStart } from "./simd128";

/** acc + Σ over one octet (at pw; activations at pa, permuted): lane c = column c. */
// @ts-ignore: decorator
@inline function octet(pw: usize, pa: usize, acc: v128, mask: v128): v128 {
  const v = v128.load(pw);
  const lo = v128.and(v, mask);
  const hi = v128.and(i16x8.shr_u(v, 4), mask);
  return i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load32_splat(pa + 4), hi, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load32_splat(pa), lo, acc));
}

// @ts-ignore: decorator
@inline function qb4Relaxed(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const groups = (n + 3) >> 2;
  const mask = i8x16.splat(15);
  const qsums = qsumTable(w, groups, nb, bs);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = a8 + <usize>r * kp;
    // K chunk by chunk, all column groups per chunk (layout.ts; as the simd128 kernel).
    const cb = chunkBlocks(bs);
    for (let c0: u32 = 0; c0 < nb; c0 += cb) {
      const inChunk = min<u32>(cb, nb - c0);
      let hdr = w + <usize>c0 * groups * gbb;
      for (let g: u32 = 0; g < groups; g++) {
        const col = g * 4;
        const cmax = min<u32>(4, n - col);
        const outp = out + (<usize>(r * n + col) << 2);
        let facc = chunkStart(isFloat, c0, outp, cmax);
        let pa = rowA + <usize>c0 * bs;
        for (let b = c0; b < c0 + inChunk; b++) {
          let pw = hdr + 32;
          const end = pw + (<usize>bs << 1);
          let vacc = i32x4.splat(0);
          do {
            vacc = octet(pw, pa, vacc, mask);
            pa += 8;
            pw += 16;
          } while (pw < end);
          const rb = (<usize>r * nb + b) << 2;
          facc = blockEnd(isFloat, vacc, hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
            facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
          hdr += gbb;
        }
        chunkEnd(isFloat, facc, outp, bias, col, cmax, c0 + inChunk == nb);
      }
    }
  }
}

export function qb4_gemm_f32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Relaxed(true, m, n, k, bs, a8, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Relaxed(false, m, n, k, bs, a8, asum, ascale, azp, w, out, bias);
}
