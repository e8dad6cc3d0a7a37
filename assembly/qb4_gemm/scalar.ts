// Scalar block-wise 4-bit GEMM (layouts in layout.ts): one row, one group of 4 columns, one block
// at a time, in the exact operation order of the SIMD kernels.
//
// Exports `qb4_gemm_<out>_1x4c32__scalar(m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias)`:
// out = `dequant`: the dequant stage, float32 [M, N] = Σ_b acc_b · scale_b · ascale_b + bias
// (layout.ts; bias: f32 [N] or 0); out = `int32`: the corrected per-block int32 accumulators
// [M, N, nb] (bias ignored). a8 is unused here.

import { blockAt, qsumTable } from "./layout";

// @ts-ignore: decorator
@inline function qb4Scalar(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const groups = (n + 3) >> 2;
  const qsums = qsumTable(w, groups, nb, bs);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    for (let g: u32 = 0; g < groups; g++) {
      for (let c: u32 = 0; c < 4; c++) {
        const col = g * 4 + c;
        if (col >= n) break;
        let facc: f32 = 0;
        for (let b: u32 = 0; b < nb; b++) {
          const hdr = blockAt(w, g, b, nb, groups, bs);
          let acc: i32 = 0;
          const pa = a16 + ((<usize>r * kp + b * bs) << 1);
          // octet o, lane 2c + e: nibble j = q[8o + 2j + e] (layout.ts)
          for (let o: u32 = 0; o < (bs >> 3); o++) {
            for (let e: u32 = 0; e < 2; e++) {
              const lane = <i32>load<u16>(hdr + 32 + (<usize>o << 4) + (<usize>(2 * c + e) << 1));
              for (let j: u32 = 0; j < 4; j++) {
                acc += <i32>load<i16>(pa + ((<usize>(8 * o + 2 * j + e)) << 1)) * ((lane >> (4 * j)) & 15);
              }
            }
          }
          const corr = acc - load<i32>(hdr + 16 + (<usize>c << 2)) * load<i32>(asum + ((<usize>r * nb + b) << 2))
            - load<i32>(qsums + ((<usize>(g * nb + b) * 4 + c) << 2)) * za;
          if (isFloat) {
            facc = facc + <f32>corr * (load<f32>(hdr + (<usize>c << 2)) * load<f32>(ascale + ((<usize>r * nb + b) << 2)));
          } else {
            store<i32>(out + ((<usize>(r * n + col) * nb + b) << 2), corr);
          }
        }
        if (isFloat) store<f32>(out + (<usize>(r * n + col) << 2), facc + (bias != 0 ? load<f32>(bias + (<usize>col << 2)) : 0));
      }
    }
  }
}

export function qb4_gemm_dequant_1x4c32__scalar(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Scalar(true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__scalar(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Scalar(false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}
