// simd128 block-wise 4-bit GEMM (layouts in layout.ts): per row, groups of 4 columns, per block
// one int32 vector per column. Each 16-byte chunk of a column is read as eight 16-bit lanes and
// split into its four nibble quarters with one mask or shift each (no widening: the lanes already
// are int16; see dot4x256), each quarter multiplied against 8 int16 activations with
// i32x4.dot_i16x8_s. At the end
// of a block the four column vectors are transposed and summed (one vector of 4 column sums), the
// zero-point corrections applied, and the block's scale folded into a float32 accumulator —
// the same order as scalar.ts, so results are bit-identical.
//
// Exports as in scalar.ts, tile `1x4c32`.

import { transposeStore } from "../qs8_gemm/simd128";
import { groupBlockBytes, qsumTable } from "./layout";

// @ts-ignore: decorator
@inline export function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  // Interleaves of 32-bit then 64-bit lanes (single punpck instructions on x86).
  const t0 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i64>(t0, t1, 0, 2), v128.shuffle<i64>(t0, t1, 1, 3));
}

/** Σ (a − za)(q − zq) of one block for 4 columns from s = Σ a·q: s − zq·asum − za·qsum (qsum read only if za ≠ 0). */
// @ts-ignore: decorator
@inline function corrected(s: v128, zq: v128, qsumP: usize, asum: v128, za: i32): v128 {
  let corr = i32x4.sub(s, i32x4.mul(zq, asum));
  // Dynamically quantized activations are symmetric (za = 0): no zero-point term.
  if (za != 0) corr = i32x4.sub(corr, i32x4.mul(v128.load(qsumP), i32x4.splat(za)));
  return corr;
}

/** The float accumulation of one block for 4 columns: facc + f32(corr) · f32(scale · ascale), in this order in every tile. */
// @ts-ignore: decorator
@inline function accumulate(facc: v128, corr: v128, scale: v128, ascale: v128): v128 {
  return f32x4.add(facc, f32x4.mul(f32x4.convert_i32x4_s(corr), f32x4.mul(scale, ascale)));
}

/**
 * Block epilogue shared with the relaxed and palettized kernels: corrections, then the float
 * accumulation or int32 store. hdr: f32 scale[4], i32 zq[4]; qsumP: i32 qsum[4]; asumP / ascaleP:
 * the row's block activation sum (i32) and scale (f32).
 */
// @ts-ignore: decorator
@inline export function blockEnd(isFloat: bool, s: v128, hdr: usize, qsumP: usize, asumP: usize, za: i32, ascaleP: usize, facc: v128, out32: usize, nb: u32, cmax: u32): v128 {
  const corr = corrected(s, v128.load(hdr, 16), qsumP, v128.load32_splat(asumP), za);
  if (isFloat) return accumulate(facc, corr, v128.load(hdr), v128.load32_splat(ascaleP));
  // int32 output [M, N, nb]: 4 columns, nb apart
  store<i32>(out32, i32x4.extract_lane(corr, 0));
  if (cmax > 1) store<i32>(out32 + (<usize>nb << 2), i32x4.extract_lane(corr, 1));
  if (cmax > 2) store<i32>(out32 + (<usize>nb << 3), i32x4.extract_lane(corr, 2));
  if (cmax > 3) store<i32>(out32 + <usize>nb * 12, i32x4.extract_lane(corr, 3));
  return facc;
}

/** Stores 4 (or fewer) float outputs plus bias. */
// @ts-ignore: decorator
@inline export function storeF32(facc: v128, out: usize, bias: usize, col: u32, cmax: u32): void {
  const vb = bias != 0 ? (cmax == 4 ? v128.load(bias + (<usize>col << 2)) : loadPartial(bias + (<usize>col << 2), cmax)) : f32x4.splat(0);
  const y = f32x4.add(facc, vb);
  if (cmax == 4) {
    v128.store(out, y);
  } else {
    store<f32>(out, f32x4.extract_lane(y, 0));
    if (cmax > 1) store<f32>(out, f32x4.extract_lane(y, 1), 4);
    if (cmax > 2) store<f32>(out, f32x4.extract_lane(y, 2), 8);
  }
}

