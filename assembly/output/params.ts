// Output-stage params block: how an int32 accumulator becomes an 8-bit output (or, for the GEMM's
// dequant stage, a float32 one). Written into linear memory (16-byte aligned) by
// src/output-stage.ts (the dequant block by the GEMM op, src/ops/gemm.ts), read at these constant
// offsets by every kernel with an output stage: requantize (qs32_q8_requant), the 8-bit GEMMs
// (qs8_gemm, qs8_w7_gemm), depthwise (qs8_dwconv, qu8_dwconv) and sparse (qs8_spmm).
//
//   offset  type  field
//   0       i32   output zero point
//   4       i32   qmin  (clamp bound, inclusive, already includes any fused ReLU/ReLU6)
//   8       i32   qmax
//   12      i32   C, the number of channels (1 for per-tensor)
//   16      ...   per-channel arrays, each padded to Cp = ceil(C / 4) * 4 entries so that SIMD
//                 code may load 4 lanes at any channel index that is a multiple of 4:
//     fp32 stage:        f32 scale[Cp]                                     at 16
//     fixedpoint stage:  i32 multiplier[Cp]                                at 16
//                        i32 leftMul[Cp]    (2^k, k = max(shift, 0))       at 16 + 4·Cp
//                        i32 leftMax[Cp]    (2^(31−k) − 1: the left shift   at 16 + 8·Cp
//                                            saturates; ~leftMax is the lower bound)
//                        i32 rightShift[Cp] (max(−shift, 0), 0..31)        at 16 + 12·Cp
//                        f64 rightScale[Cp] (2^−rightShift, exact)         at 16 + 16·Cp
//     dequant stage (float32 output: acc · scaleA · scaleB + bias; the GEMMs of dynamically
//     quantized activations; header fields other than C unused):
//                        f32 colScale[Cp]   (weight scale of the column)    at 16
//                        f32 bias[Cp]       (float bias, 0 without)         at 16 + 4·Cp
// The GEMM pads C to a multiple of 8 (its column block), so whole blocks load in bounds.

// @ts-ignore: decorator
@inline export const OUT_ZP: usize = 0;
// @ts-ignore: decorator
@inline export const OUT_QMIN: usize = 4;
// @ts-ignore: decorator
@inline export const OUT_QMAX: usize = 8;
// @ts-ignore: decorator
@inline export const OUT_CHANNELS: usize = 12;
// @ts-ignore: decorator
@inline export const OUT_ARRAYS: usize = 16;

/** Channel count rounded up to the SIMD lane count, as used by the array layout. */
// @ts-ignore: decorator
@inline export function paddedChannels(c: usize): usize {
  return (c + 3) & ~(<usize>3);
}

/**
 * Output stages, as constant arguments of the inline kernel bodies. STAGE_DEQUANT is the dequant
 * stage (float32 output: acc · scaleA · scaleB + bias), GEMM only; `fp32` (STAGE_FP32) is the
 * float requantization to 8 bits, not a float output.
 */
// @ts-ignore: decorator
@inline export const STAGE_INT32: i32 = 0;
// @ts-ignore: decorator
@inline export const STAGE_FP32: i32 = 1;
// @ts-ignore: decorator
@inline export const STAGE_FIXEDPOINT: i32 = 2;
// @ts-ignore: decorator
@inline export const STAGE_DEQUANT: i32 = 3;
