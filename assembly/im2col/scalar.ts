// im2col for NHWC convolution: for every output pixel, the KH·KW·C input values of its window in
// (kh, kw, c) order, one row of the [OH·OW, KH·KW·C] matrix a GEMM then multiplies with the
// weights [KH·KW·C, OC]. Taps in the padding copy the "zero row" (the input zero point, or 0.0).
// Works for any element size (1 or 4 bytes). Geometry block as in ../qs8_dwconv/layout.ts.
//
// Export `im2col_any__scalar(input, zrow, out, geom, esize)`.

import { G_C, G_KH, G_KW, G_OH, G_OW } from "../qs8_dwconv/layout";
import { prepareTaps, tapPointers } from "../qs8_dwconv/layout";

const PTRS = memory.data(4 * 1024, 16);

export function im2col_any__scalar(input: usize, zrow: usize, out: usize, geom: usize, esize: u32): void {
  const c = <usize>load<i32>(geom, G_C) * esize;
  const oh = load<i32>(geom, G_OH);
  const ow = load<i32>(geom, G_OW);
  const taps = <usize>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  prepareTaps(geom, esize);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      tapPointers(geom, input, zrow, y, x, esize, PTRS);
      for (let t: usize = 0; t < taps; t++) {
        const src = load<usize>(PTRS + (t << alignof<usize>()));
        if (c <= 16) {
          for (let i: usize = 0; i < c; i++) store<u8>(out + i, load<u8>(src + i));
        } else {
          memory.copy(out, src, c);
        }
        out += c;
      }
    }
  }
}
