// XNNPACK's add (q8_vbin_fp32_add, see scalar.ts), 16 outputs per step with the same integer steps:
// acc = bias + a·am + b·bm in int32 lanes, arithmetic shift, + zy, clamp, narrowed to bytes. An
// input whose element step is 0 (broadcast along the row) is splatted. uint8 inputs are read as
// int8 after flipping the top bit (x − 128); the bias takes the 128·(am + bm) back.

import { narrowToBytes } from "../output/simd128";

// @ts-ignore: decorator
@inline function part(qa: v128, qb: v128, vbias: v128, vam: v128, vbm: v128, shift: i32, vzy: v128, vmin: v128, vmax: v128): v128 {
  const acc = i32x4.add(vbias, i32x4.add(i32x4.mul(qa, vam), i32x4.mul(qb, vbm)));
  return i32x4.min_s(i32x4.max_s(i32x4.add(i32x4.shr_s(acc, shift), vzy), vmin), vmax);
}

// @ts-ignore: decorator
@inline function ld(p: usize, unsigned_: i32): i32 {
  return unsigned_ ? <i32>load<u8>(p) : <i32>load<i8>(p);
}

export function q8_vbin_fp32_add__simd128(a: usize, b: usize, y: usize, rows: u32, n: u32, unsigned_: i32, params: usize): void {
  const aInc = load<i32>(params), bInc = load<i32>(params, 4), aRow = load<i32>(params, 8), bRow = load<i32>(params, 12);
  const bias = load<i32>(params, 16), am = load<i32>(params, 20), bm = load<i32>(params, 24), shift = load<i32>(params, 28);
  const zy = load<i32>(params, 32), qmin = load<i32>(params, 36), qmax = load<i32>(params, 40);
  const vbias = i32x4.splat(bias + (unsigned_ ? 128 * (am + bm) : 0));
  const vam = i32x4.splat(am), vbm = i32x4.splat(bm);
  const vzy = i32x4.splat(zy), vmin = i32x4.splat(qmin), vmax = i32x4.splat(qmax);
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  for (let r: u32 = 0; r < rows; r++) {
    const pa = a + <usize>(r * aRow), pb = b + <usize>(r * bRow);
    const sa = v128.xor(i8x16.splat(<i8>load<u8>(pa)), vflip);
    const sb = v128.xor(i8x16.splat(<i8>load<u8>(pb)), vflip);
    let i: u32 = 0;
    for (; i + 16 <= n; i += 16) {
      const xa = aInc ? v128.xor(v128.load(pa + i), vflip) : sa;
      const xb = bInc ? v128.xor(v128.load(pb + i), vflip) : sb;
      const al = i16x8.extend_low_i8x16_s(xa), ah = i16x8.extend_high_i8x16_s(xa);
      const bl = i16x8.extend_low_i8x16_s(xb), bh = i16x8.extend_high_i8x16_s(xb);
      const q0 = part(i32x4.extend_low_i16x8_s(al), i32x4.extend_low_i16x8_s(bl), vbias, vam, vbm, shift, vzy, vmin, vmax);
      const q1 = part(i32x4.extend_high_i16x8_s(al), i32x4.extend_high_i16x8_s(bl), vbias, vam, vbm, shift, vzy, vmin, vmax);
      const q2 = part(i32x4.extend_low_i16x8_s(ah), i32x4.extend_low_i16x8_s(bh), vbias, vam, vbm, shift, vzy, vmin, vmax);
      const q3 = part(i32x4.extend_high_i16x8_s(ah), i32x4.extend_high_i16x8_s(bh), vbias, vam, vbm, shift, vzy, vmin, vmax);
      v128.store(y + i, narrowToBytes(q0, q1, q2, q3));
    }
    for (; i < n; i++) {
      const acc = bias + ld(pa + i * aInc, unsigned_) * am + ld(pb + i * bInc, unsigned_) * bm;
      store<u8>(y + i, <u8>min<i32>(max<i32>((acc >> shift) + zy, qmin), qmax));
    }
    y += n;
  }
}
