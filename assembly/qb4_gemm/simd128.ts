// simd128 block-wise 4-bit GEMM (layouts in layout.ts). One row at a time, groups of 4 columns:
// each 16-byte octet holds 8 values of K for the 4 columns, its 16-bit lanes already int16 pairs per
// column, so one mask or shift per K pair (dot4x256) and one i32x4.dot_i16x8_s against a splatted
// activation pair leave column c's partial sum in lane c — no horizontal sums. At the end of a block
// the zero-point corrections are applied and the block's scale folded into a float32 accumulator
// (blockEnd, ../common/simd128_block_epilogue.ts, shared with the palettized family), the same
// order as scalar.ts, so results are bit-identical.
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

export function qb4_gemm_f32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, true, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, false, m, n, k, bs, a16, a8, asum, ascale, azp, w, out, bias);
}

// 4×8 tile for M ≥ 4 (float output). Per block of 8 columns, all of K is decoded once into `scratch`
// as int16 K pairs of (q − zq) (column-interleaved as the int8 GEMM's packed B: for K pair p, 16 bytes
// for columns 0–3 then 16 for columns 4–7; one mask or shift and one subtraction per pair, as the
// packed octets already interleave the columns), followed by the blocks' scales (32 bytes per block).
// Then every group of 4 rows runs the int8 GEMM's inner loop (one `load32_splat` per row and K pair,
// 8 pmaddwd) block after block with its activation pointers running on, and per block adds
// f32(Σ (a − za)(q − zq)) · f32(scale · ascale) to 4×8 float accumulators (FACC), written out with the
// bias after the last block. Σ a·(q − zq) is the 1x4c32 kernel's s − zq·asum, and the float
// operations are those of blockEnd/storeF32 in the same order: bit-identical to 1x4c32.
// scratch: 16·Kp + 32·nb bytes (Kp = K rounded up to the block size).

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

export function qb4_gemm_f32_4x8c2__simd128(
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
      for (let i: usize = 0; i < 128; i += 16) v128.store(FACC + i, zero);
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
        rowBlockEnd(vacc0x0123, vacc0x4567, za0, qlo, qhi, slo, shi, as0, FACC);
        rowBlockEnd(vacc1x0123, vacc1x4567, za1, qlo, qhi, slo, shi, as0 + rstep1, FACC + 32);
        rowBlockEnd(vacc2x0123, vacc2x4567, za2, qlo, qhi, slo, shi, as0 + rstep2, FACC + 64);
        rowBlockEnd(vacc3x0123, vacc3x4567, za3, qlo, qhi, slo, shi, as0 + rstep3, FACC + 96);
        as0 += 4;
      }
      // + bias (or + 0, as storeF32), rows and columns that exist.
      const vb0 = bias != 0 ? v128.load(bias + (<usize>col << 2)) : zero;
      const vb1 = bias != 0 && nc > 4 ? v128.load(bias + (<usize>col << 2), 16) : zero;
      for (let r: u32 = 0; r < rows; r++) {
        const f = FACC + (<usize>r << 5);
        v128.store(f, f32x4.add(v128.load(f), vb0));
        v128.store(f, f32x4.add(v128.load(f, 16), vb1), 16);
        memory.copy(out + <usize>(r0 + r) * ldo + (<usize>col << 2), f, <usize>nc << 2);
      }
    }
  }
}
