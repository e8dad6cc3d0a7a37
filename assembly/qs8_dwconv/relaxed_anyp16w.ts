// Relaxed-SIMD row-vectorized depthwise convolution: simd128_anyp16w.ts with i8x16.relaxed_swizzle
// (one pshufb; its indices are 0..15 or 0x80, where relaxed and plain swizzle agree). Same
// arguments, tile `anyp16w`.

import { STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32 } from "../output/params";
import { runRows } from "./simd128_anyp16w";

export function qs8_dwconv_int32_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_INT32, false, true, i, z, o, w, b, p, g, s, m); }
export function qs8_dwconv_fp32_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FP32, false, true, i, z, o, w, b, p, g, s, m); }
export function qs8_dwconv_fixedpoint_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FIXEDPOINT, false, true, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_int32_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_INT32, true, true, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_fp32_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FP32, true, true, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_fixedpoint_anyp16w__relaxed(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FIXEDPOINT, true, true, i, z, o, w, b, p, g, s, m); }