// @ts-ignore: decorator
@inline function loadPartial(p: usize, count: u32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/**
 * 256 · Σ q·a over one 32-value chunk of one column. The chunk's eight 16-bit lanes hold four
 * nibbles each; masking keeps nibble 0 as q, nibble 1 as 16·q and nibble 2 as 256·q, and one shift
 * gives nibble 3 as q — against activations pre-scaled by 256, 16, 1 and 256 (scaleRow) every
 * product is 256·q·a. One mask or shift per quarter instead of a shift and a mask (shifts compete
 * with pmaddwd for the same x86 ports).
 */
// @ts-ignore: decorator
@inline function dot4x256(v: v128, a0: v128, a1: v128, a2: v128, a3: v128, m0: v128, m1: v128, m2: v128): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.and(v, m0), a0), i32x4.dot_i16x8_s(v128.and(v, m1), a1)),
    i32x4.add(i32x4.dot_i16x8_s(v128.and(v, m2), a2), i32x4.dot_i16x8_s(i16x8.shr_u(v, 12), a3)));
}

/**
 * Rescales one packed row of int16 activations in place for dot4x256: in every 32-value chunk the
 * quarters are multiplied by 256, 16, 1, 256 (|256·a| ≤ 32768 fits int16 for a in −128..127).
 * The a16 scratch belongs to one gemm call, and only this kernel reads it after packing.
 */
// @ts-ignore: decorator
@inline function scaleRow(rowA: usize, kp: u32): void {
  const end = rowA + (<usize>kp << 1);
  for (let p = rowA; p < end; p += 64) {
    v128.store(p, i16x8.shl(v128.load(p), 8));
    v128.store(p, i16x8.shl(v128.load(p, 16), 4), 16);
    v128.store(p, i16x8.shl(v128.load(p, 48), 8), 48);
  }
}

// Chunks (32 values) per 256-scaled partial sum. A dot4x256 lane is at most 4 · 2 · 15 · 32768 in
// magnitude; 128 chunks of it, and the 4 lanes summed by reduce4, stay below 2^31 (4 · 128 ·
// 983040 < 2^31). Longer blocks (per-channel weights with K > 4096) add shifted partial sums.
const SEG_CHUNKS: u32 = 128;

