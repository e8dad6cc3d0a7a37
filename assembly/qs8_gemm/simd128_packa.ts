// simd128 packa of the int8 GEMM (the contract of qs8_gemm_packa__scalar in pack.ts; layout in
// layout.ts): 4 rows × 8 K values per step, widened to int16, za subtracted, transposed into the
// row-interleaved K pairs of a packed A group; row sums on the side.

import { hsum, transposeStore } from "../common/simd128_transpose";
import { groupBytes } from "./layout";

/** packa (scalar.ts contract) with 8 K values per step: widen, subtract za, transpose 4 rows. */
export function qs8_gemm_packa__simd128(
  a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, za: usize, zaStride: usize, dst: usize, rowsums: usize,
): void {
  const kp = (k + 1) & ~1;
  const gb = groupBytes(kp);
  const groups = (m + 3) >> 2;
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const shift: i32 = unsigned_ ? 128 : 0;
  for (let g: u32 = 0; g < groups; g++) {
    const r0 = g << 2;
    const rows = min<u32>(4, m - r0);
    // Missing rows read row r0 (valid memory) and are zeroed by a mask.
    const a0 = a + <usize>r0 * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    const z0 = i16x8.splat(<i16>(load<i32>(za + <usize>r0 * zaStride) - shift));
    const z1 = i16x8.splat(<i16>(rows > 1 ? load<i32>(za + <usize>(r0 + 1) * zaStride) - shift : 0));
    const z2 = i16x8.splat(<i16>(rows > 2 ? load<i32>(za + <usize>(r0 + 2) * zaStride) - shift : 0));
    const z3 = i16x8.splat(<i16>(rows > 3 ? load<i32>(za + <usize>(r0 + 3) * zaStride) - shift : 0));
    const m1 = i16x8.splat(rows > 1 ? -1 : 0);
    const m2 = i16x8.splat(rows > 2 ? -1 : 0);
    const m3 = i16x8.splat(rows > 3 ? -1 : 0);
    let vs0 = i32x4.splat(0);
    let vs1 = vs0;
    let vs2 = vs0;
    let vs3 = vs0;
    let out = dst + <usize>g * gb;
    let kk: u32 = 0;
    if (rows == 4 && !unsigned_) {
      // Full group of int8 rows (the common case): no flip, no row masks.
      for (; kk + 8 <= k; kk += 8) {
        const x0 = i16x8.sub(v128.load8x8_s(a0 + kk), z0);
        const x1 = i16x8.sub(v128.load8x8_s(a1 + kk), z1);
        const x2 = i16x8.sub(v128.load8x8_s(a2 + kk), z2);
        const x3 = i16x8.sub(v128.load8x8_s(a3 + kk), z3);
        vs0 = i32x4.add(vs0, i32x4.extadd_pairwise_i16x8_s(x0));
        vs1 = i32x4.add(vs1, i32x4.extadd_pairwise_i16x8_s(x1));
        vs2 = i32x4.add(vs2, i32x4.extadd_pairwise_i16x8_s(x2));
        vs3 = i32x4.add(vs3, i32x4.extadd_pairwise_i16x8_s(x3));
        transposeStore(out, x0, x1, x2, x3, 16);
        out += 64;
      }
    }
    for (; kk + 8 <= k; kk += 8) {
      const x0 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a0 + kk), vflip)), z0);
      const x1 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a1 + kk), vflip)), z1), m1);
      const x2 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a2 + kk), vflip)), z2), m2);
      const x3 = v128.and(i16x8.sub(i16x8.extend_low_i8x16_s(v128.xor(v128.load64_zero(a3 + kk), vflip)), z3), m3);
      vs0 = i32x4.add(vs0, i32x4.extadd_pairwise_i16x8_s(x0));
      vs1 = i32x4.add(vs1, i32x4.extadd_pairwise_i16x8_s(x1));
      vs2 = i32x4.add(vs2, i32x4.extadd_pairwise_i16x8_s(x2));
      vs3 = i32x4.add(vs3, i32x4.extadd_pairwise_i16x8_s(x3));
      // out[p] = (row0 pair p, row1 pair p, row2 pair p, row3 pair p).
      transposeStore(out, x0, x1, x2, x3, 16);
      out += 64;
    }
    let s0 = hsum(vs0);
    let s1 = hsum(vs1);
    let s2 = hsum(vs2);
    let s3 = hsum(vs3);
    for (; kk < kp; kk++) {
      const inK = kk < k;
      const v0: i32 = inK ? (unsigned_ ? <i32>load<u8>(a0 + kk) : <i32>load<i8>(a0 + kk)) - i16x8.extract_lane_s(z0, 0) - shift : 0;
      const v1: i32 = inK && rows > 1 ? (unsigned_ ? <i32>load<u8>(a1 + kk) : <i32>load<i8>(a1 + kk)) - i16x8.extract_lane_s(z1, 0) - shift : 0;
      const v2: i32 = inK && rows > 2 ? (unsigned_ ? <i32>load<u8>(a2 + kk) : <i32>load<i8>(a2 + kk)) - i16x8.extract_lane_s(z2, 0) - shift : 0;
      const v3: i32 = inK && rows > 3 ? (unsigned_ ? <i32>load<u8>(a3 + kk) : <i32>load<i8>(a3 + kk)) - i16x8.extract_lane_s(z3, 0) - shift : 0;
      const at = out + (<usize>(kk & 1) << 1);
      store<i16>(at, <i16>v0);
      store<i16>(at, <i16>v1, 4);
      store<i16>(at, <i16>v2, 8);
      store<i16>(at, <i16>v3, 12);
      s0 += v0;
      s1 += v1;
      s2 += v2;
      s3 += v3;
      if (kk & 1) out += 16;
    }
    store<i32>(rowsums + (<usize>r0 << 2), s0);
    store<i32>(rowsums + (<usize>r0 << 2), s1, 4);
    store<i32>(rowsums + (<usize>r0 << 2), s2, 8);
    store<i32>(rowsums + (<usize>r0 << 2), s3, 12);
  }
}
