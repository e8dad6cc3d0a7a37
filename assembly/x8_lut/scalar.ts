// 8-bit table lookup (x8: the same kernel for int8 and uint8 bytes).
//
// `x8_lut_256__scalar(x, y, n, table)`: y[i] = table[x[i]] (table: 256 bytes indexed by the raw byte),
// how qkern applies any int8 activation function (sigmoid, tanh, hard-swish, ...).
//
// `x8_lut_strided__scalar(x, y, pixels, c, ystride, table)`: the same per pixel into a strided
// output, or a plain copy (channel concatenation).

export function x8_lut_256__scalar(x: usize, y: usize, n: u32, table: usize): void {
  for (let i: u32 = 0; i < n; i++) store<u8>(y + i, load<u8>(table + <usize>load<u8>(x + i)));
}

/**
 * Strided lookup / copy for channel concatenation: for `pixels` pixels, the `c` bytes at x + p·c go
 * to y + p·ystride, through `table` (256 bytes) or copied as they are when table = 0.
 */
export function x8_lut_strided__scalar(x: usize, y: usize, pixels: u32, c: u32, ystride: usize, table: usize): void {
  for (let p: u32 = 0; p < pixels; p++) {
    if (table == 0) {
      memory.copy(y, x, c);
    } else {
      for (let i: u32 = 0; i < c; i++) store<u8>(y + i, load<u8>(table + <usize>load<u8>(x + i)));
    }
    x += c;
    y += ystride;
  }
}
