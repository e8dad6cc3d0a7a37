// Relaxed-SIMD GEMM for 7-bit weights over the packed layouts of layout.ts.
//
// Per K quad, `i16x8.relaxed_dot_i8x16_i7x16_s(a, b)` multiplies a row's 4 splatted int8
// activations with 4 columns × 4 K of B'' and adds adjacent pairs into int16; `i32x4.dot_i16x8_s`
// with a vector of ones adds those pairs into int32 (V8 lowers the two to pmaddubsw + pmaddwd).
// Exactness: b = B'' is in 0..127, where the relaxed dot is deterministic; a = A_s is in −128..127,
// so every int16 pair sum satisfies |a0·b0 + a1·b1| ≤ 2 · 128 · 127 = 32512 < 32767 and
// pmaddubsw's saturation never happens. Then the int32 sums are the exact Σ A_s·B'' (wrapping,
// like every int32 accumulator here) and the epilogue corrects them as layout.ts derives, so the
// results equal the 8-bit kernels' bit for bit. The idea of offsetting 7-bit weights into the
// unsigned operand of pmaddubsw is ONNX Runtime's "reduce range" for x86 without VNNI.
//
// GEMM tile 4×8 (4x8c4): per K quad, two 16-byte loads of B'' (8 columns), one `load32_splat` of
// A per row, 8 relaxed dots and 8 pair-adds into 8 accumulators (4 rows × 2 column halves). Each
// 16-byte B load feeds 16 multiply-adds here against 8 in the simd128 kernel; both use the same
// number of multiplier µops (pmaddubsw + pmaddwd vs two pmaddwd), so the gain comes from fewer
// loads, widenings and adds. K is walked in chunks of KC = 64 for all row groups of an L2 chunk
// before the next chunk (partial sums in the rowsums scratch of layout.ts). Measured here (Node 20,
// this x86): one loop over the whole of K ran ~20% slower than chunks of 64, for the same
// arithmetic, even with A and B resident in L1 (cause not found); chunks of 32 or 128 were 2–5%
// slower than 64. The 8-bit simd128 kernel measured no gain from K chunks.
//
// GEMV tile 1×32 (1x32c4, for M = 1): 4 blocks of 8 columns in parallel, B streamed once.
//
// Exports share the signature of the 8-bit kernels (../qs8_gemm/scalar.ts); `rowsums` points at the
// rs / za / partial-sum arrays of layout.ts. Over-reads: none beyond the packed buffers.

import { OUT_CHANNELS, STAGE_DEQUANT, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts } from "../output/simd128";
import { storeAcc } from "../common/simd128_gemm_store";
import { BLOCK_HEADER, blockBytes, groupBytes } from "./layout";
import { perThread } from "../common/threads";

const L2_CHUNK: usize = 128 * 1024;
/** K values per chunk of the GEMM's K loop (a multiple of 4; see above). */
const KC: u32 = 64;
/** Eight int16 ones; the threaded build makes them in a register (it must have no data segment). */
function onesI16(): v128 {
  if (ASC_FEATURE_THREADS) return i16x8.splat(1);
  return v128.load(memory.data<i16>([1, 1, 1, 1, 1, 1, 1, 1], 16));
}

/** Σ over one K quad of a·b'' into 4 int32 lanes (one per column): see the exactness note above. */
// @ts-ignore: decorator
@inline function dot4(va: v128, vb: v128, ones: v128): v128 {
  return i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(va, vb), ones);
}

/**
 * Adds bias − zb''·rs − za·colsum (block header at `blk`) to one row's 8 accumulators, then stores
 * them. The stage constants (stageConsts) are loaded here rather than kept in locals across the
 * loops as the 8-bit kernels do: with `ones` they made 16 live vectors in the K loop, one more than
 * V8 has registers for, and the 8-bit-output kernels then ran up to 3× slower than the int32 one in
 * the bench process (not in a plain timing loop); loaded here, they run at its speed.
 */
// @ts-ignore: decorator
@inline function storeRowW7(
  stage: i32, lo: v128, hi: v128, blk: usize, rs: i32, za: i32, col: u32, nc: u32, out: usize, params: usize, cp: usize, sa: f32,
): void {
  const k0 = v128.load(perThread(CONSTS));
  const k1 = v128.load(perThread(CONSTS), 16);
  const k2 = v128.load(perThread(CONSTS), 32);
  const k3 = v128.load(perThread(CONSTS), 48);
  const vrs = i32x4.splat(rs);
  const vza = i32x4.splat(za);
  lo = i32x4.add(lo, i32x4.sub(v128.load(blk), i32x4.add(i32x4.mul(v128.load(blk, 32), vrs), i32x4.mul(v128.load(blk, 64), vza))));
  hi = i32x4.add(hi, i32x4.sub(v128.load(blk, 16), i32x4.add(i32x4.mul(v128.load(blk, 48), vrs), i32x4.mul(v128.load(blk, 80), vza))));
  storeAcc(stage, lo, hi, col, nc, out, params, cp, sa, k0, k1, k2, k3);
}

