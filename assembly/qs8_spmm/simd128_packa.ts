// simd128 packa of the sparse GEMM (the contract of qs8_spmm_packa__scalar in pack.ts): 4 rows ×
// 8 K per step, a 4×4 transpose of 16-bit K pairs into the grouped A layout of the 8x1 tile.

/** packa (scalar.ts contract) for 4 rows × 8 K per step: a 4×4 transpose of 16-bit K pairs. */
export function qs8_spmm_packa__simd128(a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, dst: usize): void {
  const kp = (k + 3) & ~3;
  const groups = (m + 3) >> 2;
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  for (let g: u32 = 0; g < groups; g++) {
    const r0 = g << 2;
    const rows = min<u32>(4, m - r0);
    const a0 = a + <usize>r0 * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    const m1 = i8x16.splat(rows > 1 ? -1 : 0);
    const m2 = i8x16.splat(rows > 2 ? -1 : 0);
    const m3 = i8x16.splat(rows > 3 ? -1 : 0);
    let out = dst + <usize>g * (<usize>kp << 2);
    let kk: u32 = 0;
    for (; kk + 8 <= k; kk += 8) {
      const x0 = v128.xor(v128.load64_zero(a0 + kk), vflip);
      const x1 = v128.and(v128.xor(v128.load64_zero(a1 + kk), vflip), m1);
      const x2 = v128.and(v128.xor(v128.load64_zero(a2 + kk), vflip), m2);
      const x3 = v128.and(v128.xor(v128.load64_zero(a3 + kk), vflip), m3);
      const t01 = v128.shuffle<i16>(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11);
      const t23 = v128.shuffle<i16>(x2, x3, 0, 8, 1, 9, 2, 10, 3, 11);
      v128.store(out, v128.shuffle<i32>(t01, t23, 0, 4, 1, 5));
      v128.store(out, v128.shuffle<i32>(t01, t23, 2, 6, 3, 7), 16);
      out += 32;
    }
    for (; kk < kp; kk++) {
      for (let r: u32 = 0; r < 4; r++) {
        let v: i32 = 0;
        if (r < rows && kk < k) v = unsigned_ ? <i32>load<u8>(a0 + <usize>r * lda + kk) - 128 : <i32>load<i8>(a0 + <usize>r * lda + kk);
        store<i8>(out + (<usize>(kk & 7) >> 1 << 3) + (<usize>r << 1) + (kk & 1), <i8>v);
      }
      if ((kk & 7) == 7) out += 32;
    }
  }
}
