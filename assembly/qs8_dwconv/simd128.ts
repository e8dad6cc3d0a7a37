// simd128 depthwise convolution, NHWC, 16 channels per step (layouts in layout.ts, geometry in
// ../common/conv_geometry.ts).
//
// For an interior output pixel (every tap inside the input) tap addresses are the window's base
// plus the per-call TAP_OFFSETS; for a border pixel they are computed into PTRS (padding taps point
// at the zero-point row) and the base is 0. Then every tile of 16 channels walks the taps in
// pairs: the 16 input bytes of both taps are interleaved byte by byte (i8x16.shuffle patterns V8
// lowers to punpcklbw/punpckhbw), widened to int16 and multiplied against the pre-interleaved int16
// weight pairs with i32x4.dot_i16x8_s, into 4 int32 accumulators that start from the folded bias.
// This layout measured 19–22 GOPS for 3×3 here. Widening uint8 input with zero-extension (qu8)
// instead of sign-extension (qs8) is the only difference between the two families (qu8_dwconv is
// the uint8 twin generated from the same template; see layout.ts): weights are int16 either way,
// so no product can overflow (|2 · 255 · 255| < 2^31).
//
// Exports `<family>_<stage>_<taps>p16c__simd128(input, zrow, out, weights, bias, params, geom)`:
// input [H, W, C] of one image; zrow: C + 16 bytes of the input zero point; out [OH, OW, C]
// (int32 or 8-bit elements); weights: packed tiles; bias: folded int32 bias [Cp16]; params:
// output-stage block (unused for int32); geom: the geometry block. `3x3`/`5x5` variants require
// KH·KW = 9 / 25 (any stride, dilation, padding); `any` takes every kernel size.

import { OUT_CHANNELS, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts, store16, store8 } from "../output/simd128";
import { G_C, G_DH, G_DW, G_H, G_IN_ROW, G_KH, G_KW, G_OH, G_OUT_ROW, G_OW, G_PL, G_PT, G_SH, G_SW, G_W, TAP_OFFSETS, prepareTaps, tapPointers } from "../common/conv_geometry";
import { dwTileBytes } from "./layout";

const PTRS = memory.data(4 * 1024, 16);

