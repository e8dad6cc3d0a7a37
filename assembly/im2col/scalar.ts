// im2col for NHWC convolution: for every output pixel, the KH·KW·C input values of its window in
// (kh, kw, c) order, one row of the [OH·OW, KH·KW·C] matrix a GEMM then multiplies with the
// weights [KH·KW·C, OC]. Taps in the padding copy the "zero row" (the input zero point, or 0.0).
// Works for any element size (1 or 4 bytes). Geometry block as in ../common/conv_geometry.ts.
// Interior pixels with dilation 1 copy each kernel row's KW·C contiguous values at once (the first
// layer of every net, 3×3 over 3 channels, copies 3 runs of 9 bytes per pixel).
//
// Export `im2col_any__scalar(input, zrow, out, geom, esize)`.

import { G_C, G_DH, G_DW, G_H, G_IN_ROW, G_KH, G_KW, G_OH, G_OW, G_PL, G_PT, G_SH, G_SW, G_W, prepareTaps, tapPointers } from "../common/conv_geometry";
import { perThread } from "../common/threads";

const PTRS = memory.data(4 * 1024, 16);

// @ts-ignore: decorator
@inline function copySmall(dst: usize, src: usize, n: usize): void {
  if (n > 64) {
    memory.copy(dst, src, n);
    return;
  }
  for (; n >= 8; n -= 8) {
    store<u64>(dst, load<u64>(src));
    dst += 8;
    src += 8;
  }
  for (; n > 0; n--) {
    store<u8>(dst, load<u8>(src));
    dst += 1;
    src += 1;
  }
}

export function im2col_any__scalar(input: usize, zrow: usize, out: usize, geom: usize, esize: u32): void {
  const c = <usize>load<i32>(geom, G_C) * esize;
  const h = load<i32>(geom, G_H), w = load<i32>(geom, G_W);
  const oh = load<i32>(geom, G_OH), ow = load<i32>(geom, G_OW);
  const kh = load<i32>(geom, G_KH), kw = load<i32>(geom, G_KW);
  const sh = load<i32>(geom, G_SH), sw = load<i32>(geom, G_SW);
  const dh = load<i32>(geom, G_DH), dw = load<i32>(geom, G_DW);
  const pt = load<i32>(geom, G_PT), pl = load<i32>(geom, G_PL);
  const rowStride = <usize>load<i32>(geom, G_IN_ROW);
  const taps = <usize>(kh * kw);
  const run = <usize>kw * c;
  prepareTaps(geom, esize);
  for (let y = 0; y < oh; y++) {
    const iy0 = y * sh - pt;
    const rowsInside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
    for (let x = 0; x < ow; x++) {
      const ix0 = x * sw - pl;
      if (dw == 1 && rowsInside && ix0 >= 0 && ix0 + kw - 1 < w) {
        let src = input + <usize>iy0 * rowStride + <usize>ix0 * c;
        for (let i = 0; i < kh; i++) {
          copySmall(out, src, run);
          out += run;
          src += <usize>dh * rowStride;
        }
        continue;
      }
      tapPointers(geom, input, zrow, y, x, esize, perThread(PTRS));
      for (let t: usize = 0; t < taps; t++) {
        copySmall(out, load<usize>(perThread(PTRS) + (t << alignof<usize>())), c);
        out += c;
      }
    }
  }
}
