// Nibble unpacking for int4/uint4 tensors: two values per byte, element 2i in the low nibble and
// 2i+1 in the high nibble; an odd count leaves the last high nibble 0. n counts values.

/** Unpacks n nibbles into n bytes, sign-extending (int4) unless unsigned_ = 1 (uint4). */
export function q4_q8_unpack__scalar(src: usize, dst: usize, n: u32, unsigned_: i32): void {
  const flip: i32 = unsigned_ ? 0 : 8;
  for (; n >= 2; n -= 2) {
    const b = <i32>load<u8>(src);
    store<u8>(dst, ((b & 0x0F) ^ flip) - flip);
    store<u8>(dst, ((b >> 4) ^ flip) - flip, 1);
    src += 1;
    dst += 2;
  }
  if (n) store<u8>(dst, ((<i32>load<u8>(src) & 0x0F) ^ flip) - flip);
}
