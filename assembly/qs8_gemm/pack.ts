// Packing for the int8 GEMM (layouts in layout.ts). packw runs once per weight matrix; packa once
// per call. Both scalar, in every build; simd128_packa.ts has a faster packa.

import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";

/**
 * Packs B (element (k, n) at b + k·strideK + n·strideN: [K, N] has strideK = N, strideN = 1;
 * [N, K] has strideK = 1, strideN = K) into blocks of 8 columns. `zb` + n·zbStride holds B's
 * zero point of column n as i32 (zbStride 0 for per-tensor); `bias` is i32[N] or 0 for none.
 */
export function qs8_gemm_packw__scalar(
  b: usize, k: u32, n: u32, strideK: usize, strideN: usize, unsigned_: i32,
  zb: usize, zbStride: usize, bias: usize, dst: usize,
): void {
  const kp = (k + 1) & ~1;
  const blocks = (n + 7) >> 3;
  const flip: u8 = unsigned_ ? 0x80 : 0;
  const shift: i32 = unsigned_ ? 128 : 0;
  for (let j: u32 = 0; j < blocks; j++) {
    const blk = dst + <usize>j * blockBytes(kp);
    for (let c: u32 = 0; c < 8; c++) {
      const col = j * 8 + c;
      const valid = col < n;
      store<i32>(blk + (<usize>c << 2), valid && bias != 0 ? load<i32>(bias + (<usize>col << 2)) : 0);
      store<i32>(blk + 32 + (<usize>c << 2), valid ? load<i32>(zb + <usize>col * zbStride) - shift : 0);
    }
  }
  // K in chunks of 64 rows, so a [K, N] matrix is read row-sequentially within a chunk and the
  // pages touched stay few (reading whole columns at a stride of N thrashed cache and TLB).
  for (let k0: u32 = 0; k0 < kp; k0 += 64) {
    const k1 = min<u32>(kp, k0 + 64);
    for (let j: u32 = 0; j < blocks; j++) {
      const nc = min<u32>(8, n - j * 8);
      let out = dst + <usize>j * blockBytes(kp) + BLOCK_HEADER + (<usize>k0 << 3);
      for (let kk = k0; kk < k1; kk += 2) {
        const row0 = b + <usize>kk * strideK + <usize>(j * 8) * strideN;
        for (let c: u32 = 0; c < 8; c++) {
          const src = row0 + <usize>c * strideN;
          store<u8>(out, c < nc && kk < k ? load<u8>(src) ^ flip : 0);
          store<u8>(out, c < nc && kk + 1 < k ? load<u8>(src + strideK) ^ flip : 0, 1);
          out += 2;
        }
      }
    }
  }
}

/**
 * Packs A ([M, K], row r at a + r·lda) as int16 A − za in groups of 4 rows, and writes the row
 * sums Σ (A − za) to rowsums (i32 per row, ceil(M/4)·4 of them). `za` + r·zaStride holds row r's
 * zero point (zaStride 0 for per-tensor).
 */
export function qs8_gemm_packa__scalar(
  a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, za: usize, zaStride: usize, dst: usize, rowsums: usize,
): void {
  const kp = (k + 1) & ~1;
  const rows = (m + 3) & ~3;
  for (let r: u32 = 0; r < rows; r++) {
    const valid = r < m;
    const z: i32 = valid ? load<i32>(za + <usize>r * zaStride) : 0;
    let out = dst + <usize>(r >> 2) * groupBytes(kp) + (<usize>(r & 3) << 2);
    let src = a + <usize>r * lda;
    let sum: i32 = 0;
    for (let kk: u32 = 0; kk < kp; kk++) {
      let v: i32 = 0;
      if (valid && kk < k) v = (unsigned_ ? <i32>load<u8>(src) : <i32>load<i8>(src)) - z;
      store<i16>(out + (<usize>(kk & 1) << 1), <i16>v);
      sum += v;
      src += 1;
      if (kk & 1) out += 16;
    }
    store<i32>(rowsums + (<usize>r << 2), sum);
  }
}
