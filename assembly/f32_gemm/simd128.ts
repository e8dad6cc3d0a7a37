// simd128 float32 GEMM, tile 4×8: per k, one f32 of each of 4 rows broadcast (load32_splat)
// against 8 packed columns (two vectors), mul then add (same order and rounding as scalar.ts).
// Exports as in scalar.ts.
import { perThread } from "../common/threads";

const SCRATCH = memory.data(32, 16);

// @ts-ignore: decorator
@inline function storeRow(lo: v128, hi: v128, out: usize, nc: u32, vmin: v128, vmax: v128): void {
  lo = f32x4.pmin(vmax, f32x4.pmax(vmin, lo));
  hi = f32x4.pmin(vmax, f32x4.pmax(vmin, hi));
  if (nc == 8) {
    v128.store(out, lo);
    v128.store(out, hi, 16);
  } else {
    v128.store(perThread(SCRATCH), lo);
    v128.store(perThread(SCRATCH), hi, 16);
    memory.copy(out, perThread(SCRATCH), <usize>nc << 2);
  }
}

export function f32_gemm_minmax_4x8__simd128(m: u32, n: u32, k: u32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, minmax: usize): void {
  const vmin = f32x4.splat(load<f32>(minmax));
  const vmax = f32x4.splat(load<f32>(minmax, 4));
  const blocks = (n + 7) >> 3;
  const bb = <usize>(k + 1) << 5;
  for (let r: u32 = 0; r < m; r += 4) {
    const rows = min<u32>(4, m - r);
    const a0 = a + <usize>r * lda;
    const a1 = rows > 1 ? a0 + lda : a0;
    const a2 = rows > 2 ? a0 + 2 * lda : a0;
    const a3 = rows > 3 ? a0 + 3 * lda : a0;
    for (let j: u32 = 0; j < blocks; j++) {
      const blk = w + <usize>j * bb;
      let v0lo = v128.load(blk);
      let v0hi = v128.load(blk, 16);
      let v1lo = v0lo, v1hi = v0hi, v2lo = v0lo, v2hi = v0hi, v3lo = v0lo, v3hi = v0hi;
      let pw = blk + 32;
      let off: usize = 0;
      for (let kk: u32 = 0; kk < k; kk++) {
        const wlo = v128.load(pw);
        const whi = v128.load(pw, 16);
        const x0 = v128.load32_splat(a0 + off);
        v0lo = f32x4.add(v0lo, f32x4.mul(x0, wlo));
        v0hi = f32x4.add(v0hi, f32x4.mul(x0, whi));
        const x1 = v128.load32_splat(a1 + off);
        v1lo = f32x4.add(v1lo, f32x4.mul(x1, wlo));
        v1hi = f32x4.add(v1hi, f32x4.mul(x1, whi));
        const x2 = v128.load32_splat(a2 + off);
        v2lo = f32x4.add(v2lo, f32x4.mul(x2, wlo));
        v2hi = f32x4.add(v2hi, f32x4.mul(x2, whi));
        const x3 = v128.load32_splat(a3 + off);
        v3lo = f32x4.add(v3lo, f32x4.mul(x3, wlo));
        v3hi = f32x4.add(v3hi, f32x4.mul(x3, whi));
        pw += 32;
        off += 4;
      }
      const nc = min<u32>(8, n - j * 8);
      const out = c + <usize>r * ldc + (<usize>(j * 8) << 2);
      storeRow(v0lo, v0hi, out, nc, vmin, vmax);
      if (rows > 1) storeRow(v1lo, v1hi, out + ldc, nc, vmin, vmax);
      if (rows > 2) storeRow(v2lo, v2hi, out + 2 * ldc, nc, vmin, vmax);
      if (rows > 3) storeRow(v3lo, v3hi, out + 3 * ldc, nc, vmin, vmax);
    }
  }
}
