// simd128 sparse GEMM over the 1×4-block format (pack.ts).
//
// Tile 8x1 (M > 1): output-stationary over 8 rows (two groups of 4) and one output column:
// for every nonzero block, two v128.load8x8_s widen rows × K pairs of A and two splatted int16
// weight pairs meet them in i32x4.dot_i16x8_s, one lane per row (XNNPACK's SpMM idea, in int8).
// The result of 8 rows × 1 column goes through the output stage with that column's parameters.
//
// Tile 1x1c8 (M = 1, the one-row tile): per column, two 1×4 blocks (8 values of K) per step: the
// 4 int16 activations of each block (int16 a − za, from qs8_spmm_packa1) are gathered into one
// vector with load64_zero / load64_lane and dotted with the two blocks' 8 weights; lanes are
// summed at the end of the column.
//
// Exports `qs8_spmm_<stage>_8x1__simd128` (arguments as the scalar kernel) and
// `qs8_spmm_<stage>_1x1c8__simd128(m, n, k, a16, w, c, ldc, params, za)` (m = 1, za = 0; a16 is
// packed by qs8_spmm_packa1, not packa).

import { OUT_ARRAYS, OUT_CHANNELS, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, narrowToBytes, requantFixedX4, requantFp32x4, stageConsts } from "../output/simd128";
import { storeScalarStage } from "./scalar";

// @ts-ignore: decorator
@inline function stage4(stage: i32, acc: v128, col: u32, params: usize, cp: usize, k0: v128, k1: v128, k2: v128, k3: v128): v128 {
  const at = params + OUT_ARRAYS + (<usize>col << 2);
  if (stage == STAGE_FP32) return requantFp32x4(acc, v128.load32_splat(at), k0, k1, k2, k3);
  const rs = f64x2.splat(load<f64>(params + OUT_ARRAYS + (cp << 4) + (<usize>col << 3)));
  return requantFixedX4(acc, v128.load32_splat(at), v128.load32_splat(at + (cp << 2)), v128.load32_splat(at + (cp << 3)), rs, rs, k0, k1, k2);
}

// @ts-ignore: decorator
@inline function spmmSimd(stage: i32, m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  const kp = (k + 3) & ~3;
  const gstride = <usize>kp << 2;
  const esize: usize = stage == STAGE_INT32 ? 4 : 1;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  stageConsts(stage, params);
  const k0 = v128.load(CONSTS);
  const k1 = v128.load(CONSTS, 16);
  const k2 = v128.load(CONSTS, 32);
  const k3 = v128.load(CONSTS, 48);
  for (let r: u32 = 0; r < m; r += 8) {
    const rows = min<u32>(8, m - r);
    const g0 = a + <usize>(r >> 2) * gstride;
    const g1 = g0 + gstride;
    let col = w;
    for (let j: u32 = 0; j < n; j++) {
      const count = load<i32>(col);
      let vacc0123 = i32x4.splat(load<i32>(col, 4) - za * load<i32>(col, 8));
      let vacc4567 = vacc0123;
      let e = col + 16;
      for (let i = 0; i < count; i++) {
        const off = <usize>load<i32>(e);
        const vw01 = v128.load32_splat(e + 4);
        const vw23 = v128.load32_splat(e + 8);
        const p0 = g0 + off;
        const p1 = g1 + off;
        vacc0123 = i32x4.add(vacc0123, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p0), vw01), i32x4.dot_i16x8_s(v128.load8x8_s(p0 + 8), vw23)));
        vacc4567 = i32x4.add(vacc4567, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p1), vw01), i32x4.dot_i16x8_s(v128.load8x8_s(p1 + 8), vw23)));
        e += 12;
      }
      const out = c + <usize>r * ldc + <usize>j * esize;
      if (stage == STAGE_INT32) {
        store<i32>(out, i32x4.extract_lane(vacc0123, 0));
        if (rows > 1) store<i32>(out + ldc, i32x4.extract_lane(vacc0123, 1));
        if (rows > 2) store<i32>(out + 2 * ldc, i32x4.extract_lane(vacc0123, 2));
        if (rows > 3) store<i32>(out + 3 * ldc, i32x4.extract_lane(vacc0123, 3));
        if (rows > 4) store<i32>(out + 4 * ldc, i32x4.extract_lane(vacc4567, 0));
        if (rows > 5) store<i32>(out + 5 * ldc, i32x4.extract_lane(vacc4567, 1));
        if (rows > 6) store<i32>(out + 6 * ldc, i32x4.extract_lane(vacc4567, 2));
        if (rows > 7) store<i32>(out + 7 * ldc, i32x4.extract_lane(vacc4567, 3));
      } else {
        const q0 = stage4(stage, vacc0123, j, params, cp, k0, k1, k2, k3);
        const q1 = stage4(stage, vacc4567, j, params, cp, k0, k1, k2, k3);
        const bytes = narrowToBytes(q0, q1, q0, q1);
        store<u8>(out, i8x16.extract_lane_u(bytes, 0));
        if (rows > 1) store<u8>(out + ldc, i8x16.extract_lane_u(bytes, 1));
        if (rows > 2) store<u8>(out + 2 * ldc, i8x16.extract_lane_u(bytes, 2));
        if (rows > 3) store<u8>(out + 3 * ldc, i8x16.extract_lane_u(bytes, 3));
        if (rows > 4) store<u8>(out + 4 * ldc, i8x16.extract_lane_u(bytes, 4));
        if (rows > 5) store<u8>(out + 5 * ldc, i8x16.extract_lane_u(bytes, 5));
        if (rows > 6) store<u8>(out + 6 * ldc, i8x16.extract_lane_u(bytes, 6));
        if (rows > 7) store<u8>(out + 7 * ldc, i8x16.extract_lane_u(bytes, 7));
      }
      col = e;
    }
  }
}

