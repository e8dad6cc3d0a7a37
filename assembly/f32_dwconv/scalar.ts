// Scalar float32 depthwise convolution over the same layout and in the same operation order as
// simd128.ts (acc = bias; acc = acc + x·w per tap; clamp), so every build gives identical floats.
// Export `f32_dwconv_minmax_anyp1c__scalar(input, zrow, out, weights, minmax, geom)`.

import { G_C, G_KH, G_KW, G_OH, G_OUT_ROW, G_OW, prepareTaps, tapPointers } from "../common/conv_geometry";
import { dwTileBytesF32 } from "./layout";
import { perThread } from "../common/threads";

const PTRS = memory.data(4 * 1024, 16);

export function f32_dwconv_minmax_anyp1c__scalar(input: usize, zrow: usize, out: usize, weights: usize, minmax: usize, geom: usize): void {
  const c = <u32>load<i32>(geom, G_C);
  const oh = load<i32>(geom, G_OH);
  const ow = load<i32>(geom, G_OW);
  const taps = <u32>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  const tileBytes = dwTileBytesF32(taps);
  const outRow = <usize>load<i32>(geom, G_OUT_ROW);
  const lo = load<f32>(minmax);
  const hi = load<f32>(minmax, 4);
  prepareTaps(geom, 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      tapPointers(geom, input, zrow, y, x, 4, perThread(PTRS));
      const o = out + <usize>y * outRow + <usize>x * <usize>c * 4;
      for (let ch: u32 = 0; ch < c; ch++) {
        const tile = weights + <usize>(ch >> 4) * tileBytes + (<usize>(ch & 15) << 2);
        let acc = load<f32>(tile);
        let pp = perThread(PTRS);
        let wp = tile + 64;
        for (let p: u32 = 0; p < taps; p++) {
          acc = acc + load<f32>(load<usize>(pp) + (<usize>ch << 2)) * load<f32>(wp);
          pp += sizeof<usize>();
          wp += 64;
        }
        // pmax/pmin semantics of the SIMD kernel: lo < acc ? acc : lo, then acc < hi ? acc : hi.
        acc = lo < acc ? acc : lo;
        acc = acc < hi ? acc : hi;
        store<f32>(o + (<usize>ch << 2), acc);
      }
    }
  }
}
