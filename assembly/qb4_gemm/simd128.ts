// simd128 block-wise 4-bit GEMM (layouts in layout.ts): per row, groups of 4 columns, per block
// one int32 vector per column. Each 16-byte chunk of a column is read as eight 16-bit lanes and
// split into its four nibble quarters with and/shift only (no widening: the lanes already are
// int16), each quarter multiplied against 8 int16 activations with i32x4.dot_i16x8_s. At the end
// of a block the four column vectors are transposed and summed (one vector of 4 column sums), the
// zero-point corrections applied, and the block's scale folded into a float32 accumulator —
// the same order as scalar.ts, so results are bit-identical.
//
// Exports as in scalar.ts, tile `1x4c32`.

import { groupBlockBytes } from "./layout";

// @ts-ignore: decorator
@inline export function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 2, 6), v128.shuffle<i32>(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 2, 6), v128.shuffle<i32>(a2, a3, 1, 5, 3, 7));
  return i32x4.add(v128.shuffle<i32>(s01, s23, 0, 1, 4, 5), v128.shuffle<i32>(s01, s23, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function dot4(v: v128, a0: v128, a1: v128, a2: v128, a3: v128, mask: v128): v128 {
  const q0 = v128.and(v, mask);
  const q1 = v128.and(i16x8.shr_u(v, 4), mask);
  const q2 = v128.and(i16x8.shr_u(v, 8), mask);
  const q3 = i16x8.shr_u(v, 12);
  return i32x4.add(i32x4.add(i32x4.dot_i16x8_s(q0, a0), i32x4.dot_i16x8_s(q1, a1)),
    i32x4.add(i32x4.dot_i16x8_s(q2, a2), i32x4.dot_i16x8_s(q3, a3)));
}

/** Block epilogue shared with the relaxed kernel: corrections, then the float accumulation or int32 store. */
// @ts-ignore: decorator
@inline export function blockEnd(isFloat: bool, s: v128, hdr: usize, asumRB: i32, za: i32, ascaleRB: f32, facc: v128, out32: usize, nb: u32, cmax: u32): v128 {
  let corr = i32x4.sub(s, i32x4.mul(v128.load(hdr, 16), i32x4.splat(asumRB)));
  // Dynamically quantized activations are symmetric (za = 0): no zero-point term.
  if (za != 0) corr = i32x4.sub(corr, i32x4.mul(v128.load(hdr, 32), i32x4.splat(za)));
  if (isFloat) {
    return f32x4.add(facc, f32x4.mul(f32x4.convert_i32x4_s(corr), f32x4.mul(v128.load(hdr), f32x4.splat(ascaleRB))));
  }
  // int32 output [M, N, nb]: 4 columns, nb apart
  store<i32>(out32, i32x4.extract_lane(corr, 0));
  if (cmax > 1) store<i32>(out32 + (<usize>nb << 2), i32x4.extract_lane(corr, 1));
  if (cmax > 2) store<i32>(out32 + (<usize>nb << 3), i32x4.extract_lane(corr, 2));
  if (cmax > 3) store<i32>(out32 + <usize>nb * 12, i32x4.extract_lane(corr, 3));
  return facc;
}

/** Stores 4 (or fewer) float outputs plus bias. */
// @ts-ignore: decorator
@inline export function storeF32(facc: v128, out: usize, bias: usize, col: u32, cmax: u32): void {
  const vb = bias != 0 ? (cmax == 4 ? v128.load(bias + (<usize>col << 2)) : loadPartial(bias + (<usize>col << 2), cmax)) : f32x4.splat(0);
  const y = f32x4.add(facc, vb);
  if (cmax == 4) {
    v128.store(out, y);
  } else {
    store<f32>(out, f32x4.extract_lane(y, 0));
    if (cmax > 1) store<f32>(out, f32x4.extract_lane(y, 1), 4);
    if (cmax > 2) store<f32>(out, f32x4.extract_lane(y, 2), 8);
  }
}

// @ts-ignore: decorator
@inline function loadPartial(p: usize, count: u32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline function qb4Simd(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const half = <usize>(bs >> 1);
  const groups = (n + 3) >> 2;
  const mask = i16x8.splat(15);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = a16 + ((<usize>r * kp) << 1);
    let hdr = w;
    for (let g: u32 = 0; g < groups; g++) {
      const col = g * 4;
      const cmax = min<u32>(4, n - col);
      let facc = f32x4.splat(0);
      for (let b: u32 = 0; b < nb; b++) {
        let pa = rowA + ((<usize>b * bs) << 1);
        let p0 = hdr + 64;
        let vacc0 = i32x4.splat(0);
        let vacc1 = vacc0;
        let vacc2 = vacc0;
        let vacc3 = vacc0;
        for (let k0: u32 = 0; k0 < bs; k0 += 32) {
          const va0 = v128.load(pa);
          const va1 = v128.load(pa, 16);
          const va2 = v128.load(pa, 32);
          const va3 = v128.load(pa, 48);
          vacc0 = i32x4.add(vacc0, dot4(v128.load(p0), va0, va1, va2, va3, mask));
          vacc1 = i32x4.add(vacc1, dot4(v128.load(p0 + half), va0, va1, va2, va3, mask));
          vacc2 = i32x4.add(vacc2, dot4(v128.load(p0 + 2 * half), va0, va1, va2, va3, mask));
          vacc3 = i32x4.add(vacc3, dot4(v128.load(p0 + 3 * half), va0, va1, va2, va3, mask));
          pa += 64;
          p0 += 16;
        }
        const rb = (<usize>r * nb + b) << 2;
        facc = blockEnd(isFloat, reduce4(vacc0, vacc1, vacc2, vacc3), hdr, load<i32>(asum + rb), za, load<f32>(ascale + rb),
          facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
        hdr += gbb;
      }
      if (isFloat) storeF32(facc, out + (<usize>(r * n + col) << 2), bias, col, cmax);
    }
  }
}

export function qb4_gemm_f32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}
