// Scalar int8 GEMM over the packed layouts of layout.ts: one row × 8 columns of int32
// accumulators at a time (the packed B block is re-read from L1 for each of the 4 rows of a
// group). The same loops serve every output stage; the stage is a constant argument of an inline
// body, so each export compiles to a specialised loop.
//
// Exports `qs8_gemm_<stage>_<tile>__<isa>`, stage int32, fp32, fixedpoint or dequant (the dequant
// stage: float32 output, acc · scaleA · scaleB + bias), share the signature
//   (m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride)
// a/rowsums: packed A and its row sums; w: packed B; c: output [m, n], row stride ldc bytes
// (int32, int8/uint8 or float32 elements); params: output-stage block (../output/params.ts, C
// padded to a multiple of 8; unused by int32); rowScale + r·rowScaleStride: f32 scale of A's row r
// (dequant stage only).

import { OUT_ARRAYS, OUT_CHANNELS, OUT_QMAX, OUT_QMIN, OUT_ZP, STAGE_DEQUANT, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { requantFixed, requantFp32 } from "../output/scalar";
import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";

// @ts-ignore: decorator
@inline function storeOne(stage: i32, acc: i32, col: u32, out: usize, params: usize, rowScale: f32): void {
  if (stage == STAGE_INT32) {
    store<i32>(out, acc);
  } else if (stage == STAGE_FP32) {
    const zp = load<i32>(params, OUT_ZP);
    const scale = load<f32>(params + OUT_ARRAYS + (<usize>col << 2));
    store<u8>(out, <u8>requantFp32(acc, scale, zp, <f32>(load<i32>(params, OUT_QMIN) - zp), <f32>(load<i32>(params, OUT_QMAX) - zp)));
  } else if (stage == STAGE_FIXEDPOINT) {
    const cp = paddedChannels(load<u32>(params, OUT_CHANNELS));
    const at = params + OUT_ARRAYS + (<usize>col << 2);
    store<u8>(out, <u8>requantFixed(acc, load<i32>(at), load<i32>(at + (cp << 2)), load<i32>(at + (cp << 3)),
      load<i32>(at + cp * 12), load<i32>(params, OUT_ZP), load<i32>(params, OUT_QMIN), load<i32>(params, OUT_QMAX)));
  } else {
    const cp = paddedChannels(load<u32>(params, OUT_CHANNELS));
    const at = params + OUT_ARRAYS + (<usize>col << 2);
    store<f32>(out, <f32>acc * (rowScale * load<f32>(at)) + load<f32>(at + (cp << 2)));
  }
}

// @ts-ignore: decorator
@inline function gemmScalar(
  stage: i32, m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize,
  params: usize, rowScale: usize, rowScaleStride: usize,
): void {
  const kp = (k + 1) & ~1;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_DEQUANT ? 4 : 1;
  const blocks = (n + 7) >> 3;
  for (let j: u32 = 0; j < blocks; j++) {
    const blk = w + <usize>j * blockBytes(kp);
    const nc = min<u32>(8, n - j * 8);
    for (let row: u32 = 0; row < m; row++) {
      let pa = a + <usize>(row >> 2) * groupBytes(kp) + (<usize>(row & 3) << 2);
      let pw = blk + BLOCK_HEADER;
      let acc0: i32 = 0, acc1: i32 = 0, acc2: i32 = 0, acc3: i32 = 0;
      let acc4: i32 = 0, acc5: i32 = 0, acc6: i32 = 0, acc7: i32 = 0;
      for (let p: u32 = 0; p < kp; p += 2) {
        const a0 = <i32>load<i16>(pa);
        const a1 = <i32>load<i16>(pa, 2);
        acc0 += a0 * <i32>load<i8>(pw) + a1 * <i32>load<i8>(pw, 1);
        acc1 += a0 * <i32>load<i8>(pw, 2) + a1 * <i32>load<i8>(pw, 3);
        acc2 += a0 * <i32>load<i8>(pw, 4) + a1 * <i32>load<i8>(pw, 5);
        acc3 += a0 * <i32>load<i8>(pw, 6) + a1 * <i32>load<i8>(pw, 7);
        acc4 += a0 * <i32>load<i8>(pw, 8) + a1 * <i32>load<i8>(pw, 9);
        acc5 += a0 * <i32>load<i8>(pw, 10) + a1 * <i32>load<i8>(pw, 11);
        acc6 += a0 * <i32>load<i8>(pw, 12) + a1 * <i32>load<i8>(pw, 13);
        acc7 += a0 * <i32>load<i8>(pw, 14) + a1 * <i32>load<i8>(pw, 15);
        pa += 16;
        pw += 16;
      }
      const rs = load<i32>(rowsums + (<usize>row << 2));
      const sa: f32 = stage == STAGE_DEQUANT ? load<f32>(rowScale + <usize>row * rowScaleStride) : 0;
      const out = c + <usize>row * ldc + <usize>j * 8 * esize;
      for (let t: u32 = 0; t < nc; t++) {
        const acc = t == 0 ? acc0 : t == 1 ? acc1 : t == 2 ? acc2 : t == 3 ? acc3 : t == 4 ? acc4 : t == 5 ? acc5 : t == 6 ? acc6 : acc7;
        const fixed = load<i32>(blk + (<usize>t << 2)) - load<i32>(blk + 32 + (<usize>t << 2)) * rs;
        storeOne(stage, acc + fixed, j * 8 + t, out + <usize>t * esize, params, sa);
      }
    }
  }
}

export function qs8_gemm_int32_1x8c2__scalar(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmScalar(STAGE_INT32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}

export function qs8_gemm_fp32_1x8c2__scalar(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmScalar(STAGE_FP32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}

export function qs8_gemm_fixedpoint_1x8c2__scalar(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmScalar(STAGE_FIXEDPOINT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}

export function qs8_gemm_dequant_1x8c2__scalar(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmScalar(STAGE_DEQUANT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
