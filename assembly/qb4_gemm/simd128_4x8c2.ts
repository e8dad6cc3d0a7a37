// simd128 block-wise 4-bit GEMM, tile 4×8 (4x8c2) for M ≥ 4, dequant stage only
// (float32 output; layouts in layout.ts).
//
// Per block of 8 columns, all of K is decoded once into `scratch` as int16 K pairs of (q − zq)
// (column-interleaved as the int8 GEMM's packed B: for K pair p, 16 bytes for columns 0–3 then 16
// for columns 4–7; one mask or shift and one subtraction per pair, as the packed octets already
// interleave the columns), followed by the blocks' scales (32 bytes per block). Then every group of
// 4 rows runs the int8 GEMM's inner loop (one `load32_splat` per row and K pair, 8 pmaddwd) block
// after block with its activation pointers running on, and per block adds
// f32(Σ (a − za)(q − zq)) · f32(scale · ascale) to 4×8 float accumulators (FACC), written out with
// the bias after the last block. Σ a·(q − zq) is the 1x4c32 kernel's s − zq·asum, and the float
// operations are those of blockEnd/storeF32 (../common/simd128_block_epilogue.ts) in the same
// order: bit-identical to 1x4c32.
// scratch: 16·Kp + 32·nb bytes (Kp = K rounded up to the block size).
//
// Export `qb4_gemm_dequant_4x8c2__simd128(m, n, k, bs, a16, asum, ascale, azp, w, out, bias, scratch)`:
// arguments as the 1x4c32 kernels (scalar.ts) without a8, plus the scratch.

import { accumulate } from "../common/simd128_block_epilogue";
import { blockAt, qsumTable } from "./layout";
import { perThread } from "../common/threads";

const FACC = memory.data(128, 16);

/** Decodes one octet of a group of 4 columns (at `src`) to the 4 K pairs of (q − zq) at dst, dst + 32, dst + 64, dst + 96. */
// @ts-ignore: decorator
@inline function decodeOctet(src: usize, dst: usize, mask: v128, zq: v128): void {
  const v = v128.load(src);
  v128.store(dst, i16x8.sub(v128.and(v, mask), zq));
  v128.store(dst, i16x8.sub(v128.and(i16x8.shr_u(v, 4), mask), zq), 32);
  v128.store(dst, i16x8.sub(v128.and(i16x8.shr_u(v, 8), mask), zq), 64);
  v128.store(dst, i16x8.sub(i16x8.shr_u(v, 12), zq), 96);
}

/** One row's block epilogue for 8 columns: FACC row += f32(acc − za·qsum) · f32(scale · ascale). */
// @ts-ignore: decorator
@inline function rowBlockEnd(lo: v128, hi: v128, za: i32, qlo: usize, qhi: usize, slo: v128, shi: v128, ascaleP: usize, facc: usize): void {
  let clo = lo;
  let chi = hi;
  if (za != 0) {
    clo = i32x4.sub(clo, i32x4.mul(v128.load(qlo), i32x4.splat(za)));
    chi = i32x4.sub(chi, i32x4.mul(v128.load(qhi), i32x4.splat(za)));
  }
  const as = v128.load32_splat(ascaleP);
  v128.store(facc, accumulate(v128.load(facc), clo, slo, as));
  v128.store(facc, accumulate(v128.load(facc, 16), chi, shi, as), 16);
}

