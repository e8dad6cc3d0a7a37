// simd128 sparse GEMV over the 1×4-block format (pack.ts), tile 1x1c8 (M = 1, the one-row tile of
// qs8_spmm: 1 row × 1 column, 8 values of K per dot): per column, the 4 int16 activations of each of
// two 1×4 blocks (int16 a − za, from qs8_spmm_packa1) are gathered into one vector with
// load64_zero / load64_lane and dotted with the two blocks' 8 weights (two such dots, four blocks,
// per loop step); lanes are summed at the end of the column.
//
// Exports `qs8_spmm_<stage>_1x1c8__simd128(m, n, k, a16, w, c, ldc, params, za)` (m = 1, za = 0;
// a16 is packed by qs8_spmm_packa1, not packa).

import { STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32 } from "../output/params";
import { storeScalarStage } from "./scalar";

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

export function qs8_spmm_int32_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_INT32, n, a16, w, c, params);
}
export function qs8_spmm_fp32_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_FP32, n, a16, w, c, params);
}
export function qs8_spmm_fixedpoint_1x1c8__simd128(m: u32, n: u32, k: u32, a16: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmOneRowSimd(STAGE_FIXEDPOINT, n, a16, w, c, params);
}
