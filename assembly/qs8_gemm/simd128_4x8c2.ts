// simd128 int8 GEMM, tile 4×8 (4x8c2), over the packed layouts of layout.ts: per K pair, each
// row's int16 pair of A is broadcast with one `v128.load32_splat`, two `v128.load8x8_s` widen the
// block's 8 columns × 2 K of B, and `i32x4.dot_i16x8_s` (pmaddwd) accumulates into 8 vectors
// (4 rows × 2 column halves). This broadcast layout measured fastest on V8 here: XNNPACK's
// rotated 4x4c2 needs extra shuffles, and larger tiles spill (x64 has 16 XMM registers).
// The K loop body stays small so V8 unrolls it itself; loops over row groups and column blocks live
// in the same function, and A is walked in chunks of row groups that fit L2 while each B block is
// reused from L1.
//
// Exports `qs8_gemm_<stage>_4x8c2__simd128` share the scalar signature (scalar.ts). Over-reads:
// none beyond the packed buffers.

import { OUT_CHANNELS, STAGE_DEQUANT, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts, store8, store8x2 } from "../output/simd128";
import { storeAcc } from "../common/simd128_gemm_store";
import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";
import { perThread } from "../common/threads";

const L2_CHUNK: usize = 128 * 1024;
/** Packed B up to this size is kept whole in L1 (x86 and Arm cores have ≥ 32 KB L1d). */
const L1_B_BYTES: usize = 16 * 1024;

/** One 4×8 tile: rows 4g..4g+3, columns 8j..8j+7 (block `blk`, nc of its columns valid). */
// @ts-ignore: decorator
@inline function gemmTile(
  stage: i32, m: u32, g: u32, j: u32, blk: usize, nc: u32, kp: u32, gb: usize, esize: usize, a: usize, rowsums: usize,
  c: usize, ldc: usize, params: usize, cp: usize, rowScale: usize, rowScaleStride: usize,
  k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  // Symmetric weights (zb = 0 in every column of the block) need no row-sum correction.
  const hasZb = v128.any_true(v128.or(v128.load(blk, 32), v128.load(blk, 48)));
  let pa = a + <usize>g * gb;
  let pw = blk + BLOCK_HEADER;
  // Accumulators start at the bias, so the output stage adds nothing when zb = 0.
  let vacc0x0123 = v128.load(blk);
  let vacc0x4567 = v128.load(blk, 16);
  let vacc1x0123 = vacc0x0123;
  let vacc1x4567 = vacc0x4567;
  let vacc2x0123 = vacc0x0123;
  let vacc2x4567 = vacc0x4567;
  let vacc3x0123 = vacc0x0123;
  let vacc3x4567 = vacc0x4567;
  for (let p: u32 = 0; p < kp; p += 2) {
    const vb0123 = v128.load8x8_s(pw);
    const vb4567 = v128.load8x8_s(pw, 8);
    const va0 = v128.load32_splat(pa);
    vacc0x0123 = i32x4.add(vacc0x0123, i32x4.dot_i16x8_s(va0, vb0123));
    vacc0x4567 = i32x4.add(vacc0x4567, i32x4.dot_i16x8_s(va0, vb4567));
    const va1 = v128.load32_splat(pa, 4);
    vacc1x0123 = i32x4.add(vacc1x0123, i32x4.dot_i16x8_s(va1, vb0123));
    vacc1x4567 = i32x4.add(vacc1x4567, i32x4.dot_i16x8_s(va1, vb4567));
    const va2 = v128.load32_splat(pa, 8);
    vacc2x0123 = i32x4.add(vacc2x0123, i32x4.dot_i16x8_s(va2, vb0123));
    vacc2x4567 = i32x4.add(vacc2x4567, i32x4.dot_i16x8_s(va2, vb4567));
    const va3 = v128.load32_splat(pa, 12);
    vacc3x0123 = i32x4.add(vacc3x0123, i32x4.dot_i16x8_s(va3, vb0123));
    vacc3x4567 = i32x4.add(vacc3x4567, i32x4.dot_i16x8_s(va3, vb4567));
    pa += 16;
    pw += 16;
  }
  const row = g << 2;
  const out = c + <usize>row * ldc + <usize>j * 8 * esize;
  const col = j * 8;
  if (hasZb) {
    const rs = rowsums + (<usize>row << 2);
    const zlo = v128.load(blk, 32), zhi = v128.load(blk, 48);
    const r0 = i32x4.splat(load<i32>(rs)), r1 = i32x4.splat(load<i32>(rs, 4));
    const r2 = i32x4.splat(load<i32>(rs, 8)), r3 = i32x4.splat(load<i32>(rs, 12));
    vacc0x0123 = i32x4.sub(vacc0x0123, i32x4.mul(zlo, r0));
    vacc0x4567 = i32x4.sub(vacc0x4567, i32x4.mul(zhi, r0));
    vacc1x0123 = i32x4.sub(vacc1x0123, i32x4.mul(zlo, r1));
    vacc1x4567 = i32x4.sub(vacc1x4567, i32x4.mul(zhi, r1));
    vacc2x0123 = i32x4.sub(vacc2x0123, i32x4.mul(zlo, r2));
    vacc2x4567 = i32x4.sub(vacc2x4567, i32x4.mul(zhi, r2));
    vacc3x0123 = i32x4.sub(vacc3x0123, i32x4.mul(zlo, r3));
    vacc3x4567 = i32x4.sub(vacc3x4567, i32x4.mul(zhi, r3));
  }
  if (stage == STAGE_FP32 || stage == STAGE_FIXEDPOINT) {
    // 8-bit outputs: rows in pairs share one narrowing and the per-channel loads.
    if (row + 1 < m) {
      store8x2(stage, vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567, col, nc, out, out + ldc, params, cp, k0, k1, k2, k3);
    } else {
      store8(stage, vacc0x0123, vacc0x4567, col, nc, out, params, cp, k0, k1, k2, k3);
    }
    if (row + 3 < m) {
      store8x2(stage, vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567, col, nc, out + 2 * ldc, out + 3 * ldc, params, cp, k0, k1, k2, k3);
    } else if (row + 2 < m) {
      store8(stage, vacc2x0123, vacc2x4567, col, nc, out + 2 * ldc, params, cp, k0, k1, k2, k3);
    }
    return;
  }
  const dequant = stage == STAGE_DEQUANT;
  const sa = rowScale + <usize>row * rowScaleStride;
  storeAcc(stage, vacc0x0123, vacc0x4567, col, nc, out, params, cp, dequant ? load<f32>(sa) : 0, k0, k1, k2, k3);
  if (row + 1 < m) {
    storeAcc(stage, vacc1x0123, vacc1x4567, col, nc, out + ldc, params, cp,
      dequant ? load<f32>(sa + rowScaleStride) : 0, k0, k1, k2, k3);
  }
  if (row + 2 < m) {
    storeAcc(stage, vacc2x0123, vacc2x4567, col, nc, out + 2 * ldc, params, cp,
      dequant ? load<f32>(sa + 2 * rowScaleStride) : 0, k0, k1, k2, k3);
  }
  if (row + 3 < m) {
    storeAcc(stage, vacc3x0123, vacc3x4567, col, nc, out + 3 * ldc, params, cp,
      dequant ? load<f32>(sa + 3 * rowScaleStride) : 0, k0, k1, k2, k3);
  }
}

