// simd128 block-wise 4-bit GEMM, one-row kernel 1x4c32 (layouts in layout.ts). One row at a time,
// groups of 4 columns: each 16-byte octet holds 8 values of K for the 4 columns, its 16-bit lanes
// already int16 pairs per column, so one mask or shift per K pair (dot4x256) and one
// i32x4.dot_i16x8_s against a splatted activation pair leave column c's partial sum in lane c — no
// horizontal sums. At the end of a block the zero-point corrections are applied and the block's
// scale folded into a float32 accumulator (blockEnd, ../common/simd128_block_epilogue.ts, shared
// with the palettized family), the same order as scalar.ts, so results are bit-identical. qb4Simd
// is also the relaxed build's kernel (relaxed.ts calls it with relaxed = true: octetRelaxed).
//
// Exports as in scalar.ts, tile `1x4c32`.

import { accumulate, blockEnd, loadPartial, storeF32, storeLanes } from "../common/simd128_block_epilogue";
import { blockAt, chunkBlocks, groupBlockBytes, qsumTable } from "./layout";

/** A column group's float sums at the start of K chunk c0: 0, or what the previous chunk left in out. */
// @ts-ignore: decorator
@inline function chunkStart(isFloat: bool, c0: u32, outp: usize, cmax: u32): v128 {
  if (!isFloat || c0 == 0) return f32x4.splat(0);
  return cmax == 4 ? v128.load(outp) : loadPartial(outp, cmax);
}

/** A column group's float sums at the end of a K chunk: + bias after the last chunk, else kept in out as they are. */
// @ts-ignore: decorator
@inline function chunkEnd(isFloat: bool, facc: v128, outp: usize, bias: usize, col: u32, cmax: u32, last: bool): void {
  if (!isFloat) return;
  if (last) storeF32(facc, outp, bias, col, cmax);
  else storeLanes(facc, outp, cmax);
}

/**
 * 256 · Σ q·a over one octet (8 values of K) of 4 columns, lane c = column c. The octet's 16-bit
 * lane 2c + e holds column c's K = 2j + e in nibble j (layout.ts); masking keeps nibble 0 as q,
 * nibble 1 as 16·q and nibble 2 as 256·q, and one shift gives nibble 3 as q, so against activation
 * pairs pre-scaled by 256, 16, 1 and 256 (scaleRow) every product is 256·q·a: one mask or shift per
 * K pair instead of a shift and a mask (x86 runs shifts on the ports pmaddwd needs).
 */
// @ts-ignore: decorator
@inline function dot4x256(v: v128, a0: v128, a1: v128, a2: v128, a3: v128, m0: v128, m1: v128, m2: v128): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.and(v, m0), a0), i32x4.dot_i16x8_s(v128.and(v, m1), a1)),
    i32x4.add(i32x4.dot_i16x8_s(v128.and(v, m2), a2), i32x4.dot_i16x8_s(i16x8.shr_u(v, 12), a3)));
}

/** dot4x256 of the octet at pw against the activation pairs at pa (16 bytes: pairs 0..3). */
// @ts-ignore: decorator
@inline function octet(pw: usize, pa: usize, m0: v128, m1: v128, m2: v128): v128 {
  return dot4x256(v128.load(pw), v128.load32_splat(pa), v128.load32_splat(pa + 4), v128.load32_splat(pa + 8),
    v128.load32_splat(pa + 12), m0, m1, m2);
}

/**
 * Rescales one packed row of int16 activations in place for dot4x256: in every octet the K pairs are
 * multiplied by 256, 16, 1, 256 (|256·a| ≤ 32768 fits int16 for a in −128..127). The a16 scratch
 * belongs to one gemm call, and only this kernel reads it after packing.
 */
// @ts-ignore: decorator
@inline function scaleRow(rowA: usize, kp: u32): void {
  const f = i16x8(256, 256, 16, 16, 1, 1, 256, 256);
  const end = rowA + (<usize>kp << 1);
  for (let p = rowA; p < end; p += 16) v128.store(p, i16x8.mul(v128.load(p), f));
}

// Octets per 256-scaled partial sum: a dot4x256 lane is at most 4 · 2 · 15 · 32768 = 3932160 in
// magnitude, and 512 of them (4096 values of K) stay below 2^31. Longer blocks (per-channel weights
// with K > 4096) add shifted partial sums.
const SEG_OCTETS: u32 = 512;

/**
 * The relaxed build's octet (relaxed.ts uses it through qb4Simd): acc + Σ over one octet, lane c =
 * column c. The low nibbles of bytes 4c..4c+3 are column c's K 0, 4, 1, 5 and the high nibbles K 2, 6,
 * 3, 7, so two relaxed dots against two 4-byte splats of the permuted int8 activations (layout.ts)
 * give exact sums (nibbles are 7-bit; |2 · 128 · 15| < 2^15 even where V8 uses pmaddubsw).
 */
