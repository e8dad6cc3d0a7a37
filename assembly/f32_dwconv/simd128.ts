// simd128 float32 depthwise convolution, NHWC, 16 channels per step: for each output pixel the
// tap addresses are computed once (padding taps read a row of zeros), then per tile of 16 channels
// acc = bias, acc = acc + x·w per tap in kh-major order (mul then add: no fused multiply-add, so
// every build rounds identically), clamp to [min, max]. Layout: layout.ts.
//
// Exports `f32_dwconv_minmax_<taps>p16c__simd128(input, zrow, out, weights, minmax, geom)`:
// zrow: C + 16 zero floats; minmax: f32[2] clamp bounds; geom: the geometry block. Reads past a
// pixel stay under 16 bytes (the last, partial tile loads only the 4-float groups holding channels).

import { G_C, G_KH, G_KW, G_OH, G_OUT_ROW, G_OW, prepareTaps, tapPointers } from "../common/conv_geometry";
import { dwTileBytesF32 } from "./layout";
import { perThread } from "../common/threads";

const PTRS = memory.data(4 * 1024, 16);
const SCRATCH = memory.data(64, 16);

// @ts-ignore: decorator
@inline function dwconvF32(fixedTaps: i32, input: usize, zrow: usize, out: usize, weights: usize, minmax: usize, geom: usize): void {
  const c = <u32>load<i32>(geom, G_C);
  const oh = load<i32>(geom, G_OH);
  const ow = load<i32>(geom, G_OW);
  const taps: u32 = fixedTaps > 0 ? <u32>fixedTaps : <u32>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  const tileBytes = dwTileBytesF32(taps);
  const tiles = (c + 15) >> 4;
  const outRow = <usize>load<i32>(geom, G_OUT_ROW);
  const vmin = f32x4.splat(load<f32>(minmax));
  const vmax = f32x4.splat(load<f32>(minmax, 4));
  prepareTaps(geom, 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      tapPointers(geom, input, zrow, y, x, 4, perThread(PTRS));
      let o = out + <usize>y * outRow + <usize>x * <usize>c * 4;
      let pw = weights;
      for (let t: u32 = 0; t < tiles; t++) {
        const c0 = <usize>(t << 6);
        let v0 = v128.load(pw);
        let v1 = v128.load(pw, 16);
        let v2 = v128.load(pw, 32);
        let v3 = v128.load(pw, 48);
        const nc = min<u32>(16, c - (t << 4));
        if (nc == 16) {
          let pp = perThread(PTRS);
          let wp = pw + 64;
          for (let p: u32 = 0; p < taps; p++) {
            const i = load<usize>(pp) + c0;
            v0 = f32x4.add(v0, f32x4.mul(v128.load(i), v128.load(wp)));
            v1 = f32x4.add(v1, f32x4.mul(v128.load(i, 16), v128.load(wp, 16)));
            v2 = f32x4.add(v2, f32x4.mul(v128.load(i, 32), v128.load(wp, 32)));
            v3 = f32x4.add(v3, f32x4.mul(v128.load(i, 48), v128.load(wp, 48)));
            pp += sizeof<usize>();
            wp += 64;
          }
        } else {
          // Last, partial tile: read only the 4-float groups that hold channels, so the over-read
          // past the pixel stays under 16 bytes (the readable slack every buffer has).
          let pp = perThread(PTRS);
          let wp = pw + 64;
          for (let p: u32 = 0; p < taps; p++) {
            const i = load<usize>(pp) + c0;
            v0 = f32x4.add(v0, f32x4.mul(v128.load(i), v128.load(wp)));
            if (nc > 4) v1 = f32x4.add(v1, f32x4.mul(v128.load(i, 16), v128.load(wp, 16)));
            if (nc > 8) v2 = f32x4.add(v2, f32x4.mul(v128.load(i, 32), v128.load(wp, 32)));
            if (nc > 12) v3 = f32x4.add(v3, f32x4.mul(v128.load(i, 48), v128.load(wp, 48)));
            pp += sizeof<usize>();
            wp += 64;
          }
        }
        v0 = f32x4.pmin(vmax, f32x4.pmax(vmin, v0));
        v1 = f32x4.pmin(vmax, f32x4.pmax(vmin, v1));
        v2 = f32x4.pmin(vmax, f32x4.pmax(vmin, v2));
        v3 = f32x4.pmin(vmax, f32x4.pmax(vmin, v3));
        if (nc == 16) {
          v128.store(o, v0);
          v128.store(o, v1, 16);
          v128.store(o, v2, 32);
          v128.store(o, v3, 48);
        } else {
          v128.store(perThread(SCRATCH), v0);
          v128.store(perThread(SCRATCH), v1, 16);
          v128.store(perThread(SCRATCH), v2, 32);
          v128.store(perThread(SCRATCH), v3, 48);
          memory.copy(o, perThread(SCRATCH), <usize>nc << 2);
        }
        o += 64;
        pw += tileBytes;
      }
    }
  }
}

export function f32_dwconv_minmax_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, mm: usize, g: usize): void { dwconvF32(9, i, z, o, w, mm, g); }
export function f32_dwconv_minmax_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, mm: usize, g: usize): void { dwconvF32(25, i, z, o, w, mm, g); }
export function f32_dwconv_minmax_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, mm: usize, g: usize): void { dwconvF32(0, i, z, o, w, mm, g); }