// @ts-ignore: decorator
@inline function dwconvSimd(stage: i32, unsigned_: bool, fixedTaps: i32, input: usize, zrow: usize, out: usize, weights: usize, bias: usize, params: usize, geom: usize): void {
  const c = <u32>load<i32>(geom, G_C);
  const oh = load<i32>(geom, G_OH);
  const ow = load<i32>(geom, G_OW);
  const taps: u32 = fixedTaps > 0 ? <u32>fixedTaps : <u32>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  const pairs = (taps + 1) >> 1;
  const tileBytes = dwTileBytes(taps);
  const tiles = (c + 15) >> 4;
  const esize: usize = stage == STAGE_INT32 ? 4 : 1;
  const outRow = <usize>load<i32>(geom, G_OUT_ROW);
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(CONSTS);
  const k1 = v128.load(CONSTS, 16);
  const k2 = v128.load(CONSTS, 32);
  const k3 = v128.load(CONSTS, 48);
  prepareTaps(geom, 1);
  const h = load<i32>(geom, G_H);
  const w = load<i32>(geom, G_W);
  const sh = load<i32>(geom, G_SH);
  const sw = load<i32>(geom, G_SW);
  const pt = load<i32>(geom, G_PT);
  const pl = load<i32>(geom, G_PL);
  const spanH = (load<i32>(geom, G_KH) - 1) * load<i32>(geom, G_DH);
  const spanW = (load<i32>(geom, G_KW) - 1) * load<i32>(geom, G_DW);
  const inRow = <usize>load<i32>(geom, G_IN_ROW);
  for (let y = 0; y < oh; y++) {
    let o = out + <usize>y * outRow;
    const ih0 = y * sh - pt;
    const rowInside = ih0 >= 0 && ih0 + spanH < h;
    for (let x = 0; x < ow; x++) {
      const iw0 = x * sw - pl;
      let taddr = TAP_OFFSETS;
      let tbase: usize = 0;
      if (rowInside && iw0 >= 0 && iw0 + spanW < w) {
        tbase = input + <usize>ih0 * inRow + <usize>iw0 * <usize>c;
      } else {
        tapPointers(geom, input, zrow, y, x, 1, PTRS);
        taddr = PTRS;
      }
      let pw = weights;
      let pb = bias;
      for (let t: u32 = 0; t < tiles; t++) {
        const c0 = <usize>(t << 4);
        const tb = tbase + c0;
        let vacc0123 = v128.load(pb);
        let vacc4567 = v128.load(pb, 16);
        let vacc89AB = v128.load(pb, 32);
        let vaccCDEF = v128.load(pb, 48);
        let pp = taddr;
        let wp = pw + 64;
        for (let p: u32 = 0; p < pairs; p++) {
          const vi0 = v128.load(tb + load<usize>(pp));
          const vi1 = v128.load(tb + load<usize>(pp, sizeof<usize>()));
          const vlo = i8x16.shuffle(vi0, vi1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
          const vhi = i8x16.shuffle(vi0, vi1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
          if (unsigned_) {
            vacc0123 = i32x4.add(vacc0123, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(vlo), v128.load(wp)));
            vacc4567 = i32x4.add(vacc4567, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(vlo), v128.load(wp, 16)));
            vacc89AB = i32x4.add(vacc89AB, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(vhi), v128.load(wp, 32)));
            vaccCDEF = i32x4.add(vaccCDEF, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(vhi), v128.load(wp, 48)));
          } else {
            vacc0123 = i32x4.add(vacc0123, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(vlo), v128.load(wp)));
            vacc4567 = i32x4.add(vacc4567, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(vlo), v128.load(wp, 16)));
            vacc89AB = i32x4.add(vacc89AB, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(vhi), v128.load(wp, 32)));
            vaccCDEF = i32x4.add(vaccCDEF, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(vhi), v128.load(wp, 48)));
          }
          pp += sizeof<usize>() << 1;
          wp += 64;
        }
        const nc = min<u32>(16, c - <u32>c0);
        if (stage != STAGE_INT32) {
          store16(stage, vacc0123, vacc4567, vacc89AB, vaccCDEF, <u32>c0, nc, o, params, cp, k0, k1, k2, k3);
        } else {
          store8(stage, vacc0123, vacc4567, <u32>c0, min<u32>(nc, 8), o, params, cp, k0, k1, k2, k3);
          if (nc > 8) store8(stage, vacc89AB, vaccCDEF, <u32>c0 + 8, nc - 8, o + 8 * esize, params, cp, k0, k1, k2, k3);
        }
        o += 16 * esize;
        pw += tileBytes;
        pb += 64;
      }
      o -= <usize>(tiles << 4) * esize;
      o += <usize>c * esize;
    }
  }
}

// @ts-ignore: decorator
@inline function run(stage: i32, unsigned_: bool, taps: i32, input: usize, zrow: usize, out: usize, weights: usize, bias: usize, params: usize, geom: usize): void {
  dwconvSimd(stage, unsigned_, taps, input, zrow, out, weights, bias, params, geom);
}

export function qs8_dwconv_int32_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, false, 9, i, z, o, w, b, p, g); }
export function qs8_dwconv_fp32_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, false, 9, i, z, o, w, b, p, g); }
export function qs8_dwconv_fixedpoint_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, false, 9, i, z, o, w, b, p, g); }
export function qs8_dwconv_int32_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, false, 25, i, z, o, w, b, p, g); }
export function qs8_dwconv_fp32_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, false, 25, i, z, o, w, b, p, g); }
export function qs8_dwconv_fixedpoint_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, false, 25, i, z, o, w, b, p, g); }
export function qs8_dwconv_int32_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, false, 0, i, z, o, w, b, p, g); }
export function qs8_dwconv_fp32_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, false, 0, i, z, o, w, b, p, g); }
export function qs8_dwconv_fixedpoint_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, false, 0, i, z, o, w, b, p, g); }
export function qu8_dwconv_int32_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, true, 9, i, z, o, w, b, p, g); }
export function qu8_dwconv_fp32_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, true, 9, i, z, o, w, b, p, g); }
export function qu8_dwconv_fixedpoint_3x3p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, true, 9, i, z, o, w, b, p, g); }
export function qu8_dwconv_int32_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, true, 25, i, z, o, w, b, p, g); }
export function qu8_dwconv_fp32_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, true, 25, i, z, o, w, b, p, g); }
export function qu8_dwconv_fixedpoint_5x5p16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, true, 25, i, z, o, w, b, p, g); }
export function qu8_dwconv_int32_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_INT32, true, 0, i, z, o, w, b, p, g); }
export function qu8_dwconv_fp32_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FP32, true, 0, i, z, o, w, b, p, g); }
export function qu8_dwconv_fixedpoint_anyp16c__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { run(STAGE_FIXEDPOINT, true, 0, i, z, o, w, b, p, g); }