export function qb4_gemm_dequant_4x8c2__simd128(
  m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize, scratch: usize,
): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const groups = (n + 3) >> 2;
  const blocks = (n + 7) >> 3;
  const qsums = qsumTable(w, groups, nb, bs);
  const mask = i16x8.splat(15);
  const zero = i32x4.splat(0);
  const ldo = <usize>n << 2;
  const scales = scratch + (<usize>kp << 4);
  const pairs = <usize>bs << 1; // activation bytes per block per row (bs/2 pairs of 4 bytes)
  for (let j: u32 = 0; j < blocks; j++) {
    const col = j * 8;
    const nc = min<u32>(8, n - col);
    const g0 = j * 2;
    const two = g0 + 1 < groups;
    // Decode all of K for these 8 columns, and gather the blocks' scales.
    let dst = scratch;
    for (let b: u32 = 0; b < nb; b++) {
      const h0 = blockAt(w, g0, b, nb, groups, bs);
      const h1 = two ? blockAt(w, g0 + 1, b, nb, groups, bs) : h0;
      const z0 = i32x4.mul(v128.load(h0, 16), i32x4.splat(0x10001));
      const z1 = two ? i32x4.mul(v128.load(h1, 16), i32x4.splat(0x10001)) : zero;
      for (let o: u32 = 0; o < (bs >> 3); o++) {
        decodeOctet(h0 + 32 + (<usize>o << 4), dst, mask, z0);
        if (two) {
          decodeOctet(h1 + 32 + (<usize>o << 4), dst + 16, mask, z1);
        } else {
          for (let p: usize = 0; p < 4; p++) v128.store(dst + (p << 5), zero, 16);
        }
        dst += 128;
      }
      v128.store(scales + (<usize>b << 5), v128.load(h0));
      v128.store(scales + (<usize>b << 5), two ? v128.load(h1) : zero, 16);
    }
    const q0 = qsums + ((<usize>g0 * nb) << 4);
    const q1 = two ? q0 + (<usize>nb << 4) : q0;
    for (let r0: u32 = 0; r0 < m; r0 += 4) {
      // Missing rows read row r0 and are not stored.
      const rows = min<u32>(4, m - r0);
      let pa0 = a16 + ((<usize>r0 * kp) << 1);
      let pa1 = rows > 1 ? pa0 + (<usize>kp << 1) : pa0;
      let pa2 = rows > 2 ? pa0 + (<usize>kp << 2) : pa0;
      let pa3 = rows > 3 ? pa0 + <usize>kp * 6 : pa0;
      const za0 = load<i32>(azp + (<usize>r0 << 2));
      const za1 = rows > 1 ? load<i32>(azp + (<usize>r0 << 2), 4) : 0;
      const za2 = rows > 2 ? load<i32>(azp + (<usize>r0 << 2), 8) : 0;
      const za3 = rows > 3 ? load<i32>(azp + (<usize>r0 << 2), 12) : 0;
      for (let i: usize = 0; i < 128; i += 16) v128.store(perThread(FACC) + i, zero);
      let pw = scratch;
      let as0 = ascale + ((<usize>r0 * nb) << 2);
      // Rows past M reuse row r0's activation scales (their sums are not stored).
      const rstep1 = rows > 1 ? <usize>nb << 2 : 0;
      const rstep2 = rows > 2 ? <usize>nb << 3 : 0;
      const rstep3 = rows > 3 ? <usize>nb * 12 : 0;
      for (let b: u32 = 0; b < nb; b++) {
        let vacc0x0123 = zero, vacc0x4567 = zero, vacc1x0123 = zero, vacc1x4567 = zero;
        let vacc2x0123 = zero, vacc2x4567 = zero, vacc3x0123 = zero, vacc3x4567 = zero;
        const end = pa0 + pairs;
        do {
          const vb0123 = v128.load(pw);
          const vb4567 = v128.load(pw, 16);
          const va0 = v128.load32_splat(pa0);
          vacc0x0123 = i32x4.add(vacc0x0123, i32x4.dot_i16x8_s(va0, vb0123));
          vacc0x4567 = i32x4.add(vacc0x4567, i32x4.dot_i16x8_s(va0, vb4567));
          const va1 = v128.load32_splat(pa1);
          vacc1x0123 = i32x4.add(vacc1x0123, i32x4.dot_i16x8_s(va1, vb0123));
          vacc1x4567 = i32x4.add(vacc1x4567, i32x4.dot_i16x8_s(va1, vb4567));
          const va2 = v128.load32_splat(pa2);
          vacc2x0123 = i32x4.add(vacc2x0123, i32x4.dot_i16x8_s(va2, vb0123));
          vacc2x4567 = i32x4.add(vacc2x4567, i32x4.dot_i16x8_s(va2, vb4567));
          const va3 = v128.load32_splat(pa3);
          vacc3x0123 = i32x4.add(vacc3x0123, i32x4.dot_i16x8_s(va3, vb0123));
          vacc3x4567 = i32x4.add(vacc3x4567, i32x4.dot_i16x8_s(va3, vb4567));
          pa0 += 4;
          pa1 += 4;
          pa2 += 4;
          pa3 += 4;
          pw += 32;
        } while (pa0 < end);
        const slo = v128.load(scales + (<usize>b << 5));
        const shi = v128.load(scales + (<usize>b << 5), 16);
        const qlo = q0 + (<usize>b << 4);
        const qhi = q1 + (<usize>b << 4);
        rowBlockEnd(vacc0x0123, vacc0x4567, za0, qlo, qhi, slo, shi, as0, perThread(FACC));
        rowBlockEnd(vacc1x0123, vacc1x4567, za1, qlo, qhi, slo, shi, as0 + rstep1, perThread(FACC) + 32);
        rowBlockEnd(vacc2x0123, vacc2x4567, za2, qlo, qhi, slo, shi, as0 + rstep2, perThread(FACC) + 64);
        rowBlockEnd(vacc3x0123, vacc3x4567, za3, qlo, qhi, slo, shi, as0 + rstep3, perThread(FACC) + 96);
        as0 += 4;
      }
      // + bias (or + 0, as storeF32), rows and columns that exist.
      const vb0 = bias != 0 ? v128.load(bias + (<usize>col << 2)) : zero;
      const vb1 = bias != 0 && nc > 4 ? v128.load(bias + (<usize>col << 2), 16) : zero;
      for (let r: u32 = 0; r < rows; r++) {
        const f = perThread(FACC) + (<usize>r << 5);
        v128.store(f, f32x4.add(v128.load(f), vb0));
        v128.store(f, f32x4.add(v128.load(f, 16), vb1), 16);
        memory.copy(out + <usize>(r0 + r) * ldo + (<usize>col << 2), f, <usize>nc << 2);
      }
    }
  }
}
