// 8-bit pooling over NHWC images (geometry block of ../common/conv_geometry.ts).
//
// `q8_pool_max__scalar(input, out, geom, unsigned_)`: max over the window's taps inside the input
// (padding ignored); output bytes keep the input's quantization.
// `q8_pool_sum__scalar(input, out, geom, unsigned_, zp)`: int32 Σ (x − zp) over the taps inside
// the input, and for avg pooling the divisor is the op's business: the op requantizes the sums
// (count_include_pad = 0: the number of inside taps, per output pixel, written to `counts` when
// counts != 0). Global average pooling is this with the window = the whole image.

import { G_C, G_DH, G_DW, G_H, G_IN_ROW, G_KH, G_KW, G_OH, G_OW, G_PL, G_PT, G_SH, G_SW, G_W } from "../common/conv_geometry";

export function q8_pool_max__scalar(input: usize, out: usize, geom: usize, unsigned_: i32): void {
  const c = <u32>load<i32>(geom, G_C);
  const h = load<i32>(geom, G_H), w = load<i32>(geom, G_W);
  const oh = load<i32>(geom, G_OH), ow = load<i32>(geom, G_OW);
  const kh = load<i32>(geom, G_KH), kw = load<i32>(geom, G_KW);
  const sh = load<i32>(geom, G_SH), sw = load<i32>(geom, G_SW);
  const dh = load<i32>(geom, G_DH), dw = load<i32>(geom, G_DW);
  const pt = load<i32>(geom, G_PT), pl = load<i32>(geom, G_PL);
  const row = <usize>load<i32>(geom, G_IN_ROW);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch: u32 = 0; ch < c; ch++) {
        let m: i32 = unsigned_ ? 0 : -128;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw - pl + j * dw;
            if (ix < 0 || ix >= w) continue;
            const at = input + <usize>iy * row + <usize>ix * c + ch;
            const v: i32 = unsigned_ ? <i32>load<u8>(at) : <i32>load<i8>(at);
            if (v > m) m = v;
          }
        }
        store<u8>(out, <u8>m);
        out += 1;
      }
    }
  }
}

export function q8_pool_sum__scalar(input: usize, out: usize, counts: usize, geom: usize, unsigned_: i32, zp: i32): void {
  const c = <u32>load<i32>(geom, G_C);
  const h = load<i32>(geom, G_H), w = load<i32>(geom, G_W);
  const oh = load<i32>(geom, G_OH), ow = load<i32>(geom, G_OW);
  const kh = load<i32>(geom, G_KH), kw = load<i32>(geom, G_KW);
  const sh = load<i32>(geom, G_SH), sw = load<i32>(geom, G_SW);
  const dh = load<i32>(geom, G_DH), dw = load<i32>(geom, G_DW);
  const pt = load<i32>(geom, G_PT), pl = load<i32>(geom, G_PL);
  const row = <usize>load<i32>(geom, G_IN_ROW);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let count: i32 = 0;
      for (let i = 0; i < kh; i++) {
        const iy = y * sh - pt + i * dh;
        if (iy < 0 || iy >= h) continue;
        for (let j = 0; j < kw; j++) {
          const ix = x * sw - pl + j * dw;
          if (ix >= 0 && ix < w) count++;
        }
      }
      if (counts != 0) store<i32>(counts + (<usize>(y * ow + x) << 2), count);
      for (let ch: u32 = 0; ch < c; ch++) {
        let s: i32 = 0;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw - pl + j * dw;
            if (ix < 0 || ix >= w) continue;
            const at = input + <usize>iy * row + <usize>ix * c + ch;
            s += (unsigned_ ? <i32>load<u8>(at) : <i32>load<i8>(at)) - zp;
          }
        }
        store<i32>(out, s);
        out += 4;
      }
    }
  }
}

/** Per-channel Σ (x − zp) over `pixels` pixels of `c` channels (global average pooling). */
export function q8_pool_gsum__scalar(input: usize, out: usize, pixels: u32, c: u32, unsigned_: i32, zp: i32): void {
  for (let ch: u32 = 0; ch < c; ch++) {
    let s: i32 = 0;
    let p = input + ch;
    for (let i: u32 = 0; i < pixels; i++) {
      s += (unsigned_ ? <i32>load<u8>(p) : <i32>load<i8>(p)) - zp;
      p += c;
    }
    store<i32>(out + (<usize>ch << 2), s);
  }
}