// @ts-ignore: decorator
@inline function octetRelaxed(pw: usize, pa: usize, acc: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    // (compiled only into the relaxed build)
    const v = v128.load(pw);
    const lo = v128.and(v, mask);
    const hi = v128.and(i16x8.shr_u(v, 4), mask);
    return i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load32_splat(pa + 4), hi, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load32_splat(pa), lo, acc));
  }
  return acc;
}

/**
 * The one-row kernel of both SIMD builds. simd128 (relaxed = false): int16 activations scaled in
 * place, octet() sums 256-scaled, shifted back per block (per 4096 values for longer blocks).
 * relaxed: permuted int8 activations and octetRelaxed(), exact sums, any block length.
 */
// @ts-ignore: decorator
@inline export function qb4Simd(relaxed: bool, isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const groups = (n + 3) >> 2;
  const qsums = qsumTable(w, groups, nb, bs);
  const m0 = i16x8.splat(0x000f);
  const m1 = i16x8.splat(0x00f0);
  const m2 = i16x8.splat(0x0f00);
  const nibbles = i8x16.splat(15);
  // Activation bytes per value: 2 (int16) or 1 (relaxed, int8).
  const ash: u32 = relaxed ? 0 : 1;
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = relaxed ? a8 + <usize>r * kp : a16 + ((<usize>r * kp) << 1);
    if (!relaxed) scaleRow(rowA, kp);
    if (relaxed || bs <= (SEG_OCTETS << 3)) {
      // K chunk by chunk (layout.ts), all column groups per chunk: the chunk's activations stay in
      // L1 while its weights stream past in one contiguous stretch. Between chunks the float sums
      // wait in out (stored and reloaded exactly; the bias is added after the last block).
      const cb = chunkBlocks(bs);
      for (let c0: u32 = 0; c0 < nb; c0 += cb) {
        const inChunk = min<u32>(cb, nb - c0);
        let hdr = w + <usize>c0 * groups * gbb;
        for (let g: u32 = 0; g < groups; g++) {
          const col = g * 4;
          const cmax = min<u32>(4, n - col);
          const outp = out + (<usize>(r * n + col) << 2);
          let facc = chunkStart(isFloat, c0, outp, cmax);
          let pa = rowA + ((<usize>c0 * bs) << ash);
          for (let b = c0; b < c0 + inChunk; b++) {
            let pw = hdr + 32;
            const end = pw + (<usize>bs << 1);
            let vacc = i32x4.splat(0);
            do {
              vacc = relaxed ? octetRelaxed(pw, pa, vacc, nibbles) : i32x4.add(vacc, octet(pw, pa, m0, m1, m2));
              pa += <usize>8 << ash;
              pw += 16;
            } while (pw < end);
            const rb = (<usize>r * nb + b) << 2;
            facc = blockEnd(isFloat, relaxed ? vacc : i32x4.shr_s(vacc, 8), hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
              facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
            hdr += gbb;
          }
          chunkEnd(isFloat, facc, outp, bias, col, cmax, c0 + inChunk == nb);
        }
      }
      continue;
    }
    // Blocks longer than 4096 values (per-channel weights): a shifted partial sum per 4096.
    for (let g: u32 = 0; g < groups; g++) {
      const col = g * 4;
      const cmax = min<u32>(4, n - col);
      let facc = f32x4.splat(0);
      let pa = rowA;
      for (let b: u32 = 0; b < nb; b++) {
        const hdr = blockAt(w, g, b, nb, groups, bs);
        let pw = hdr + 32;
        let s = i32x4.splat(0);
        for (let o0: u32 = 0; o0 < (bs >> 3); o0 += SEG_OCTETS) {
          const segEnd = pw + (<usize>min<u32>(SEG_OCTETS, (bs >> 3) - o0) << 4);
          let vacc = i32x4.splat(0);
          do {
            vacc = i32x4.add(vacc, octet(pw, pa, m0, m1, m2));
            pa += 16;
            pw += 16;
          } while (pw < segEnd);
          s = i32x4.add(s, i32x4.shr_s(vacc, 8));
        }
        const rb = (<usize>r * nb + b) << 2;
        facc = blockEnd(isFloat, s, hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
          facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
      }
      if (isFloat) storeF32(facc, out + (<usize>(r * n + col) << 2), bias, col, cmax);
    }
  }
}

export function qb4_gemm_dequant_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, true, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, false, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}
