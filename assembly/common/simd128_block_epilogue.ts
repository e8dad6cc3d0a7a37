// The per-block epilogue of the 4-bit GEMMs whose weights come in groups of 4 columns with a scale
// per (column, block of K): the zero-point corrections of a block's int32 sums, the float
// accumulation f32(corr) · f32(scale · ascale) in a fixed order (so every build and tile gives
// the same floats), the int32 per-block store, and the final float store plus bias. Used by
// qb4_gemm (simd128 and relaxed 1x4c32, simd128 4x8c2) and qp4_gemm (simd128 and relaxed 1x4c32).
// The block header it reads: f32 scale[4] at 0, i32 zq[4] at 16 (qb4_gemm/layout.ts; qp4_gemm
// stores zq = 0 and its weight sums as the qsum).

/** Horizontal sums of 4 vectors at once: lane c of the result = Σ of the 4 int32 lanes of a_c (wrapping). */
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
@inline export function accumulate(facc: v128, corr: v128, scale: v128, ascale: v128): v128 {
  return f32x4.add(facc, f32x4.mul(f32x4.convert_i32x4_s(corr), f32x4.mul(scale, ascale)));
}

/**
 * Block epilogue of the one-row kernels (every build): corrections, then the float
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
  storeLanes(f32x4.add(facc, vb), out, cmax);
}

/** Stores the first cmax (1..4) float lanes of y at out. */
// @ts-ignore: decorator
@inline export function storeLanes(y: v128, out: usize, cmax: u32): void {
  if (cmax == 4) {
    v128.store(out, y);
  } else {
    store<f32>(out, f32x4.extract_lane(y, 0));
    if (cmax > 1) store<f32>(out, f32x4.extract_lane(y, 1), 4);
    if (cmax > 2) store<f32>(out, f32x4.extract_lane(y, 2), 8);
  }
}

/** The first count (1..3) float lanes at p, the others 0. */
// @ts-ignore: decorator
@inline export function loadPartial(p: usize, count: u32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}
