// simd128 int8 GEMM over the packed layouts of layout.ts.
//
// GEMM tile 4×8 (4x8c2): per K pair, each row's int16 pair of A is broadcast with one
// `v128.load32_splat`, two `v128.load8x8_s` widen the block's 8 columns × 2 K of B, and
// `i32x4.dot_i16x8_s` (pmaddwd) accumulates into 8 vectors (4 rows × 2 column halves). This is
// the broadcast layout DESIGN.md §6 measured fastest on V8: XNNPACK's rotated 4x4c2 needs extra
// shuffles, and larger tiles spill (x64 has 16 XMM registers). The K loop body stays small so V8
// unrolls it itself; loops over row groups and column blocks live in the same function, and A is
// walked in chunks of row groups that fit L2 while each B block is reused from L1.
//
// GEMV tile 1×32 (for M = 1): 4 blocks of 8 columns in parallel, 16 bytes of B per block per K
// pair widened with extend_low/high; B is streamed once.
//
// Exports share the scalar signature (scalar.ts). Over-reads: none beyond the packed buffers.

import { OUT_CHANNELS, STAGE_F32, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts, store8, store8x2 } from "../output/simd128";
import { storeAcc } from "../common/simd128_gemm_store";
import { hsum, transposeStore } from "../common/simd128_transpose";
import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";

const L2_CHUNK: usize = 128 * 1024;
/** Packed B up to this size is kept whole in L1 (x86 and Arm cores have ≥ 32 KB L1d). */
const L1_B_BYTES: usize = 16 * 1024;

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
  const f32stage = stage == STAGE_F32;
  const sa = rowScale + <usize>row * rowScaleStride;
  storeAcc(stage, vacc0x0123, vacc0x4567, col, nc, out, params, cp, f32stage ? load<f32>(sa) : 0, k0, k1, k2, k3);
  if (row + 1 < m) {
    storeAcc(stage, vacc1x0123, vacc1x4567, col, nc, out + ldc, params, cp,
      f32stage ? load<f32>(sa + rowScaleStride) : 0, k0, k1, k2, k3);
  }
  if (row + 2 < m) {
    storeAcc(stage, vacc2x0123, vacc2x4567, col, nc, out + 2 * ldc, params, cp,
      f32stage ? load<f32>(sa + 2 * rowScaleStride) : 0, k0, k1, k2, k3);
  }
  if (row + 3 < m) {
    storeAcc(stage, vacc3x0123, vacc3x4567, col, nc, out + 3 * ldc, params, cp,
      f32stage ? load<f32>(sa + 3 * rowScaleStride) : 0, k0, k1, k2, k3);
  }
}

