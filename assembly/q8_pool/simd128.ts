// simd128 8-bit pooling, 16 channels per step where the channel count allows (contract as in
// scalar.ts). Global sums (window = whole image) get their own loop: it dominates MobileNet's head.
//
// `q8_pool_max__simd128(input, out, geom, unsigned_)`, `q8_pool_gsum__simd128(input, out, pixels, c, unsigned_, zp)`.

import { G_C, G_DH, G_DW, G_H, G_IN_ROW, G_KH, G_KW, G_OH, G_OW, G_PL, G_PT, G_SH, G_SW, G_W } from "../common/conv_geometry";

export function q8_pool_max__simd128(input: usize, out: usize, geom: usize, unsigned_: i32): void {
  const c = <u32>load<i32>(geom, G_C);
  const h = load<i32>(geom, G_H), w = load<i32>(geom, G_W);
  const oh = load<i32>(geom, G_OH), ow = load<i32>(geom, G_OW);
  const kh = load<i32>(geom, G_KH), kw = load<i32>(geom, G_KW);
  const sh = load<i32>(geom, G_SH), sw = load<i32>(geom, G_SW);
  const dh = load<i32>(geom, G_DH), dw = load<i32>(geom, G_DW);
  const pt = load<i32>(geom, G_PT), pl = load<i32>(geom, G_PL);
  const row = <usize>load<i32>(geom, G_IN_ROW);
  const vinit = i8x16.splat(unsigned_ ? 0 : -128);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let ch: u32 = 0;
      for (; ch + 16 <= c; ch += 16) {
        let vm = vinit;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw - pl + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = v128.load(input + <usize>iy * row + <usize>ix * c + ch);
            vm = unsigned_ ? i8x16.max_u(vm, v) : i8x16.max_s(vm, v);
          }
        }
        v128.store(out, vm);
        out += 16;
      }
      for (; ch < c; ch++) {
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

/** Per-channel Σ (x − zp) over `pixels` pixels of `c` channels (global average pooling). */
export function q8_pool_gsum__simd128(input: usize, out: usize, pixels: u32, c: u32, unsigned_: i32, zp: i32): void {
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const zs = zp - (unsigned_ ? 128 : 0);
  let ch: u32 = 0;
  for (; ch + 16 <= c; ch += 16) {
    let v0 = i32x4.splat(0), v1 = v0, v2 = v0, v3 = v0;
    let p = input + ch;
    for (let i: u32 = 0; i < pixels; i++) {
      const x = v128.xor(v128.load(p), vflip);
      const lo = i16x8.extend_low_i8x16_s(x);
      const hi = i16x8.extend_high_i8x16_s(x);
      v0 = i32x4.add(v0, i32x4.extend_low_i16x8_s(lo));
      v1 = i32x4.add(v1, i32x4.extend_high_i16x8_s(lo));
      v2 = i32x4.add(v2, i32x4.extend_low_i16x8_s(hi));
      v3 = i32x4.add(v3, i32x4.extend_high_i16x8_s(hi));
      p += c;
    }
    const vz = i32x4.splat(zs * <i32>pixels);
    v128.store(out + (<usize>ch << 2), i32x4.sub(v0, vz));
    v128.store(out + (<usize>ch << 2), i32x4.sub(v1, vz), 16);
    v128.store(out + (<usize>ch << 2), i32x4.sub(v2, vz), 32);
    v128.store(out + (<usize>ch << 2), i32x4.sub(v3, vz), 48);
  }
  for (; ch < c; ch++) {
    let s: i32 = 0;
    let p = input + ch;
    for (let i: u32 = 0; i < pixels; i++) {
      s += (unsigned_ ? <i32>load<u8>(p) : <i32>load<i8>(p)) - zp;
      p += c;
    }
    store<i32>(out + (<usize>ch << 2), s);
  }
}
