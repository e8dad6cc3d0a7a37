// Nibble packing, 32 values per step (contract as in scalar.ts).
// Packing reads the byte pairs as 16-bit lanes (low byte = even element): keeping bits 0–3 and
// moving bits 8–11 down to 4–7 leaves the packed byte in each lane's low half, then a
// saturation-free unsigned narrow collects them. Unpacking interleaves low and high nibbles with
// the byte shuffles V8 lowers to punpcklbw/punpckhbw, and sign-extends by (v ^ 8) − 8.

import { q4_q8_unpack__scalar, q8_q4_pack__scalar } from "./scalar";

export function q8_q4_pack__simd128(src: usize, dst: usize, n: u32): void {
  const lowNibble = i16x8.splat(0x000F);
  const highNibble = i16x8.splat(0x00F0);
  for (; n >= 32; n -= 32) {
    const a = v128.load(src);
    const b = v128.load(src, 16);
    const pa = v128.or(v128.and(a, lowNibble), v128.and(i16x8.shr_u(a, 4), highNibble));
    const pb = v128.or(v128.and(b, lowNibble), v128.and(i16x8.shr_u(b, 4), highNibble));
    v128.store(dst, i8x16.narrow_i16x8_u(pa, pb));
    src += 32;
    dst += 16;
  }
  q8_q4_pack__scalar(src, dst, n);
}

export function q4_q8_unpack__simd128(src: usize, dst: usize, n: u32, unsigned_: i32): void {
  const mask = i8x16.splat(0x0F);
  const flip = i8x16.splat(unsigned_ ? 0 : 8);
  for (; n >= 32; n -= 32) {
    const b = v128.load(src);
    const lo = i8x16.sub(v128.xor(v128.and(b, mask), flip), flip);
    const hi = i8x16.sub(v128.xor(v128.and(i16x8.shr_u(b, 4), mask), flip), flip);
    v128.store(dst, i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    v128.store(dst, i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), 16);
    src += 16;
    dst += 32;
  }
  q4_q8_unpack__scalar(src, dst, n, unsigned_);
}
