// The simd128 row store of the 8-bit GEMMs with 8-column blocks: 8 int32 accumulators of one row
// through the output stage, including the dequant stage (float32 output: acc · scaleA · scaleB +
// bias), which the shared output stage of ../output/simd128.ts does not have. Used by qs8_gemm
// (4x8c2, 1x32c2) and qs8_w7_gemm (relaxed 4x8c4, 1x32c4).

import { OUT_ARRAYS, STAGE_DEQUANT, STAGE_INT32 } from "../output/params";
import { store8 } from "../output/simd128";

/**
 * Stores one row of 8 finished accumulators (columns col..col+7, nc of them valid) at `out` through
 * the output stage: the shared 8-wide store of ../output/simd128.ts, or the dequant stage computed
 * here (float32 output: acc · sa · colScale + bias; sa is the row's activation scale).
 */
// @ts-ignore: decorator
@inline export function storeAcc(
  stage: i32, lo: v128, hi: v128, col: u32, nc: u32, out: usize, params: usize, cp: usize, sa: f32,
  k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  if (stage == STAGE_DEQUANT) {
    const at = params + OUT_ARRAYS + (<usize>col << 2);
    const vsa = f32x4.splat(sa);
    lo = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(lo), f32x4.mul(vsa, v128.load(at))), v128.load(at + (cp << 2)));
    hi = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(hi), f32x4.mul(vsa, v128.load(at, 16))), v128.load(at + (cp << 2), 16));
    store8(STAGE_INT32, lo, hi, col, nc, out, params, cp, k0, k1, k2, k3);
  } else {
    store8(stage, lo, hi, col, nc, out, params, cp, k0, k1, k2, k3);
  }
}
