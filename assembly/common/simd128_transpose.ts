// simd128 helpers of the GEMM A packers (packa), which turn 4 rows of A into the row-interleaved
// groups of the packed-A layouts: a 4×4 transpose of 32-bit lanes stored to memory, and a
// horizontal sum for the row sums. Used by qs8_gemm (packa__simd128) and qs8_w7_gemm
// (packa__relaxed).

/**
 * Stores the 4×4 transpose of 32-bit lanes: row i (lane i of x0, x1, x2, x3) at out + i·stride,
 * stride 16 (64 contiguous bytes) or 32.
 */
// @ts-ignore: decorator
@inline export function transposeStore(out: usize, x0: v128, x1: v128, x2: v128, x3: v128, stride: usize): void {
  const t01lo = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
  const t01hi = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
  const t23lo = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
  const t23hi = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<i64>(t01lo, t23lo, 0, 2));
  // Immediate offsets (strides are constants at every call site, so the branch folds away).
  if (stride == 16) {
    v128.store(out, v128.shuffle<i64>(t01lo, t23lo, 1, 3), 16);
    v128.store(out, v128.shuffle<i64>(t01hi, t23hi, 0, 2), 32);
    v128.store(out, v128.shuffle<i64>(t01hi, t23hi, 1, 3), 48);
  } else {
    v128.store(out, v128.shuffle<i64>(t01lo, t23lo, 1, 3), 32);
    v128.store(out, v128.shuffle<i64>(t01hi, t23hi, 0, 2), 64);
    v128.store(out, v128.shuffle<i64>(t01hi, t23hi, 1, 3), 96);
  }
}

/** Sum of the 4 int32 lanes (wrapping). */
// @ts-ignore: decorator
@inline export function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}
