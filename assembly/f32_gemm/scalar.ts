// float32 GEMM with bias and clamp, for float reference networks (convolutions via im2col, fully
// connected layers). Packed B, per block of 8 columns: f32 bias[8], then f32 w[K][8] (missing
// columns zero). Every build accumulates in the same order — acc = bias, then acc = acc + a·w for
// k = 0..K−1 (mul then add, no fused multiply-add) — so results are identical across builds.
//
// Exports `f32_gemm_minmax_<tile>__<isa>(m, n, k, a, lda, w, c, ldc, minmax)`: a [m, k] with row
// stride lda bytes, c [m, n] with row stride ldc bytes, minmax f32[2] clamp bounds.

/** Packs B ([K, N] with element (k, n) at b + (k·strideK + n·strideN)·4) and an f32 bias (0 = none). */
export function f32_gemm_packw__scalar(b: usize, k: u32, n: u32, strideK: usize, strideN: usize, bias: usize, dst: usize): void {
  const blocks = (n + 7) >> 3;
  let out = dst;
  for (let j: u32 = 0; j < blocks; j++) {
    for (let c: u32 = 0; c < 8; c++) {
      const col = j * 8 + c;
      store<f32>(out + (<usize>c << 2), col < n && bias != 0 ? load<f32>(bias + (<usize>col << 2)) : 0);
    }
    out += 32;
    for (let kk: u32 = 0; kk < k; kk++) {
      for (let c: u32 = 0; c < 8; c++) {
        const col = j * 8 + c;
        store<f32>(out + (<usize>c << 2), col < n ? load<f32>(b + ((<usize>kk * strideK + <usize>col * strideN) << 2)) : 0);
      }
      out += 32;
    }
  }
}

export function f32_gemm_minmax_1x8__scalar(m: u32, n: u32, k: u32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, minmax: usize): void {
  const lo = load<f32>(minmax);
  const hi = load<f32>(minmax, 4);
  const blocks = (n + 7) >> 3;
  const bb = <usize>(k + 1) << 5;
  for (let r: u32 = 0; r < m; r++) {
    for (let j: u32 = 0; j < blocks; j++) {
      const blk = w + <usize>j * bb;
      const nc = min<u32>(8, n - j * 8);
      for (let t: u32 = 0; t < nc; t++) {
        let acc = load<f32>(blk + (<usize>t << 2));
        let pw = blk + 32 + (<usize>t << 2);
        let pa = a + <usize>r * lda;
        for (let kk: u32 = 0; kk < k; kk++) {
          acc = acc + load<f32>(pa) * load<f32>(pw);
          pa += 4;
          pw += 32;
        }
        acc = lo < acc ? acc : lo;
        acc = acc < hi ? acc : hi;
        store<f32>(c + <usize>r * ldc + ((<usize>(j * 8 + t)) << 2), acc);
      }
    }
  }
}
