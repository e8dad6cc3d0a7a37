// Nibble unpacking, 32 values per step (contract as in scalar.ts). Low and high nibbles are
// interleaved with the byte shuffles V8 lowers to punpcklbw/punpckhbw, and sign-extended by
// (v ^ 8) − 8.

import { q4_q8_unpack__scalar } from "./scalar";

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