// @ts-ignore: decorator
@inline function qb4Simd(isFloat: bool, m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const half = <usize>(bs >> 1);
  const groups = (n + 3) >> 2;
  const qsums = qsumTable(w, groups, nb, bs);
  const m0 = i16x8.splat(0x000f);
  const m1 = i16x8.splat(0x00f0);
  const m2 = i16x8.splat(0x0f00);
  for (let r: u32 = 0; r < m; r++) {
    const za = load<i32>(azp + (<usize>r << 2));
    const rowA = a16 + ((<usize>r * kp) << 1);
    scaleRow(rowA, kp);
    let hdr = w;
    for (let g: u32 = 0; g < groups; g++) {
      const col = g * 4;
      const cmax = min<u32>(4, n - col);
      let facc = f32x4.splat(0);
      let pa = rowA;
      if (bs == 32) {
        // The common block size: one chunk per block, no inner loop.
        for (let b: u32 = 0; b < nb; b++) {
          const va0 = v128.load(pa);
          const va1 = v128.load(pa, 16);
          const va2 = v128.load(pa, 32);
          const va3 = v128.load(pa, 48);
          const d0 = dot4x256(v128.load(hdr, 32), va0, va1, va2, va3, m0, m1, m2);
          const d1 = dot4x256(v128.load(hdr, 48), va0, va1, va2, va3, m0, m1, m2);
          const d2 = dot4x256(v128.load(hdr, 64), va0, va1, va2, va3, m0, m1, m2);
          const d3 = dot4x256(v128.load(hdr, 80), va0, va1, va2, va3, m0, m1, m2);
          const rb = (<usize>r * nb + b) << 2;
          facc = blockEnd(isFloat, i32x4.shr_s(reduce4(d0, d1, d2, d3), 8), hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
            facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
          hdr += 96;
          pa += 64;
        }
      } else {
        for (let b: u32 = 0; b < nb; b++) {
          let p0 = hdr + 32;
          let s = i32x4.splat(0);
          for (let c0: u32 = 0; c0 < (bs >> 5); c0 += SEG_CHUNKS) {
            const segEnd = p0 + (<usize>min<u32>(SEG_CHUNKS, (bs >> 5) - c0) << 4);
            let vacc0 = i32x4.splat(0);
            let vacc1 = vacc0;
            let vacc2 = vacc0;
            let vacc3 = vacc0;
            do {
              const va0 = v128.load(pa);
              const va1 = v128.load(pa, 16);
              const va2 = v128.load(pa, 32);
              const va3 = v128.load(pa, 48);
              vacc0 = i32x4.add(vacc0, dot4x256(v128.load(p0), va0, va1, va2, va3, m0, m1, m2));
              vacc1 = i32x4.add(vacc1, dot4x256(v128.load(p0 + half), va0, va1, va2, va3, m0, m1, m2));
              vacc2 = i32x4.add(vacc2, dot4x256(v128.load(p0 + 2 * half), va0, va1, va2, va3, m0, m1, m2));
              vacc3 = i32x4.add(vacc3, dot4x256(v128.load(p0 + 3 * half), va0, va1, va2, va3, m0, m1, m2));
              pa += 64;
              p0 += 16;
            } while (p0 < segEnd);
            s = i32x4.add(s, i32x4.shr_s(reduce4(vacc0, vacc1, vacc2, vacc3), 8));
          }
          const rb = (<usize>r * nb + b) << 2;
          facc = blockEnd(isFloat, s, hdr, qsums + ((<usize>g * nb + b) << 4), asum + rb, za, ascale + rb,
            facc, out + ((<usize>(r * n + col) * nb + b) << 2), nb, cmax);
          hdr += gbb;
        }
      }
      if (isFloat) storeF32(facc, out + (<usize>(r * n + col) << 2), bias, col, cmax);
    }
  }
}

export function qb4_gemm_f32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(true, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

export function qb4_gemm_int32_1x4c32__simd128(m: u32, n: u32, k: u32, bs: u32, a16: usize, a8: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize): void {
  qb4Simd(false, m, n, k, bs, a16, asum, ascale, azp, w, out, bias);
}

// 4×8 tile for M ≥ 4 (float output): per 8 columns and K block, the block's nibbles are decoded
// once into int16 K pairs (column-interleaved as the int8 GEMM's packed B: for K pair p, 16 bytes
// for columns 0–3 then 16 for columns 4–7) in `scratch` (bs·16 bytes), then every group of 4 rows
// runs the int8 GEMM's inner loop over it (one `load32_splat` per row and K pair, 8 pmaddwd) and
// the block epilogue of blockEnd per row, accumulating into the float32 output in block order.
// Same integers and the same float operations in the same order as 1x4c32: bit-identical.

const TMP = memory.data(32, 16);
const ZERO16 = memory.data(16, 16);

/** Decodes one 32-value chunk of a group of 4 columns (`cols`: its first column's chunk, columns `half` apart) to `dst`. */
// @ts-ignore: decorator
@inline function decodeChunk(cols: usize, half: usize, dst: usize, mask: v128): void {
  const v0 = v128.load(cols);
  const v1 = v128.load(cols + half);
  const v2 = v128.load(cols + 2 * half);
  const v3 = v128.load(cols + 3 * half);
  transposeStore(dst, v128.and(v0, mask), v128.and(v1, mask), v128.and(v2, mask), v128.and(v3, mask), 32);
  transposeStore(dst + 128, v128.and(i16x8.shr_u(v0, 4), mask), v128.and(i16x8.shr_u(v1, 4), mask),
    v128.and(i16x8.shr_u(v2, 4), mask), v128.and(i16x8.shr_u(v3, 4), mask), 32);
  transposeStore(dst + 256, v128.and(i16x8.shr_u(v0, 8), mask), v128.and(i16x8.shr_u(v1, 8), mask),
    v128.and(i16x8.shr_u(v2, 8), mask), v128.and(i16x8.shr_u(v3, 8), mask), 32);
  transposeStore(dst + 384, i16x8.shr_u(v0, 12), i16x8.shr_u(v1, 12), i16x8.shr_u(v2, 12), i16x8.shr_u(v3, 12), 32);
}

/** One row's epilogue for 8 columns: out[col..col+nc) accumulated as blockEnd does. */
// @ts-ignore: decorator
@inline function rowEnd(
  lo: v128, hi: v128, zlo: v128, zhi: v128, qlo: usize, qhi: usize, slo: v128, shi: v128,
  asumP: usize, za: i32, ascaleP: usize, outp: usize, nc: u32,
): void {
  const asum = v128.load32_splat(asumP);
  const ascaleRB = v128.load32_splat(ascaleP);
  const clo = corrected(lo, zlo, qlo, asum, za);
  const chi = corrected(hi, zhi, qhi, asum, za);
  if (nc == 8) {
    v128.store(outp, accumulate(v128.load(outp), clo, slo, ascaleRB));
    v128.store(outp, accumulate(v128.load(outp, 16), chi, shi, ascaleRB), 16);
  } else {
    memory.copy(TMP, outp, <usize>nc << 2);
    v128.store(TMP, accumulate(v128.load(TMP), clo, slo, ascaleRB));
    v128.store(TMP, accumulate(v128.load(TMP, 16), chi, shi, ascaleRB), 16);
    memory.copy(outp, TMP, <usize>nc << 2);
  }
}

export function qb4_gemm_f32_4x8c2__simd128(
  m: u32, n: u32, k: u32, bs: u32, a16: usize, asum: usize, ascale: usize, azp: usize, w: usize, out: usize, bias: usize, scratch: usize,
): void {
  const nb = (k + bs - 1) / bs;
  const kp = nb * bs;
  const gbb = groupBlockBytes(bs);
  const half = <usize>(bs >> 1);
  const groups = (n + 3) >> 2;
  const blocks = (n + 7) >> 3;
  const qsums = qsumTable(w, groups, nb, bs);
  const rowGroups = (m + 3) >> 2;
  const mask = i16x8.splat(15);
  const zero = i32x4.splat(0);
  const ldo = <usize>n << 2;
  memory.fill(out, 0, <usize>m * ldo);
  for (let j: u32 = 0; j < blocks; j++) {
    const col = j * 8;
    const nc = min<u32>(8, n - col);
    const g0 = j * 2;
    const two = g0 + 1 < groups;
    for (let b: u32 = 0; b < nb; b++) {
      const h0 = w + (<usize>g0 * nb + b) * gbb;
      const h1 = h0 + <usize>nb * gbb;
      for (let t: u32 = 0; t < bs; t += 32) {
        const dst = scratch + (<usize>t << 4);
        decodeChunk(h0 + 32 + (<usize>t >> 1), half, dst, mask);
        if (two) {
          decodeChunk(h1 + 32 + (<usize>t >> 1), half, dst + 16, mask);
        } else {
          for (let p: usize = 0; p < 16; p++) v128.store(dst + (p << 5), zero, 16);
        }
      }
      const zlo = v128.load(h0, 16), slo = v128.load(h0);
      const qlo = qsums + ((<usize>g0 * nb + b) << 4);
      const zhi = two ? v128.load(h1, 16) : zero, shi = two ? v128.load(h1) : zero;
      const qhi = two ? qlo + (<usize>nb << 4) : ZERO16;
      for (let rg: u32 = 0; rg < rowGroups; rg++) {
        const r0 = rg << 2;
        // Missing rows read row r0 and are not stored.
        const pa0 = a16 + ((<usize>r0 * kp + <usize>b * bs) << 1);
        const pa1 = r0 + 1 < m ? pa0 + (<usize>kp << 1) : pa0;
        const pa2 = r0 + 2 < m ? pa0 + (<usize>kp << 2) : pa0;
        const pa3 = r0 + 3 < m ? pa0 + <usize>kp * 6 : pa0;
        let vacc0x0123 = zero, vacc0x4567 = zero, vacc1x0123 = zero, vacc1x4567 = zero;
        let vacc2x0123 = zero, vacc2x4567 = zero, vacc3x0123 = zero, vacc3x4567 = zero;
        let pw = scratch;
        // K pair p of row r: 4 bytes at pa_r + 4p; decoded B: 32 bytes per K pair.
        for (let p: usize = 0; p < (<usize>bs << 1); p += 4) {
          const vb0123 = v128.load(pw);
          const vb4567 = v128.load(pw, 16);
          const va0 = v128.load32_splat(pa0 + p);
          vacc0x0123 = i32x4.add(vacc0x0123, i32x4.dot_i16x8_s(va0, vb0123));
          vacc0x4567 = i32x4.add(vacc0x4567, i32x4.dot_i16x8_s(va0, vb4567));
          const va1 = v128.load32_splat(pa1 + p);
          vacc1x0123 = i32x4.add(vacc1x0123, i32x4.dot_i16x8_s(va1, vb0123));
          vacc1x4567 = i32x4.add(vacc1x4567, i32x4.dot_i16x8_s(va1, vb4567));
          const va2 = v128.load32_splat(pa2 + p);
          vacc2x0123 = i32x4.add(vacc2x0123, i32x4.dot_i16x8_s(va2, vb0123));
          vacc2x4567 = i32x4.add(vacc2x4567, i32x4.dot_i16x8_s(va2, vb4567));
          const va3 = v128.load32_splat(pa3 + p);
          vacc3x0123 = i32x4.add(vacc3x0123, i32x4.dot_i16x8_s(va3, vb0123));
          vacc3x4567 = i32x4.add(vacc3x4567, i32x4.dot_i16x8_s(va3, vb4567));
          pw += 32;
        }
        const outp = out + <usize>r0 * ldo + (<usize>col << 2);
        let rb = (<usize>r0 * nb + b) << 2;
        const rstep = <usize>nb << 2;
        rowEnd(vacc0x0123, vacc0x4567, zlo, zhi, qlo, qhi, slo, shi, asum + rb, load<i32>(azp + (<usize>r0 << 2)), ascale + rb, outp, nc);
        if (r0 + 1 < m) {
          rb += rstep;
          rowEnd(vacc1x0123, vacc1x4567, zlo, zhi, qlo, qhi, slo, shi, asum + rb, load<i32>(azp + (<usize>r0 << 2), 4), ascale + rb, outp + ldo, nc);
        }
        if (r0 + 2 < m) {
          rb += rstep;
          rowEnd(vacc2x0123, vacc2x4567, zlo, zhi, qlo, qhi, slo, shi, asum + rb, load<i32>(azp + (<usize>r0 << 2), 8), ascale + rb, outp + 2 * ldo, nc);
        }
        if (r0 + 3 < m) {
          rb += rstep;
          rowEnd(vacc3x0123, vacc3x4567, zlo, zhi, qlo, qhi, slo, shi, asum + rb, load<i32>(azp + (<usize>r0 << 2), 12), ascale + rb, outp + 3 * ldo, nc);
        }
      }
    }
  }
  // + bias (or + 0, as storeF32: the same float result for every input, −0 included).
  for (let r: u32 = 0; r < m; r++) {
    const row = out + <usize>r * ldo;
    for (let c: u32 = 0; c < n; c++) {
      const at = row + (<usize>c << 2);
      store<f32>(at, load<f32>(at) + (bias != 0 ? load<f32>(bias + (<usize>c << 2)) : <f32>0));
    }
  }
}
