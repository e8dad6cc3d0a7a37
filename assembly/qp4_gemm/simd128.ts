// simd128 palettized GEMM (layout in pack.ts): the 16-entry int8 codebook of a column lives in one
// v128, and i8x16.swizzle(codebook, indices) turns 16 indices into 16 int8 weights. Each 16-bit lane
// of the result holds two weights; (x << 8) and (x & 0xFF00) are 256 × each as int16 (no
// sign-extension instructions), which meet the int16 activations in i32x4.dot_i16x8_s, so the sums
// are 256-scaled and shifted back (exactly) per segment. Per block, the 4 column vectors are reduced
// and finished by the block epilogue of ../common/simd128_block_epilogue.ts (same operation order as
// scalar.ts). The relaxed build uses i8x16.relaxed_swizzle (one pshufb; indices are 0..15 so both
// agree).
//
// Exports as in scalar.ts, tile `1x4c32`.

import { blockEnd, reduce4, storeF32 } from "../common/simd128_block_epilogue";
import { qp4GroupBytes } from "./pack";

// @ts-ignore: decorator
@inline function decodeDot(relaxed: bool, v: v128, cb: v128, a0: v128, a1: v128, a2: v128, a3: v128, mask: v128, hi8: v128): v128 {
  const lo = v128.and(v, mask);
  const hi = v128.and(i16x8.shr_u(v, 4), mask);
  let wlo = i8x16.swizzle(cb, lo);
  let whi = i8x16.swizzle(cb, hi);
  if (ASC_FEATURE_RELAXED_SIMD) {
    // (compiled only into the relaxed build)
    if (relaxed) {
      wlo = i8x16.relaxed_swizzle(cb, lo);
      whi = i8x16.relaxed_swizzle(cb, hi);
    }
  }
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(i16x8.shl(wlo, 8), a0), i32x4.dot_i16x8_s(v128.and(wlo, hi8), a1)),
    i32x4.add(i32x4.dot_i16x8_s(i16x8.shl(whi, 8), a2), i32x4.dot_i16x8_s(v128.and(whi, hi8), a3)));
}

// Chunks (32 values) per 256-scaled partial sum: a decodeDot lane is at most 8 · 256 · 128 · 128 = 2^25
// in magnitude; 8 chunks of it, summed over 4 lanes by reduce4, stay below 2^31.
const SEG_CHUNKS: u32 = 8;

// @ts-ignore: decorator
@inline export function qp4Simd(relaxed: bool, isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gb = qp4GroupBytes(bs, nb);
  const half = <usize>(bs >> 1);
  const groups = (n + 3) >> 2;
  const mask = i8x16.splat(15);
  const hi8 = i16x8.splat(-256);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = a16 + ((<usize>r * kp) << 1);
    for (let g: u32 = 0; g < groups; g++) {
      const base = w + <usize>g * gb;
      const cb0 = v128.load(base);
      const cb1 = v128.load(base, 16);
      const cb2 = v128.load(base, 32);
      const cb3 = v128.load(base, 48);
      const col = g * 4;
      const cmax = min<u32>(4, n - col);
      let facc = f32x4.splat(0);
      let hdr = base + 64;
      let pa = rowA;
      for (let b: u32 = 0; b < nb; b++) {
        let p0 = hdr + 64;
        let s = i32x4.splat(0);
        for (let c0: u32 = 0; c0 < (bs >> 5); c0 += SEG_CHUNKS) {
          const segEnd = p0 + (<usize>min<u32>(SEG_CHUNKS, (bs >> 5) - c0) << 4);
          let vacc0 = i32x4.splat(0);
          let vacc1 = vacc0;
          let vacc2 = vacc0;
          let vacc3 = vacc0;
          do {
            const va0 = v128.load(pa);
            const va1 = v128.load(pa, 16);
            const va2 = v128.load(pa, 32);
            const va3 = v128.load(pa, 48);
            vacc0 = i32x4.add(vacc0, decodeDot(relaxed, v128.load(p0), cb0, va0, va1, va2, va3, mask, hi8));
            vacc1 = i32x4.add(vacc1, decodeDot(relaxed, v128.load(p0 + half), cb1, va0, va1, va2, va3, mask, hi8));
            vacc2 = i32x4.add(vacc2, decodeDot(relaxed, v128.load(p0 + 2 * half), cb2, va0, va1, va2, va3, mask, hi8));
            vacc3 = i32x4.add(vacc3, decodeDot(relaxed, v128.load(p0 + 3 * half), cb3, va0, va1, va2, va3, mask, hi8));
            pa += 64;
            p0 += 16;
          } while (p0 < segEnd);
          s = i32x4.add(s, i32x4.shr_s(reduce4(vacc0, vacc1, vacc2, vacc3), 8));
        }
        const rb = (<usize>r * nb + b) << 2;
        facc = blockEnd(isFloat, s, hdr, hdr + 32, asum + rb, za, ascale + rb,
          facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
        hdr += 64 + (<usize>bs << 1);
      }
      if (isFloat) storeF32(facc, out + (<usize>(r * n + col) << 2), bias, col, cmax);
    }
  }
}

export function qp4_gemm_dequant_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Simd(false, true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qp4_gemm_int32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Simd(false, false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}
