// simd128 int8 GEMV, tile 1×32 (1x32c2, for M = 1), over the packed layouts of layout.ts: 4 blocks
// of 8 columns in parallel, 16 bytes of B per block per K pair widened with extend_low/high and
// dotted with the splatted activation pair; B is streamed once.
//
// Exports `qs8_gemm_<stage>_1x32c2__simd128` share the scalar signature (scalar.ts); m must be 1
// and ldc is ignored. Over-reads: none beyond the packed buffers.

import { OUT_CHANNELS, STAGE_DEQUANT, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts } from "../output/simd128";
import { storeAcc } from "../common/simd128_gemm_store";
import { BLOCK_HEADER, blockBytes } from "./layout";
import { perThread } from "../common/threads";

/**
 * Output stage for one row of 8 accumulators (columns col..col+7, nc of them valid) at `out`:
 * adds the packed bias and the −zb·rowsum correction (`blk`, `rs`), then storeAcc.
 */
// @ts-ignore: decorator
@inline function storeRow(
  stage: i32, lo: v128, hi: v128, blk: usize, rs: i32, col: u32, nc: u32, out: usize, params: usize, cp: usize, sa: f32,
  k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  const vrs = i32x4.splat(rs);
  lo = i32x4.add(lo, i32x4.sub(v128.load(blk), i32x4.mul(v128.load(blk, 32), vrs)));
  hi = i32x4.add(hi, i32x4.sub(v128.load(blk, 16), i32x4.mul(v128.load(blk, 48), vrs)));
  storeAcc(stage, lo, hi, col, nc, out, params, cp, sa, k0, k1, k2, k3);
}

// @ts-ignore: decorator
@inline function gemvSimd(stage: i32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, params: usize, rowScale: usize): void {
  const kp = (k + 1) & ~1;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_DEQUANT ? 4 : 1;
  const bb = blockBytes(kp);
  const blocks = (n + 7) >> 3;
  const rs = load<i32>(rowsums);
  const sa: f32 = stage == STAGE_DEQUANT ? load<f32>(rowScale) : 0;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(perThread(CONSTS));
  const k1 = v128.load(perThread(CONSTS), 16);
  const k2 = v128.load(perThread(CONSTS), 32);
  const k3 = v128.load(perThread(CONSTS), 48);
  let j: u32 = 0;
  for (; j + 4 <= blocks; j += 4) {
    const blk0 = w + <usize>j * bb;
    let pw0 = blk0 + BLOCK_HEADER;
    let pw1 = pw0 + bb;
    let pw2 = pw1 + bb;
    let pw3 = pw2 + bb;
    let pa = a;
    let vacc0 = i32x4.splat(0);
    let vacc1 = vacc0;
    let vacc2 = vacc0;
    let vacc3 = vacc0;
    let vacc4 = vacc0;
    let vacc5 = vacc0;
    let vacc6 = vacc0;
    let vacc7 = vacc0;
    for (let p: u32 = 0; p < kp; p += 2) {
      const va = v128.load32_splat(pa);
      const vb0 = v128.load(pw0);
      const vb1 = v128.load(pw1);
      const vb2 = v128.load(pw2);
      const vb3 = v128.load(pw3);
      vacc0 = i32x4.add(vacc0, i32x4.dot_i16x8_s(va, i16x8.extend_low_i8x16_s(vb0)));
      vacc1 = i32x4.add(vacc1, i32x4.dot_i16x8_s(va, i16x8.extend_high_i8x16_s(vb0)));
      vacc2 = i32x4.add(vacc2, i32x4.dot_i16x8_s(va, i16x8.extend_low_i8x16_s(vb1)));
      vacc3 = i32x4.add(vacc3, i32x4.dot_i16x8_s(va, i16x8.extend_high_i8x16_s(vb1)));
      vacc4 = i32x4.add(vacc4, i32x4.dot_i16x8_s(va, i16x8.extend_low_i8x16_s(vb2)));
      vacc5 = i32x4.add(vacc5, i32x4.dot_i16x8_s(va, i16x8.extend_high_i8x16_s(vb2)));
      vacc6 = i32x4.add(vacc6, i32x4.dot_i16x8_s(va, i16x8.extend_low_i8x16_s(vb3)));
      vacc7 = i32x4.add(vacc7, i32x4.dot_i16x8_s(va, i16x8.extend_high_i8x16_s(vb3)));
      pa += 16;
      pw0 += 16;
      pw1 += 16;
      pw2 += 16;
      pw3 += 16;
    }
    const col = j * 8;
    const out = c + <usize>col * esize;
    storeRow(stage, vacc0, vacc1, blk0, rs, col, 8, out, params, cp, sa, k0, k1, k2, k3);
    storeRow(stage, vacc2, vacc3, blk0 + bb, rs, col + 8, 8, out + 8 * esize, params, cp, sa, k0, k1, k2, k3);
    storeRow(stage, vacc4, vacc5, blk0 + 2 * bb, rs, col + 16, 8, out + 16 * esize, params, cp, sa, k0, k1, k2, k3);
    storeRow(stage, vacc6, vacc7, blk0 + 3 * bb, rs, col + 24, min<u32>(8, n - col - 24), out + 24 * esize, params, cp, sa, k0, k1, k2, k3);
  }
  for (; j < blocks; j++) {
    const blk = w + <usize>j * bb;
    let pw = blk + BLOCK_HEADER;
    let pa = a;
    let vacc0 = i32x4.splat(0);
    let vacc1 = vacc0;
    for (let p: u32 = 0; p < kp; p += 2) {
      const va = v128.load32_splat(pa);
      const vb = v128.load(pw);
      vacc0 = i32x4.add(vacc0, i32x4.dot_i16x8_s(va, i16x8.extend_low_i8x16_s(vb)));
      vacc1 = i32x4.add(vacc1, i32x4.dot_i16x8_s(va, i16x8.extend_high_i8x16_s(vb)));
      pa += 16;
      pw += 16;
    }
    const col = j * 8;
    storeRow(stage, vacc0, vacc1, blk, rs, col, min<u32>(8, n - col), c + <usize>col * esize, params, cp, sa, k0, k1, k2, k3);
  }
}

export function qs8_gemm_int32_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_INT32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_fp32_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_FP32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_fixedpoint_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_FIXEDPOINT, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_dequant_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_DEQUANT, n, k, a, rowsums, w, c, params, rowScale);
}
