// simd128 sparse GEMM over the 1×4-block format (pack.ts), tile 8x1 (M > 1): output-stationary
// over 8 rows (two groups of 4) and one output column: for every nonzero block, two
// v128.load8x8_s widen rows × K pairs of A and two splatted int16 weight pairs meet them in
// i32x4.dot_i16x8_s, one lane per row (XNNPACK's SpMM idea, in int8). The result of 8 rows ×
// 1 column goes through the output stage with that column's parameters.
//
// Exports `qs8_spmm_<stage>_8x1__simd128`, arguments as the scalar kernel (scalar.ts; A packed by
// qs8_spmm_packa).

import { OUT_ARRAYS, OUT_CHANNELS, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, narrowToBytes, requantFixedX4, requantFp32x4, stageConsts } from "../output/simd128";
import { perThread } from "../common/threads";

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
  const k0 = v128.load(perThread(CONSTS));
  const k1 = v128.load(perThread(CONSTS), 16);
  const k2 = v128.load(perThread(CONSTS), 32);
  const k3 = v128.load(perThread(CONSTS), 48);
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

export function qs8_spmm_int32_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_INT32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fp32_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_FP32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fixedpoint_8x1__simd128(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmSimd(STAGE_FIXEDPOINT, m, n, k, a, w, c, ldc, params, za);
}
