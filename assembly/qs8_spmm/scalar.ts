// Scalar sparse GEMM over the 1×4-block format and the grouped A layout of pack.ts; one row and
// one output column at a time. Exports
// `qs8_spmm_<stage>_1x1__scalar(m, n, k, a, w, c, ldc, params, za)`: a = packed A (groups of 4
// rows), w = sparse weights, c = output [m, n] with row stride ldc bytes (int32 or 8-bit), params =
// output-stage block (per-column arrays; unused for int32), za = A's zero point in the packed
// (signed) domain.

import { OUT_ARRAYS, OUT_CHANNELS, OUT_QMAX, OUT_QMIN, OUT_ZP, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { requantFixed, requantFp32 } from "../output/scalar";

// @ts-ignore: decorator
@inline export function storeScalarStage(stage: i32, acc: i32, col: u32, out: usize, params: usize): void {
  if (stage == STAGE_INT32) {
    store<i32>(out, acc);
    return;
  }
  const zp = load<i32>(params, OUT_ZP);
  const qmin = load<i32>(params, OUT_QMIN);
  const qmax = load<i32>(params, OUT_QMAX);
  const at = params + OUT_ARRAYS + (<usize>col << 2);
  if (stage == STAGE_FP32) {
    store<u8>(out, <u8>requantFp32(acc, load<f32>(at), zp, <f32>(qmin - zp), <f32>(qmax - zp)));
  } else {
    const cp = paddedChannels(load<u32>(params, OUT_CHANNELS));
    store<u8>(out, <u8>requantFixed(acc, load<i32>(at), load<i32>(at + (cp << 2)), load<i32>(at + (cp << 3)), load<i32>(at + cp * 12), zp, qmin, qmax));
  }
}

// @ts-ignore: decorator
@inline function spmmScalar(stage: i32, m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  const kp = (k + 3) & ~3;
  const esize: usize = stage == STAGE_INT32 ? 4 : 1;
  for (let r: u32 = 0; r < m; r++) {
    const g = a + <usize>(r >> 2) * (<usize>kp << 2) + (<usize>(r & 3) << 1);
    let col = w;
    for (let j: u32 = 0; j < n; j++) {
      const count = load<i32>(col);
      let acc = load<i32>(col, 4) - za * load<i32>(col, 8);
      let e = col + 16;
      for (let i = 0; i < count; i++) {
        const off = <usize>load<i32>(e);
        acc += <i32>load<i8>(g + off) * <i32>load<i16>(e, 4) + <i32>load<i8>(g + off + 1) * <i32>load<i16>(e, 6)
          + <i32>load<i8>(g + off + 8) * <i32>load<i16>(e, 8) + <i32>load<i8>(g + off + 9) * <i32>load<i16>(e, 10);
        e += 12;
      }
      storeScalarStage(stage, acc, j, c + <usize>r * ldc + <usize>j * esize, params);
      col = e;
    }
  }
}

export function qs8_spmm_int32_1x1__scalar(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmScalar(STAGE_INT32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fp32_1x1__scalar(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmScalar(STAGE_FP32, m, n, k, a, w, c, ldc, params, za);
}
export function qs8_spmm_fixedpoint_1x1__scalar(m: u32, n: u32, k: u32, a: usize, w: usize, c: usize, ldc: usize, params: usize, za: i32): void {
  spmmScalar(STAGE_FIXEDPOINT, m, n, k, a, w, c, ldc, params, za);
}
