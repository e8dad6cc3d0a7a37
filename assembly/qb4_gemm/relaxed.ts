// Relaxed-SIMD block-wise 4-bit GEMM: the simd128 kernel's loops (qb4Simd in simd128_1x4c32.ts)
// with i32x4.relaxed_dot_i8x16_i7x16_add_s on int8 activations against the nibbles (octetRelaxed:
// exact, since nibbles are 7-bit). Same per-block epilogue, so results are bit-identical to simd128 and
// scalar.
//
// Exports as in scalar.ts, tile `1x4c32`.

import { qb4Simd } from "./simd128_1x4c32";

export function qb4_gemm_dequant_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(true, true, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__relaxed(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(true, false, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}