// @ts-ignore: decorator
@inline function spmmOneRowSimd(stage: i32, n: u32, a16: usize, w: usize, c: usize, params: usize): void {
  const esize: usize = stage == STAGE_INT32 ? 4 : 1;
  let col = w;
  for (let j: u32 = 0; j < n; j++) {
    const count = load<i32>(col);
    let vacc = i32x4.splat(0);
    let e = col + 16;
    let vacc1 = vacc;
    let i = 0;
    for (; i + 4 <= count; i += 4) {
      // off = 4·k0 bytes in the grouped layout; the int16 row is at 2·k0 = off / 2.
      const va0 = v128.load64_lane(a16 + (<usize>load<i32>(e, 12) >> 1), v128.load64_zero(a16 + (<usize>load<i32>(e) >> 1)), 1);
      const va1 = v128.load64_lane(a16 + (<usize>load<i32>(e, 36) >> 1), v128.load64_zero(a16 + (<usize>load<i32>(e, 24) >> 1)), 1);
      const vw0 = v128.load64_lane(e + 16, v128.load64_zero(e + 4), 1);
      const vw1 = v128.load64_lane(e + 40, v128.load64_zero(e + 28), 1);
      vacc = i32x4.add(vacc, i32x4.dot_i16x8_s(va0, vw0));
      vacc1 = i32x4.add(vacc1, i32x4.dot_i16x8_s(va1, vw1));
      e += 48;
    }
    vacc = i32x4.add(vacc, vacc1);
    for (; i < count; i++) {
      vacc = i32x4.add(vacc, i32x4.dot_i16x8_s(v128.load64_zero(a16 + (<usize>load<i32>(e) >> 1)), v128.load64_zero(e + 4)));
      e += 12;
    }
    const acc = load<i32>(col, 4) + i32x4.extract_lane(vacc, 0) + i32x4.extract_lane(vacc, 1) + i32x4.extract_lane(vacc, 2) + i32x4.extract_lane(vacc, 3);
    storeScalarStage(stage, acc, j, c + <usize>j * esize, params);
    col = e;
  }
}

export function qs8_spmm_int32_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_INT32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fp32_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_FP32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fixedpoint_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_FIXEDPOINT, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_int32_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_INT32, n, a16, w, c, params);
}
export function qs8_spmm_fp32_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_FP32, n, a16, w, c, params);
}
export function qs8_spmm_fixedpoint_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_FIXEDPOINT, n, a16, w, c, params);
}

/** packa (scalar.ts contract) for 4 rows × 8 K per step: a 4×4 transpose of 16-bit K pairs. */
export function qs8_spmm_packa__simd128(a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, dst: usize): void {
  const kp = (k + 3) & ~3;
  const groups = (m + 3) >> 2;
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  for (let g: u32 = 0; g < groups; g++) {
    const r0 = g << 2;
    const rows = min<u32>(4, m - r0);
    const a0 = a + <usize>r0 * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    const m1 = i8x16.splat(rows > 1 ? -1 : 0);
    const m2 = i8x16.splat(rows > 2 ? -1 : 0);
    const m3 = i8x16.splat(rows > 3 ? -1 : 0);
    let out = dst + <usize>g * (<usize>kp << 2);
    let kk: u32 = 0;
    for (; kk + 8 <= k; kk += 8) {
      const x0 = v128.xor(v128.load64_zero(a0 + kk), vflip);
      const x1 = v128.and(v128.xor(v128.load64_zero(a1 + kk), vflip), m1);
      const x2 = v128.and(v128.xor(v128.load64_zero(a2 + kk), vflip), m2);
      const x3 = v128.and(v128.xor(v128.load64_zero(a3 + kk), vflip), m3);
      const t01 = v128.shuffle<i16>(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11);
      const t23 = v128.shuffle<i16>(x2, x3, 0, 8, 1, 9, 2, 10, 3, 11);
      v128.store(out, v128.shuffle<i32>(t01, t23, 0, 4, 1, 5));
      v128.store(out, v128.shuffle<i32>(t01, t23, 2, 6, 3, 7), 16);
      out += 32;
    }
    for (; kk < kp; kk++) {
      for (let r: u32 = 0; r < 4; r++) {
        let v: i32 = 0;
        if (r < rows && kk < k) v = unsigned_ ? <i32>load<u8>(a0 + <usize>r * lda + kk) - 128 : <i32>load<i8>(a0 + <usize>r * lda + kk);
        store<i8>(out + (<usize>(kk & 7) >> 1 << 3) + (<usize>r << 1) + (kk & 1), <i8>v);
      }
      if ((kk & 7) == 7) out += 32;
    }
  }
}
