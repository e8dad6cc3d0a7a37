// Packing for the block-wise 4-bit GEMM (layouts in layout.ts). Scalar, in every build.

import { blockAt, qsumTable } from "./layout";

/**
 * Packs weights given column by column: q (u8 per value, 0..15) at q + n·kq + k, where kq ≥ K is
 * the row pitch; scales f32 [N][nb] and zero points u8 [N][nb] (nb = ceil(K / bs)).
 * bs must be a multiple of 32.
 */
export function qb4_gemm_packw__scalar(q: usize, kq: u32, scales: usize, zps: usize, n: u32, k: u32, bs: u32, dst: usize): void {
  const nb = (k + bs - 1) / bs;
  const groups = (n + 3) >> 2;
  const qsums = qsumTable(dst, groups, nb, bs);
  for (let g: u32 = 0; g < groups; g++) {
    for (let b: u32 = 0; b < nb; b++) {
      const out = blockAt(dst, g, b, nb, groups, bs);
      for (let c: u32 = 0; c < 4; c++) {
        const col = g * 4 + c;
        const valid = col < n;
        const zq: i32 = valid ? <i32>load<u8>(zps + <usize>col * nb + b) : 0;
        store<f32>(out + (<usize>c << 2), valid ? load<f32>(scales + ((<usize>col * nb + b) << 2)) : 0);
        store<i32>(out + 16 + (<usize>c << 2), zq);
        let qsum: i32 = 0;
        for (let kk: u32 = 0; kk < bs; kk++) qsum += nib(q, kq, col, valid, b * bs + kk, k, zq) - zq;
        // octet o, lane L = 2c + e: nibble j = q[8o + 2j + e]
        for (let o: u32 = 0; o < (bs >> 3); o++) {
          for (let e: u32 = 0; e < 2; e++) {
            const k0 = b * bs + (o << 3) + e;
            let lane: u32 = 0;
            for (let j: u32 = 0; j < 4; j++) lane |= <u32>nib(q, kq, col, valid, k0 + 2 * j, k, zq) << (4 * j);
            store<u16>(out + 32 + (<usize>o << 4) + (<usize>(2 * c + e) << 1), <u16>lane);
          }
        }
        store<i32>(qsums + ((<usize>(g * nb + b) * 4 + c) << 2), qsum);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function nib(q: usize, kq: u32, col: u32, valid: bool, kk: u32, k: u32, zq: i32): i32 {
  return valid && kk < k ? <i32>load<u8>(q + <usize>col * kq + kk) & 15 : zq;
}

/**
 * Packs float32 activations x [M, K] (row pitch K): quantizes each block of `ablock` values
 * (= bs for per-block, a multiple of bs for coarser, K rounded up to bs for per-row) symmetrically
 * to int8: scale = max|x| / 127 (1 if 0), a = roundHalfEven(x / scale) (no clamp needed: |a| ≤ 127).
 * Writes a16/a8/asum/ascale (layout.ts) for K rounded up to bs, and azp[row] = 0.
 */
export function qb4_gemm_packa_f32__scalar(
  x: usize, m: u32, k: u32, bs: u32, ablock: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize,
): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  for (let r: u32 = 0; r < m; r++) {
    const row = x + (<usize>r * k << 2);
    store<i32>(azp + (<usize>r << 2), 0);
    for (let s: u32 = 0; s < kp; s += ablock) {
      const end = min<u32>(s + ablock, k);
      let amax: f32 = 0;
      for (let i = s; i < end; i++) amax = max<f32>(amax, abs<f32>(load<f32>(row + (<usize>i << 2))));
      const scale: f32 = amax > 0 ? amax / 127 : 1;
      for (let i = s; i < s + ablock && i < kp; i++) {
        let v: i32 = 0;
        if (i < k) v = <i32>nearest<f32>(load<f32>(row + (<usize>i << 2)) / scale);
        putA(a16, a8, r, kp, i, v);
      }
      for (let b = s / bs; b < min<u32>((s + ablock) / bs, nb); b++) store<f32>(ascale + ((<usize>r * nb + b) << 2), scale);
    }
    blockSums(a16, asum, r, kp, bs, nb);
  }
}

/**
 * Packs int8/uint8 activations a [M, K] with per-row zero points za (i32, stride zaStride) and
 * scales sa (f32, stride saStride). uint8 enters as a − 128 with zero point za − 128.
 */
export function qb4_gemm_packa_q8__scalar(
  a: usize, m: u32, k: u32, bs: u32, unsigned_: i32, za: usize, zaStride: usize, sa: usize, saStride: usize,
  a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize,
): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const shift: i32 = unsigned_ ? 128 : 0;
  for (let r: u32 = 0; r < m; r++) {
    const row = a + <usize>r * k;
    store<i32>(azp + (<usize>r << 2), load<i32>(za + <usize>r * zaStride) - shift);
    const scale = load<f32>(sa + <usize>r * saStride);
    for (let i: u32 = 0; i < kp; i++) {
      const v: i32 = i < k ? (unsigned_ ? <i32>load<u8>(row + i) - 128 : <i32>load<i8>(row + i)) : 0;
      putA(a16, a8, r, kp, i, v);
    }
    for (let b: u32 = 0; b < nb; b++) store<f32>(ascale + ((<usize>r * nb + b) << 2), scale);
    blockSums(a16, asum, r, kp, bs, nb);
  }
}

/** Stores activation value v of row r, position i, in both the int16 and the permuted int8 layout. */
// @ts-ignore: decorator
@inline function putA(a16: usize, a8: usize, r: u32, kp: u32, i: u32, v: i32): void {
  store<i16>(a16 + ((<usize>r * kp + i) << 1), <i16>v);
  // octet position j → a[0], a[4], a[1], a[5], a[2], a[6], a[3], a[7]
  const j = i & 7;
  const at = (((j >> 1) & 1) << 2) + ((j & 1) << 1) + (j >> 2);
  store<i8>(a8 + <usize>r * kp + (i & ~7) + at, <i8>v);
}

// @ts-ignore: decorator
@inline function blockSums(a16: usize, asum: usize, r: u32, kp: u32, bs: u32, nb: u32): void {
  for (let b: u32 = 0; b < nb; b++) {
    let s: i32 = 0;
    for (let i: u32 = 0; i < bs; i++) s += <i32>load<i16>(a16 + ((<usize>r * kp + b * bs + i) << 1));
    store<i32>(asum + ((<usize>r * nb + b) << 2), s);
  }
}
