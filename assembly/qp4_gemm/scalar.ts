// Scalar palettized GEMM (layout in pack.ts), in the operation order of the SIMD kernels.
// Exports `qp4_gemm_<out>_1x4c32__scalar(m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias)`
// with the same arguments and outputs as qb4_gemm (`dequant`: float32 [M, N]; `int32`: per-block sums).

import { qp4GroupBytes } from "./pack";

// @ts-ignore: decorator
@inline function qp4Scalar(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gb = qp4GroupBytes(bs, nb);
  const groups = (n + 3) >> 2;
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    for (let g: u32 = 0; g < groups; g++) {
      const base = w + <usize>g * gb;
      for (let c: u32 = 0; c < 4; c++) {
        const col = g * 4 + c;
        if (col >= n) break;
        const cb = base + (<usize>c << 4);
        let facc: f32 = 0;
        for (let b: u32 = 0; b < nb; b++) {
          const hdr = base + 64 + <usize>b * (64 + (<usize>bs << 1));
          const chunks = hdr + 64 + <usize>c * (bs >> 1);
          let acc: i32 = 0;
          for (let k0: u32 = 0; k0 < bs; k0 += 32) {
            const pa = a16 + ((<usize>r * kp + b * bs + k0) << 1);
            for (let j: u32 = 0; j < 16; j++) {
              // byte j = 2L + h: low nibble is K offset 8h + L, high nibble 16 + 8h + L (pack.ts)
              const byte = <i32>load<u8>(chunks + (k0 >> 1) + j);
              const kk = ((j & 1) << 3) + (j >> 1);
              acc += <i32>load<i16>(pa + (kk << 1)) * <i32>load<i8>(cb + (byte & 15))
                + <i32>load<i16>(pa + ((16 + kk) << 1)) * <i32>load<i8>(cb + (byte >> 4));
            }
          }
          const corr = acc - load<i32>(hdr + 16 + (<usize>c << 2)) * load<i32>(asum + ((<usize>r * nb + b) << 2))
            - load<i32>(hdr + 32 + (<usize>c << 2)) * za;
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

export function qp4_gemm_dequant_1x4c32__scalar(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Scalar(true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qp4_gemm_int32_1x4c32__scalar(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qp4Scalar(false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}