// @ts-ignore: decorator
@inline function gemmSimd(
  stage: i32, m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize,
  params: usize, rowScale: usize, rowScaleStride: usize,
): void {
  const kp = (k + 1) & ~1;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_F32 ? 4 : 1;
  const bb = blockBytes(kp);
  const gb = groupBytes(kp);
  const groups = (m + 3) >> 2;
  const blocks = (n + 7) >> 3;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(CONSTS);
  const k1 = v128.load(CONSTS, 16);
  const k2 = v128.load(CONSTS, 32);
  const k3 = v128.load(CONSTS, 48);
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

// @ts-ignore: decorator
@inline function gemvSimd(stage: i32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, params: usize, rowScale: usize): void {
  const kp = (k + 1) & ~1;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_F32 ? 4 : 1;
  const bb = blockBytes(kp);
  const blocks = (n + 7) >> 3;
  const rs = load<i32>(rowsums);
  const sa: f32 = stage == STAGE_F32 ? load<f32>(rowScale) : 0;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(CONSTS);
  const k1 = v128.load(CONSTS, 16);
  const k2 = v128.load(CONSTS, 32);
  const k3 = v128.load(CONSTS, 48);
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

export function qs8_gemm_int32_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_INT32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_fp32_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_FP32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_fixedpoint_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_FIXEDPOINT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_gemm_f32_4x8c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmSimd(STAGE_F32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}

// GEMV (M = 1): same signature; m must be 1 and ldc is ignored.
export function qs8_gemm_int32_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_INT32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_fp32_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_FP32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_fixedpoint_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_FIXEDPOINT, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_gemm_f32_1x32c2__simd128(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvSimd(STAGE_F32, n, k, a, rowsums, w, c, params, rowScale);
}

/** packa (scalar.ts contract) with 8 K values per step: widen, subtract za, transpose 4 rows. */
export function qs8_gemm_packa__simd128(
  a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, za: usize, zaStride: usize, dst: usize, rowsums: usize,
): void {
  const kp = (k + 1) & ~1;
  const gb = groupBytes(kp);
  const groups = (m + 3) >> 2;
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const shift: i32 = unsigned_ ? 128 : 0;
  for (let g: u32 = 0; g < groups; g++) {
    const r0 = g << 2;
    const rows = min<u32>(4, m - r0);
    // Missing rows read row r0 (valid memory) and are zeroed by a mask.
    const a0 = a + <usize>r0 * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    const z0 = i16x8.splat(<i16>(load<i32>(za + <usize>r0 * zaStride) - shift));
    const z1 = i16x8.splat(<i16>(rows > 1 ? load<i32>(za + <usize>(r0 + 1) * zaStride) - shift : 0));
    const z2 = i16x8.splat(<i16>(rows > 2 ? load<i32>(za + <usize>(r0 + 2) * zaStride) - shift : 0));
    const z3 = i16x8.splat(<i16>(rows > 3 ? load<i32>(za + <usize>(r0 + 3) * zaStride) - shift : 0));
    const m1 = i16x8.splat(rows > 1 ? -1 : 0);
    const m2 = i16x8.splat(rows > 2 ? -1 : 0);
    const m3 = i16x8.splat(rows > 3 ? -1 : 0);
    let vs0 = i32x4.splat(0);
    let vs1 = vs0;
    let vs2 = vs0;
    let vs3 = vs0;
    let out = dst + <usize>g * gb;
    let kk: u32 = 0;
    if (rows == 4 && !unsigned_) {
      // Full group of int8 rows (the common case): no flip, no row masks.
      for (; kk + 8 <= k; kk += 8) {
        const x0 = i16x8.sub(v128.load8x8_s(a0 + kk), z0);
        const x1 = i16x8.sub(v128.load8x8_s(a1 + kk), z1);
        const x2 = i16x8.sub(v128.load8x8_s(a2 + kk), z2);
        const x3 = i16x8.sub(v128.load8x8_s(a3 + kk), z3);
        vs0 = i32x4.add(vs0, i32x4.extadd_pairwise_i16x8_s(x0));
        vs1 = i32x4.add(vs1, i32x4.extadd_pairwise_i16x8_s(x1));
        vs2 = i32x4.add(vs2, i32x4.extadd_pairwise_i16x8_s(x2));
        vs3 = i32x4.add(vs3, i32x4.extadd_pairwise_i16x8_s(x3));
        transposeStore(out, x0, x1, x2, x3, 16);
        out += 64;
      }
    }
    for (; kk + 8 <= k; kk += 8) {
      const x0 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a0 + kk), vflip)), z0);
      const x1 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a1 + kk), vflip)), z1), m1);
      const x2 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a2 + kk), vflip)), z2), m2);
      const x3 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a3 + kk), vflip)), z3), m3);
      vs0 = i32x4.add(vs0, i32x4.extadd_pairwise_i16x8_s(x0));
      vs1 = i32x4.add(vs1, i32x4.extadd_pairwise_i16x8_s(x1));
      vs2 = i32x4.add(vs2, i32x4.extadd_pairwise_i16x8_s(x2));
      vs3 = i32x4.add(vs3, i32x4.extadd_pairwise_i16x8_s(x3));
      // out[p] = (row0 pair p, row1 pair p, row2 pair p, row3 pair p).
      transposeStore(out, x0, x1, x2, x3, 16);
      out += 64;
    }
    let s0 = hsum(vs0);
    let s1 = hsum(vs1);
    let s2 = hsum(vs2);
    let s3 = hsum(vs3);
    for (; kk < kp; kk++) {
      const inK = kk < k;
      const v0: i32 = inK ? (unsigned_ ? <i32>load<u8>(a0 + kk) : <i32>load<i8>(a0 + kk)) - i16x8.extract_lane_s(z0, 0) - shift : 0;
      const v1: i32 = inK && rows > 1 ? (unsigned_ ? <i32>load<u8>(a1 + kk) : <i32>load<i8>(a1 + kk)) - i16x8.extract_lane_s(z1, 0) - shift : 0;
      const v2: i32 = inK && rows > 2 ? (unsigned_ ? <i32>load<u8>(a2 + kk) : <i32>load<i8>(a2 + kk)) - i16x8.extract_lane_s(z2, 0) - shift : 0;
      const v3: i32 = inK && rows > 3 ? (unsigned_ ? <i32>load<u8>(a3 + kk) : <i32>load<i8>(a3 + kk)) - i16x8.extract_lane_s(z3, 0) - shift : 0;
      const at = out + (<usize>(kk & 1) << 1);
      store<i16>(at, <i16>v0);
      store<i16>(at, <i16>v1, 4);
      store<i16>(at, <i16>v2, 8);
      store<i16>(at, <i16>v3, 12);
      s0 += v0;
      s1 += v1;
      s2 += v2;
      s3 += v3;
      if (kk & 1) out += 16;
    }
    store<i32>(rowsums + (<usize>r0 << 2), s0);
    store<i32>(rowsums + (<usize>r0 << 2), s1, 4);
    store<i32>(rowsums + (<usize>r0 << 2), s2, 8);
    store<i32>(rowsums + (<usize>r0 << 2), s3, 12);
  }
}
