// Relaxed-SIMD block-wise 4-bit GEMM: the nibbles 0..15 are 7-bit, so
// i32x4.relaxed_dot_i8x16_i7x16_add_s(int8 activations, nibbles, acc) is deterministic and exact
// here (|4 · 128 · 15| fits every intermediate, even where V8 lowers it to pmaddubsw's saturating
// int16 pair sums: |2 · 128 · 15| < 2^15). It reads the permuted int8 activations (layout.ts) and
// replaces the four and/shift/dot steps of the simd128 kernel with two relaxed dots per 16 bytes.
// Same per-block epilogue, so results are bit-identical to simd128 and scalar.
//
// Exports as in scalar.ts, tile `1x4c32`.

import { groupBlockBytes, qsumTable } from "./layout";
import { blockEnd, reduce4, storeF32 } from "./simd128";

// @ts-ignore: decorator
@inline function dot2(v: v128, alo: v128, ahi: v128, acc: v128, mask: v128): v128 {
  const lo = v128.and(v, mask);
  const hi = v128.and(i16x8.shr_u(v, 4), mask);
  return i32x4.relaxed_dot_i8x16_i7x16_add_s(ahi, hi, i32x4.relaxed_dot_i8x16_i7x16_add_s(alo, lo, acc));
}

// @ts-ignore: decorator
@inline function qb4Relaxed(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const half = <usize>(bs >> 1);
  const groups = (n + 3) >> 2;
  const mask = i8x16.splat(15);
  const qsums = qsumTable(w, groups, nb, bs);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = a8 + <usize>r * kp;
    let hdr = w;
    for (let g: u32 = 0; g < groups; g++) {
      const col = g * 4;
      const cmax = min<u32>(4, n - col);
      let facc = f32x4.splat(0);
      for (let b: u32 = 0; b < nb; b++) {
        let pa = rowA + <usize>b * bs;
        let p0 = hdr + 32;
        let vacc0 = i32x4.splat(0);
        let vacc1 = vacc0;
        let vacc2 = vacc0;
        let vacc3 = vacc0;
        for (let k0: u32 = 0; k0 < bs; k0 += 32) {
          const alo = v128.load(pa);
          const ahi = v128.load(pa, 16);
          vacc0 = dot2(v128.load(p0), alo, ahi, vacc0, mask);
          vacc1 = dot2(v128.load(p0 + half), alo, ahi, vacc1, mask);
          vacc2 = dot2(v128.load(p0 + 2 * half), alo, ahi, vacc2, mask);
          vacc3 = dot2(v128.load(p0 + 3 * half), alo, ahi, vacc3, mask);
          pa += 32;
          p0 += 16;
        }
        const rb = (<usize>r * nb + b) << 2;
        facc = blockEnd(isFloat, reduce4(vacc0, vacc1, vacc2, vacc3), hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
          facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
        hdr += gbb;
      }
      if (isFloat) storeF32(facc, out + (<usize>(r * n + col) << 2), bias, col, cmax);
    }
  }
}

export function qb4_gemm_f32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Relaxed(true, m, n, k, bs, a8, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Relaxed(false, m, n, k, bs, a8, asum, ascale, azp, w, out, bias);
}