// @ts-ignore: decorator
@inline function gemmW7(
  stage: i32, m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize,
  params: usize, rowScale: usize, rowScaleStride: usize,
): void {
  const kq = (k + 3) & ~3;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_DEQUANT ? 4 : 1;
  const bb = blockBytes(kq);
  const gb = groupBytes(kq);
  const groups = (m + 3) >> 2;
  const blocks = (n + 7) >> 3;
  const zas = rowsums + (<usize>groups << 4);
  const part = zas + (<usize>groups << 4);
  const chunk = <u32>max<usize>(1, L2_CHUNK / gb);
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  const ones = onesI16();
  stageConsts(stage, params);
  for (let g0: u32 = 0; g0 < groups; g0 += chunk) {
    const g1 = min<u32>(groups, g0 + chunk);
    for (let j: u32 = 0; j < blocks; j++) {
      const blk = w + <usize>j * bb;
      const nc = min<u32>(8, n - j * 8);
      for (let kb: u32 = 0; kb < kq; kb += KC) {
        const ke = min<u32>(kq, kb + KC);
        for (let g = g0; g < g1; g++) {
          let pa = a + <usize>g * gb + (<usize>kb << 2);
          let pw = blk + BLOCK_HEADER + (<usize>kb << 3);
          const pp = part + (<usize>g << 7);
          let vacc0x0123 = i32x4.splat(0);
          let vacc0x4567 = vacc0x0123;
          let vacc1x0123 = vacc0x0123;
          let vacc1x4567 = vacc0x0123;
          let vacc2x0123 = vacc0x0123;
          let vacc2x4567 = vacc0x0123;
          let vacc3x0123 = vacc0x0123;
          let vacc3x4567 = vacc0x0123;
          if (kb > 0) {
            vacc0x0123 = v128.load(pp);
            vacc0x4567 = v128.load(pp, 16);
            vacc1x0123 = v128.load(pp, 32);
            vacc1x4567 = v128.load(pp, 48);
            vacc2x0123 = v128.load(pp, 64);
            vacc2x4567 = v128.load(pp, 80);
            vacc3x0123 = v128.load(pp, 96);
            vacc3x4567 = v128.load(pp, 112);
          }
          for (let p = kb; p < ke; p += 4) {
            const vb0123 = v128.load(pw);
            const vb4567 = v128.load(pw, 16);
            const va0 = v128.load32_splat(pa);
            vacc0x0123 = i32x4.add(vacc0x0123, dot4(va0, vb0123, ones));
            vacc0x4567 = i32x4.add(vacc0x4567, dot4(va0, vb4567, ones));
            const va1 = v128.load32_splat(pa, 4);
            vacc1x0123 = i32x4.add(vacc1x0123, dot4(va1, vb0123, ones));
            vacc1x4567 = i32x4.add(vacc1x4567, dot4(va1, vb4567, ones));
            const va2 = v128.load32_splat(pa, 8);
            vacc2x0123 = i32x4.add(vacc2x0123, dot4(va2, vb0123, ones));
            vacc2x4567 = i32x4.add(vacc2x4567, dot4(va2, vb4567, ones));
            const va3 = v128.load32_splat(pa, 12);
            vacc3x0123 = i32x4.add(vacc3x0123, dot4(va3, vb0123, ones));
            vacc3x4567 = i32x4.add(vacc3x4567, dot4(va3, vb4567, ones));
            pa += 16;
            pw += 32;
          }
          if (ke < kq) {
            v128.store(pp, vacc0x0123);
            v128.store(pp, vacc0x4567, 16);
            v128.store(pp, vacc1x0123, 32);
            v128.store(pp, vacc1x4567, 48);
            v128.store(pp, vacc2x0123, 64);
            v128.store(pp, vacc2x4567, 80);
            v128.store(pp, vacc3x0123, 96);
            v128.store(pp, vacc3x4567, 112);
            continue;
          }
          const row = g << 2;
          const out = c + <usize>row * ldc + <usize>j * 8 * esize;
          const col = j * 8;
          const rs = rowsums + (<usize>row << 2);
          const za = zas + (<usize>row << 2);
          const sa = rowScale + <usize>row * rowScaleStride;
          const dequant = stage == STAGE_DEQUANT;
          storeRowW7(stage, vacc0x0123, vacc0x4567, blk, load<i32>(rs), load<i32>(za), col, nc, out, params, cp,
            dequant ? load<f32>(sa) : 0);
          if (row + 1 < m) {
            storeRowW7(stage, vacc1x0123, vacc1x4567, blk, load<i32>(rs, 4), load<i32>(za, 4), col, nc, out + ldc, params, cp,
              dequant ? load<f32>(sa + rowScaleStride) : 0);
          }
          if (row + 2 < m) {
            storeRowW7(stage, vacc2x0123, vacc2x4567, blk, load<i32>(rs, 8), load<i32>(za, 8), col, nc, out + 2 * ldc, params, cp,
              dequant ? load<f32>(sa + 2 * rowScaleStride) : 0);
          }
          if (row + 3 < m) {
            storeRowW7(stage, vacc3x0123, vacc3x4567, blk, load<i32>(rs, 12), load<i32>(za, 12), col, nc, out + 3 * ldc, params, cp,
              dequant ? load<f32>(sa + 3 * rowScaleStride) : 0);
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function gemvW7(stage: i32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, params: usize, rowScale: usize): void {
  const kq = (k + 3) & ~3;
  const esize: usize = stage == STAGE_INT32 || stage == STAGE_DEQUANT ? 4 : 1;
  const bb = blockBytes(kq);
  const blocks = (n + 7) >> 3;
  const rs = load<i32>(rowsums);
  const za = load<i32>(rowsums, 16);
  const sa: f32 = stage == STAGE_DEQUANT ? load<f32>(rowScale) : 0;
  const cp: usize = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  const ones = onesI16();
  stageConsts(stage, params);
  let j: u32 = 0;
  for (; j + 4 <= blocks; j += 4) {
    const blk0 = w + <usize>j * bb;
    let pw0 = blk0 + BLOCK_HEADER;
    let pw1 = pw0 + bb;
    let pw2 = pw1 + bb;
    let pw3 = pw2 + bb;
    let pa = a;
    let vacc0 = i32x4.splat(0);
    let vacc1 = vacc0;
    let vacc2 = vacc0;
    let vacc3 = vacc0;
    let vacc4 = vacc0;
    let vacc5 = vacc0;
    let vacc6 = vacc0;
    let vacc7 = vacc0;
    for (let p: u32 = 0; p < kq; p += 4) {
      const va = v128.load32_splat(pa);
      vacc0 = i32x4.add(vacc0, dot4(va, v128.load(pw0), ones));
      vacc1 = i32x4.add(vacc1, dot4(va, v128.load(pw0, 16), ones));
      vacc2 = i32x4.add(vacc2, dot4(va, v128.load(pw1), ones));
      vacc3 = i32x4.add(vacc3, dot4(va, v128.load(pw1, 16), ones));
      vacc4 = i32x4.add(vacc4, dot4(va, v128.load(pw2), ones));
      vacc5 = i32x4.add(vacc5, dot4(va, v128.load(pw2, 16), ones));
      vacc6 = i32x4.add(vacc6, dot4(va, v128.load(pw3), ones));
      vacc7 = i32x4.add(vacc7, dot4(va, v128.load(pw3, 16), ones));
      pa += 16;
      pw0 += 32;
      pw1 += 32;
      pw2 += 32;
      pw3 += 32;
    }
    const col = j * 8;
    const out = c + <usize>col * esize;
    storeRowW7(stage, vacc0, vacc1, blk0, rs, za, col, 8, out, params, cp, sa);
    storeRowW7(stage, vacc2, vacc3, blk0 + bb, rs, za, col + 8, 8, out + 8 * esize, params, cp, sa);
    storeRowW7(stage, vacc4, vacc5, blk0 + 2 * bb, rs, za, col + 16, 8, out + 16 * esize, params, cp, sa);
    storeRowW7(stage, vacc6, vacc7, blk0 + 3 * bb, rs, za, col + 24, min<u32>(8, n - col - 24), out + 24 * esize, params, cp, sa);
  }
  for (; j < blocks; j++) {
    const blk = w + <usize>j * bb;
    let pw = blk + BLOCK_HEADER;
    let pa = a;
    let vacc0 = i32x4.splat(0);
    let vacc1 = vacc0;
    for (let p: u32 = 0; p < kq; p += 4) {
      const va = v128.load32_splat(pa);
      vacc0 = i32x4.add(vacc0, dot4(va, v128.load(pw), ones));
      vacc1 = i32x4.add(vacc1, dot4(va, v128.load(pw, 16), ones));
      pa += 16;
      pw += 32;
    }
    const col = j * 8;
    storeRowW7(stage, vacc0, vacc1, blk, rs, za, col, min<u32>(8, n - col), c + <usize>col * esize, params, cp, sa);
  }
}

export function qs8_w7_gemm_int32_4x8c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmW7(STAGE_INT32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_w7_gemm_fp32_4x8c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmW7(STAGE_FP32, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_w7_gemm_fixedpoint_4x8c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmW7(STAGE_FIXEDPOINT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}
export function qs8_w7_gemm_dequant_4x8c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemmW7(STAGE_DEQUANT, m, n, k, a, rowsums, w, c, ldc, params, rowScale, rowScaleStride);
}

// GEMV (M = 1): same signature; m must be 1 and ldc is ignored.
export function qs8_w7_gemm_int32_1x32c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvW7(STAGE_INT32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_w7_gemm_fp32_1x32c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvW7(STAGE_FP32, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_w7_gemm_fixedpoint_1x32c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvW7(STAGE_FIXEDPOINT, n, k, a, rowsums, w, c, params, rowScale);
}
export function qs8_w7_gemm_dequant_1x32c4__relaxed(m: u32, n: u32, k: u32, a: usize, rowsums: usize, w: usize, c: usize, ldc: usize, params: usize, rowScale: usize, rowScaleStride: usize): void {
  gemvW7(STAGE_DEQUANT, n, k, a, rowsums, w, c, params, rowScale);
}
