// Packing for the 7-bit-weight GEMM (layouts in layout.ts), relaxed build only. packw runs once per
// weight matrix (scalar code); packa once per call (simd128 code, 16 K values per step).

import { hsum, transposeStore } from "../common/simd128_transpose";
import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";

/**
 * Packs B (element (k, n) at b + k·strideK + n·strideN, as qs8_gemm_packw__scalar) into blocks of
 * 8 columns with B'' = B + 64 (int8) or B (uint8); values must already be 7-bit (int8 in
 * [−64, 63], uint8 in [0, 127]). `zb` + n·zbStride holds B's zero point of column n as i32;
 * `bias` is i32[N] or 0 for none.
 */
export function qs8_w7_gemm_packw__relaxed(
  b: usize, k: u32, n: u32, strideK: usize, strideN: usize, unsigned_: i32,
  zb: usize, zbStride: usize, bias: usize, dst: usize,
): void {
  const kq = (k + 3) & ~3;
  const blocks = (n + 7) >> 3;
  const offset: i32 = unsigned_ ? 0 : 64;
  for (let j: u32 = 0; j < blocks; j++) {
    const blk = dst + <usize>j * blockBytes(kq);
    const nc = min<u32>(8, n - j * 8);
    for (let c: u32 = 0; c < 8; c++) {
      const col = j * 8 + c;
      const valid = c < nc;
      store<i32>(blk + (<usize>c << 2), valid && bias != 0 ? load<i32>(bias + (<usize>col << 2)) : 0);
      store<i32>(blk + 32 + (<usize>c << 2), valid ? load<i32>(zb + <usize>col * zbStride) + offset : 0);
      store<i32>(blk + 64 + (<usize>c << 2), 0);
    }
  }
  // K in chunks of 64 rows, so a [K, N] matrix is read row-sequentially within a chunk (as packw of
  // the 8-bit GEMM).
  for (let k0: u32 = 0; k0 < kq; k0 += 64) {
    const k1 = min<u32>(kq, k0 + 64);
    for (let j: u32 = 0; j < blocks; j++) {
      const blk = dst + <usize>j * blockBytes(kq);
      const nc = min<u32>(8, n - j * 8);
      const out = blk + BLOCK_HEADER + (<usize>k0 << 3);
      for (let kk = k0; kk < k1; kk++) {
        const src = b + <usize>kk * strideK + <usize>(j * 8) * strideN;
        const quad = out + (<usize>(kk - k0) >> 2 << 5) + (<usize>(kk & 3));
        for (let c: u32 = 0; c < 8; c++) {
          const v: i32 = c < nc && kk < k ? (unsigned_ ? <i32>load<u8>(src + <usize>c * strideN) : <i32>load<i8>(src + <usize>c * strideN) + 64) : 0;
          store<u8>(quad + (<usize>c << 2), <u8>v);
          const sum = blk + 64 + (<usize>c << 2);
          store<i32>(sum, load<i32>(sum) + v);
        }
      }
    }
  }
}

/**
 * Packs A ([M, K], row r at a + r·lda) as int8 A_s in groups of 4 rows and K quads, and writes rs,
 * za_s (layout.ts) at `rowsums`. `za` + r·zaStride holds row r's zero point (zaStride 0 for
 * per-tensor). Reads whole 16-byte steps of A only within K; the tail goes byte by byte.
 */
export function qs8_w7_gemm_packa__relaxed(
  a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, za: usize, zaStride: usize, dst: usize, rowsums: usize,
): void {
  const kq = (k + 3) & ~3;
  const gb = groupBytes(kq);
  const groups = (m + 3) >> 2;
  const rowsPadded = <usize>groups << 2;
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const flip: i32 = unsigned_ ? 0x80 : 0;
  const shift: i32 = unsigned_ ? 128 : 0;
  for (let g: u32 = 0; g < groups; g++) {
    const r0 = g << 2;
    const rows = min<u32>(4, m - r0);
    // Missing rows read row r0 (valid memory) and are zeroed by a mask.
    const a0 = a + <usize>r0 * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    const m1 = i8x16.splat(rows > 1 ? -1 : 0);
    const m2 = i8x16.splat(rows > 2 ? -1 : 0);
    const m3 = i8x16.splat(rows > 3 ? -1 : 0);
    let vs0 = i32x4.splat(0);
    let vs1 = vs0;
    let vs2 = vs0;
    let vs3 = vs0;
    let out = dst + <usize>g * gb;
    let kk: u32 = 0;
    for (; kk + 16 <= k; kk += 16) {
      const x0 = v128.xor(v128.load(a0 + kk), vflip);
      const x1 = v128.and(v128.xor(v128.load(a1 + kk), vflip), m1);
      const x2 = v128.and(v128.xor(v128.load(a2 + kk), vflip), m2);
      const x3 = v128.and(v128.xor(v128.load(a3 + kk), vflip), m3);
      vs0 = i32x4.add(vs0, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(x0)));
      vs1 = i32x4.add(vs1, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(x1)));
      vs2 = i32x4.add(vs2, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(x2)));
      vs3 = i32x4.add(vs3, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(x3)));
      // out[q] = (row0 quad q, row1 quad q, row2 quad q, row3 quad q).
      transposeStore(out, x0, x1, x2, x3, 16);
      out += 64;
    }
    let s0 = hsum(vs0);
    let s1 = hsum(vs1);
    let s2 = hsum(vs2);
    let s3 = hsum(vs3);
    for (; kk < kq; kk++) {
      const inK = kk < k;
      const v0: i32 = inK ? <i32><i8>(load<u8>(a0 + kk) ^ flip) : 0;
      const v1: i32 = inK && rows > 1 ? <i32><i8>(load<u8>(a1 + kk) ^ flip) : 0;
      const v2: i32 = inK && rows > 2 ? <i32><i8>(load<u8>(a2 + kk) ^ flip) : 0;
      const v3: i32 = inK && rows > 3 ? <i32><i8>(load<u8>(a3 + kk) ^ flip) : 0;
      const at = out + <usize>(kk & 3);
      store<i8>(at, <i8>v0);
      store<i8>(at, <i8>v1, 4);
      store<i8>(at, <i8>v2, 8);
      store<i8>(at, <i8>v3, 12);
      s0 += v0;
      s1 += v1;
      s2 += v2;
      s3 += v3;
      if ((kk & 3) == 3) out += 16;
    }
    for (let r: u32 = 0; r < 4; r++) {
      const z: i32 = r < rows ? load<i32>(za + <usize>(r0 + r) * zaStride) - shift : 0;
      store<i32>(rowsums + (<usize>(r0 + r) << 2), (r == 0 ? s0 : r == 1 ? s1 : r == 2 ? s2 : s3) - <i32>k * z);
      store<i32>(rowsums + ((rowsPadded + r0 + r) << 2), z);
    }
  }
}