// @ts-ignore: decorator
@inline function gemmSimd(
  stage: i32, m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize,
  params: usize, rowScale: usize, rowScaleStride: usize,
): void {
  const kp = (k + 1) & ~1;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_DEQUANT ? 4 : 1;
  const bb = blockBytes(kp);
  const gb = groupBytes(kp);
  const groups = (m + 3) >> 2;
  const blocks = (n + 7) >> 3;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(perThread(CONSTS));
  const k1 = v128.load(perThread(CONSTS), 16);
  const k2 = v128.load(perThread(CONSTS), 32);
  const k3 = v128.load(perThread(CONSTS), 48);
  if (<usize>blocks * bb <= L1_B_BYTES) {
    // All of B stays in L1 (small K·N, e.g. expanding 1×1 convs): rows outer, so each A group is
    // read once and every output row is written front to back.
    for (let g: u32 = 0; g < groups; g++) {
      for (let j: u32 = 0; j < blocks; j++) {
        gemmTile(stage, m, g, j, w + <usize>j * bb, min<u32>(8, n - j * 8), kp, gb, esize, a, rowsums, c, ldc, params, cp, rowScale, rowScaleStride, k0, k1, k2, k3);
      }
    }
    return;
  }
  // Otherwise A in chunks of row groups that fit L2, each B block reused from L1 across a chunk.
  const chunk = <u32>max<usize>(1, L2_CHUNK / gb);
  for (let g0: u32 = 0; g0 < groups; g0 += chunk) {
    const g1 = min<u32>(groups, g0 + chunk);
    for (let j: u32 = 0; j < blocks; j++) {
      const blk = w + <usize>j * bb;
      const nc = min<u32>(8, n - j * 8);
      for (let g = g0; g < g1; g++) {
        gemmTile(stage, m, g, j, blk, nc, kp, gb, esize, a, rowsums, c, ldc, params, cp, rowScale, rowScaleStride, k0, k1, k2, k3);
      }
    }
  }
}

export function qs8_gemm_int32_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_INT32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_fp32_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_FP32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_fixedpoint_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_FIXEDPOINT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_dequant_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_DEQUANT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
