// Quantized add, 16 values per step, in exactly the float32 steps of scalar.ts (convert, multiply,
// add, divide, clamp with pmin/pmax, magic-bias round), so results are bit-identical.

import { MAGIC_F32, MAGIC_F32_BITS, narrowToBytes } from "../output/simd128";
import { addOne } from "./scalar";

// @ts-ignore: decorator
@inline function part(qa: v128, qb: v128, vsa: v128, vza: v128, vsb: v128, vzb: v128, vsy: v128, vlo: v128, vhi: v128, vzy: v128, vmagic: v128, vbias: v128): v128 {
  const fa = f32x4.mul(vsa, f32x4.convert_i32x4_s(i32x4.sub(qa, vza)));
  const fb = f32x4.mul(vsb, f32x4.convert_i32x4_s(i32x4.sub(qb, vzb)));
  let v = f32x4.div(f32x4.add(fa, fb), vsy);
  v = f32x4.pmax(vlo, v);
  v = f32x4.pmin(vhi, v);
  return i32x4.sub(f32x4.add(f32x4.add(v, vzy), vmagic), vbias);
}

export function q8_vadd_fp32__simd128(a: usize, b: usize, y: usize, n: u32, unsigned_: i32, params: usize): void {
  const sa = load<f32>(params);
  const za = load<i32>(params, 4);
  const sb = load<f32>(params, 8);
  const zb = load<i32>(params, 12);
  const sy = load<f32>(params, 16);
  const zy = load<i32>(params, 20);
  const lo = <f32>(load<i32>(params, 24) - zy);
  const hi = <f32>(load<i32>(params, 28) - zy);
  const vsa = f32x4.splat(sa), vsb = f32x4.splat(sb), vsy = f32x4.splat(sy);
  const shift: i32 = unsigned_ ? 128 : 0;
  const vza = i32x4.splat(za - shift), vzb = i32x4.splat(zb - shift);
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const vmagic = f32x4.splat(MAGIC_F32), vbias = i32x4.splat(MAGIC_F32_BITS), vzy = f32x4.splat(<f32>zy);
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  let i: u32 = 0;
  for (; i + 16 <= n; i += 16) {
    const xa = v128.xor(v128.load(a + i), vflip);
    const xb = v128.xor(v128.load(b + i), vflip);
    const al = i16x8.extend_low_i8x16_s(xa), ah = i16x8.extend_high_i8x16_s(xa);
    const bl = i16x8.extend_low_i8x16_s(xb), bh = i16x8.extend_high_i8x16_s(xb);
    const q0 = part(i32x4.extend_low_i16x8_s(al), i32x4.extend_low_i16x8_s(bl), vsa, vza, vsb, vzb, vsy, vlo, vhi, vzy, vmagic, vbias);
    const q1 = part(i32x4.extend_high_i16x8_s(al), i32x4.extend_high_i16x8_s(bl), vsa, vza, vsb, vzb, vsy, vlo, vhi, vzy, vmagic, vbias);
    const q2 = part(i32x4.extend_low_i16x8_s(ah), i32x4.extend_low_i16x8_s(bh), vsa, vza, vsb, vzb, vsy, vlo, vhi, vzy, vmagic, vbias);
    const q3 = part(i32x4.extend_high_i16x8_s(ah), i32x4.extend_high_i16x8_s(bh), vsa, vza, vsb, vzb, vsy, vlo, vhi, vzy, vmagic, vbias);
    v128.store(y + i, narrowToBytes(q0, q1, q2, q3));
  }
  for (; i < n; i++) {
    const va: i32 = unsigned_ ? <i32>load<u8>(a + i) : <i32>load<i8>(a + i);
    const vb: i32 = unsigned_ ? <i32>load<u8>(b + i) : <i32>load<i8>(b + i);
    store<u8>(y + i, <u8>addOne(va, vb, sa, za, sb, zb, sy, lo, hi, zy));
  }
}
