// Relaxed-SIMD palettized GEMM: simd128.ts with i8x16.relaxed_swizzle (indices are always 0..15,
// where relaxed and plain swizzle agree). Exports as in scalar.ts, tile `1x4c32`.

import { qp4Simd } from "./simd128";

export function qp4_gemm_dequant_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Simd(true, true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qp4_gemm_int32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Simd(true, false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}
