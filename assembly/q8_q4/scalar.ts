// Nibble packing for int4/uint4 tensors: two values per byte, element 2i in the low nibble and
// 2i+1 in the high nibble; an odd count leaves the last high nibble 0. n counts values.

/** Packs n 8-bit values (only their low 4 bits are kept) into ceil(n/2) bytes. */
export function q8_q4_pack__scalar(src: usize, dst: usize, n: u32): void {
  for (; n >= 2; n -= 2) {
    store<u8>(dst, (load<u8>(src) & 0x0F) | (load<u8>(src, 1) << 4));
    src += 2;
    dst += 1;
  }
  if (n) store<u8>(dst, load<u8>(src) & 0x0F);
}
