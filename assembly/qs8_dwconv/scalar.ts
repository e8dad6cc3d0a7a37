// Scalar depthwise convolution over the same packed layouts as simd128.ts (one channel at a time,
// taps in pairs). Same exports and arguments, tile name `anyp1c` (any kernel size).

import { OUT_ARRAYS, OUT_CHANNELS, OUT_QMAX, OUT_QMIN, OUT_ZP, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { requantFixed, requantFp32 } from "../output/scalar";
import { G_C, G_KH, G_KW, G_OH, G_OUT_ROW, G_OW, prepareTaps, tapPointers } from "../common/conv_geometry";
import { dwTileBytes } from "./layout";

const PTRS = memory.data(4 * 1024, 16);

// @ts-ignore: decorator
@inline function dwconvScalar(stage: i32, unsigned_: bool, input: usize, zrow: usize, out: usize, weights: usize, bias: usize, params: usize, geom: usize): void {
  const c = <u32>load<i32>(geom, G_C);
  const oh = load<i32>(geom, G_OH);
  const ow = load<i32>(geom, G_OW);
  const taps = <u32>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  const pairs = (taps + 1) >> 1;
  const tileBytes = dwTileBytes(taps);
  const esize: usize = stage == STAGE_INT32 ? 4 : 1;
  const outRow = <usize>load<i32>(geom, G_OUT_ROW);
  const zp = stage == STAGE_INT32 ? 0 : load<i32>(params, OUT_ZP);
  const qmin = stage == STAGE_INT32 ? 0 : load<i32>(params, OUT_QMIN);
  const qmax = stage == STAGE_INT32 ? 0 : load<i32>(params, OUT_QMAX);
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  prepareTaps(geom, 1);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      tapPointers(geom, input, zrow, y, x, 1, PTRS);
      const o = out + <usize>y * outRow + <usize>x * <usize>c * esize;
      for (let ch: u32 = 0; ch < c; ch++) {
        const tile = weights + <usize>(ch >> 4) * tileBytes + 64 + (<usize>(ch & 15) << 2);
        let acc = load<i32>(bias + (<usize>ch << 2));
        let pp = PTRS;
        let wp = tile;
        for (let p: u32 = 0; p < pairs; p++) {
          const a0 = unsigned_ ? <i32>load<u8>(load<usize>(pp) + ch) : <i32>load<i8>(load<usize>(pp) + ch);
          const a1 = unsigned_ ? <i32>load<u8>(load<usize>(pp, sizeof<usize>()) + ch) : <i32>load<i8>(load<usize>(pp, sizeof<usize>()) + ch);
          acc += a0 * <i32>load<i16>(wp) + a1 * <i32>load<i16>(wp, 2);
          pp += sizeof<usize>() << 1;
          wp += 64;
        }
        const at = o + <usize>ch * esize;
        if (stage == STAGE_INT32) {
          store<i32>(at, acc);
        } else if (stage == STAGE_FP32) {
          store<u8>(at, <u8>requantFp32(acc, load<f32>(params + OUT_ARRAYS + (<usize>ch << 2)), zp, <f32>(qmin - zp), <f32>(qmax - zp)));
        } else {
          const a = params + OUT_ARRAYS + (<usize>ch << 2);
          store<u8>(at, <u8>requantFixed(acc, load<i32>(a), load<i32>(a + (cp << 2)), load<i32>(a + (cp << 3)), load<i32>(a + cp * 12), zp, qmin, qmax));
        }
      }
    }
  }
}

export function qs8_dwconv_int32_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_INT32, false, i, z, o, w, b, p, g); }
export function qs8_dwconv_fp32_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_FP32, false, i, z, o, w, b, p, g); }
export function qs8_dwconv_fixedpoint_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_FIXEDPOINT, false, i, z, o, w, b, p, g); }
export function qu8_dwconv_int32_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_INT32, true, i, z, o, w, b, p, g); }
export function qu8_dwconv_fp32_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_FP32, true, i, z, o, w, b, p, g); }
export function qu8_dwconv_fixedpoint_anyp1c__scalar(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize): void { dwconvScalar(STAGE_FIXEDPOINT, true, i, z, o, w, b, p, g); }

/**
 * Channel-multiplier expansion: out[p, c·mult + j] = in[p, c] for `pixels` pixels of `c`
 * channels of `esize` bytes (1 or 4), so that the depthwise kernels only handle multiplier 1.
 */
export function qs8_dwconv_expand__scalar(input: usize, out: usize, pixels: u32, c: u32, mult: u32, esize: u32): void {
  for (let p: u32 = 0; p < pixels; p++) {
    for (let ch: u32 = 0; ch < c; ch++) {
      if (esize == 1) {
        const v = load<u8>(input);
        for (let j: u32 = 0; j < mult; j++) store<u8>(out + j, v);
      } else {
        const v = load<u32>(input);
        for (let j: u32 = 0; j < mult; j++) store<u32>(out + (<usize>j << 2), v);
      }
      input += esize;
      out += <usize>mult * esize;
    }
  }
}
