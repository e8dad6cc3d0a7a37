// Nibble packing, 32 values per step (contract as in scalar.ts). The byte pairs are read as
// 16-bit lanes (low byte = even element): keeping bits 0–3 and moving bits 8–11 down to 4–7 leaves
// the packed byte in each lane's low half, and a saturation-free unsigned narrow collects them.

import { q8_q4_pack__scalar } from "./scalar";

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
