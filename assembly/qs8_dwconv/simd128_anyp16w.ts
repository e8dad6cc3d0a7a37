// Row-vectorized depthwise convolution for few channels (tile `anyp16w`; layout and scratch in
// layout_rows.ts). The channel-vectorized kernels (simd128.ts) fill only C of 16 lanes when C < 16;
// these fill all 16 with consecutive elements of an output row (pixels × channels), so C = 1 with a
// 7×7 kernel, or micro_speech's 1 channel × multiplier 8 at stride 2, run at full width. Same
// packed weights, folded bias and output-stage params as simd128.ts, same int32 accumulators (the
// same products summed; int32 addition is associative), the same store16/store8 output stages:
// bit-identical results.
//
// Per call (one image): the padded image copy and the per-phase tables are built in the scratch.
// Per output row: the tap addresses, the int32 accumulators into the scratch's row buffer, then the
// output stage over that row (one copy per stage instead of one per kernel). Per block of 16 elements: 4 int32 accumulators from the phase's
// bias; per tap pair, each tap's 16 input bytes gathered (one load when rel(i) = i, else NL loads
// and swizzles), interleaved byte by byte, widened to int16 and multiplied against the phase's
// pre-interleaved weight pairs with i32x4.dot_i16x8_s, as in simd128.ts. The relaxed build uses
// i8x16.relaxed_swizzle: indices are 0..15 or 0x80, where both swizzles agree.
//
// Exports `<family>_<stage>_anyp16w__<isa>(input, zrow, out, weights, bias, params, geom, scratch,
// multiplier)`: input [H, W, Cin] of one image (not expanded); zrow: its first byte is the input
// zero point's byte; out [OH, OW, Cin·multiplier]; weights, bias, params as in simd128.ts; geom with
// C = Cin; scratch: qs8_dwconv_scratch_bytes(geom, multiplier) bytes.

import { OUT_ARRAYS, OUT_CHANNELS, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32, paddedChannels } from "../output/params";
import { CONSTS, stageConsts, store16 } from "../output/simd128";
import { G_C, G_DH, G_DW, G_H, G_IN_ROW, G_KH, G_KW, G_OH, G_OUT_ROW, G_OW, G_PL, G_PT, G_SH, G_SW, G_W } from "../common/conv_geometry";
import { dwTileBytes } from "./layout";
import { rowLoads, rowOffset, rowPhases, rowRel, rowStrideBytes } from "./layout_rows";

/** Builds pieces 1–5 of the scratch (layout_rows.ts) for one call (not inlined: one copy for every export). */
function prepareRows(stage: i32, input: usize, za: u8, weights: usize, bias: usize, params: usize, geom: usize, scratch: usize, mult: u32): void {
  const cin = <u32>load<i32>(geom, G_C);
  const oc = cin * mult;
  const p = rowPhases(oc);
  const taps = <u32>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  const pairs = (taps + 1) >> 1;
  const tileBytes = dwTileBytes(<usize>taps);
  const wt = scratch + rowOffset(geom, mult, 1);
  const bt = scratch + rowOffset(geom, mult, 2);
  const pt = scratch + rowOffset(geom, mult, 3);
  const it = scratch + rowOffset(geom, mult, 4);
  const img = scratch + rowOffset(geom, mult, 5);
  const nl = rowLoads(geom, mult);
  const s = <u32>load<i32>(geom, G_SW);
  const lanes = <usize>(p << 4);
  const cp = stage == STAGE_INT32 ? 0 : paddedChannels(load<u32>(params, OUT_CHANNELS));
  if (stage != STAGE_INT32) {
    memory.copy(pt, params, OUT_CHANNELS);
    store<i32>(pt, <i32>lanes, OUT_CHANNELS);
  }
  for (let l: usize = 0; l < lanes; l++) {
    const c = <usize>(<u32>l % oc);
    const src = weights + (c >> 4) * tileBytes + 64 + ((c & 15) << 2);
    const dst = wt + (l >> 4) * <usize>pairs * 64 + ((l & 15) << 2);
    for (let q: usize = 0; q < <usize>pairs; q++) store<i32>(dst + (q << 6), load<i32>(src + (q << 6)));
    store<i32>(bt + (l << 2), load<i32>(bias + (c << 2)));
    if (stage == STAGE_FP32) {
      store<f32>(pt + OUT_ARRAYS + (l << 2), load<f32>(params + OUT_ARRAYS + (c << 2)));
    } else if (stage == STAGE_FIXEDPOINT) {
      for (let a: usize = 0; a < 4; a++) store<i32>(pt + OUT_ARRAYS + a * (lanes << 2) + (l << 2), load<i32>(params + OUT_ARRAYS + a * (cp << 2) + (c << 2)));
      store<f64>(pt + OUT_ARRAYS + (lanes << 4) + (l << 3), load<f64>(params + OUT_ARRAYS + (cp << 4) + (c << 3)));
    }
  }
  for (let ph: u32 = 0; ph < p; ph++) {
    for (let j: u32 = 0; j < nl; j++) {
      for (let i: u32 = 0; i < 16; i++) {
        const r = rowRel(ph, i, oc, mult, cin, s) - (j << 4);
        store<u8>(it + <usize>((ph * nl + j) << 4) + <usize>i, r < 16 ? <u8>r : 0x80);
      }
    }
  }
  const h = <usize>load<i32>(geom, G_H);
  const rs = rowStrideBytes(geom, nl);
  const left = min<usize>(<usize>load<i32>(geom, G_PL) * <usize>cin, rs);
  const rowBytes = min<usize>(<usize>load<i32>(geom, G_W) * <usize>cin, rs - left);
  const inRow = <usize>load<i32>(geom, G_IN_ROW);
  memory.fill(img, za, (h + 1) * rs);
  for (let y: usize = 0; y < h; y++) memory.copy(img + y * rs + left, input + y * inRow, rowBytes);
}

/** One swizzle (relaxed: one pshufb; indices are 0..15 or 0x80, where both swizzles agree). */
// @ts-ignore: decorator
@inline function swz(relaxed: bool, v: v128, vidx: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (relaxed) return i8x16.relaxed_swizzle(v, vidx);
  }
  return i8x16.swizzle(v, vidx);
}

/** The 16 input bytes of a block from `nl` loads at `a`, picked by the index vectors at `idx`. */
// @ts-ignore: decorator
@inline function gatherN(relaxed: bool, a: usize, idx: usize, nl: u32): v128 {
  let v = swz(relaxed, v128.load(a), v128.load(idx));
  for (let j: u32 = 1; j < nl; j++) v = v128.or(v, swz(relaxed, v128.load(a + (<usize>j << 4)), v128.load(idx + (<usize>j << 4))));
  return v;
}

/** vacc + dot(widen(low or high 8 bytes of v), w), as in simd128.ts. */
// @ts-ignore: decorator
@inline function mac(unsigned_: bool, vacc: v128, v: v128, high: bool, w: v128): v128 {
  const x = unsigned_ ? (high ? i16x8.extend_high_i8x16_u(v) : i16x8.extend_low_i8x16_u(v)) : (high ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_low_i8x16_s(v));
  return i32x4.add(vacc, i32x4.dot_i16x8_s(x, w));
}

/**
 * int32 accumulators of one output row (elems elements, rounded up to 16) into `acc`: the tap
 * addresses are in the scratch's piece 0. One function per input signedness, gather mode and build
 * (called through accRow), so the output stages are not copied into each.
 */
// @ts-ignore: decorator
@inline function accumulate(unsigned_: bool, relaxed: bool, mode: i32, acc: usize, elems: u32, oc: u32, mult: u32, pixStep: usize, pairs: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void {
  const p = rowPhases(oc);
  let ph: u32 = 0;
  for (let e: u32 = 0; e < elems; e += 16) {
    const base = <usize>(e / oc) * pixStep + <usize>((e % oc) / mult);
    const pb = bt + <usize>(ph << 6);
    let vacc0123 = v128.load(pb);
    let vacc4567 = v128.load(pb, 16);
    let vacc89AB = v128.load(pb, 32);
    let vaccCDEF = v128.load(pb, 48);
    const idx = it + <usize>(ph * nl << 4);
    let pp = tp;
    let wp = wt + <usize>ph * <usize>pairs * 64;
    // `mode` is a constant of each accS*/accU* function (one function per mode: inlined into one
    // body, the optimizer merged the modes and tested the mode inside the tap loop).
    if (mode == 0) {
      for (let q: u32 = 0; q < pairs; q++) {
        const vi0 = v128.load(load<usize>(pp) + base);
        const vi1 = v128.load(load<usize>(pp, sizeof<usize>()) + base);
        const vlo = i8x16.shuffle(vi0, vi1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const vhi = i8x16.shuffle(vi0, vi1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        vacc0123 = mac(unsigned_, vacc0123, vlo, false, v128.load(wp));
        vacc4567 = mac(unsigned_, vacc4567, vlo, true, v128.load(wp, 16));
        vacc89AB = mac(unsigned_, vacc89AB, vhi, false, v128.load(wp, 32));
        vaccCDEF = mac(unsigned_, vaccCDEF, vhi, true, v128.load(wp, 48));
        pp += sizeof<usize>() << 1;
        wp += 64;
      }
    } else if (mode == 1) {
      const vidx = v128.load(idx);
      for (let q: u32 = 0; q < pairs; q++) {
        const vi0 = swz(relaxed, v128.load(load<usize>(pp) + base), vidx);
        const vi1 = swz(relaxed, v128.load(load<usize>(pp, sizeof<usize>()) + base), vidx);
        const vlo = i8x16.shuffle(vi0, vi1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const vhi = i8x16.shuffle(vi0, vi1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        vacc0123 = mac(unsigned_, vacc0123, vlo, false, v128.load(wp));
        vacc4567 = mac(unsigned_, vacc4567, vlo, true, v128.load(wp, 16));
        vacc89AB = mac(unsigned_, vacc89AB, vhi, false, v128.load(wp, 32));
        vaccCDEF = mac(unsigned_, vaccCDEF, vhi, true, v128.load(wp, 48));
        pp += sizeof<usize>() << 1;
        wp += 64;
      }
    } else {
      for (let q: u32 = 0; q < pairs; q++) {
        const vi0 = gatherN(relaxed, load<usize>(pp) + base, idx, nl);
        const vi1 = gatherN(relaxed, load<usize>(pp, sizeof<usize>()) + base, idx, nl);
        const vlo = i8x16.shuffle(vi0, vi1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const vhi = i8x16.shuffle(vi0, vi1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        vacc0123 = mac(unsigned_, vacc0123, vlo, false, v128.load(wp));
        vacc4567 = mac(unsigned_, vacc4567, vlo, true, v128.load(wp, 16));
        vacc89AB = mac(unsigned_, vacc89AB, vhi, false, v128.load(wp, 32));
        vaccCDEF = mac(unsigned_, vaccCDEF, vhi, true, v128.load(wp, 48));
        pp += sizeof<usize>() << 1;
        wp += 64;
      }
    }
    const at = acc + (<usize>e << 2);
    v128.store(at, vacc0123);
    v128.store(at, vacc4567, 16);
    v128.store(at, vacc89AB, 32);
    v128.store(at, vaccCDEF, 48);
    ph = ph + 1 == p ? 0 : ph + 1;
  }
}

function accS0(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(false, false, 0, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accS1(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(false, false, 1, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accU0(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(true, false, 0, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accU1(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(true, false, 1, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accS2(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(false, false, 2, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accU2(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(true, false, 2, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accS2r(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(false, true, 2, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accU2r(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(true, true, 2, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accS1r(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(false, true, 1, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }
function accU1r(a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void { accumulate(true, true, 1, a, e, oc, m, ps, pr, nl, tp, wt, bt, it); }

// @ts-ignore: decorator
@inline function accRow(unsigned_: bool, relaxed: bool, mode: i32, a: usize, e: u32, oc: u32, m: u32, ps: usize, pr: u32, nl: u32, tp: usize, wt: usize, bt: usize, it: usize): void {
  if (mode == 0) {
    if (unsigned_) accU0(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
    else accS0(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
  } else if (mode == 1) {
    if (relaxed) {
      if (unsigned_) accU1r(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
      else accS1r(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
    } else if (unsigned_) accU1(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
    else accS1(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
  } else if (relaxed) {
    if (unsigned_) accU2r(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
    else accS2r(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
  } else if (unsigned_) accU2(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
  else accS2(a, e, oc, m, ps, pr, nl, tp, wt, bt, it);
}

/** The 8-bit output stage over one row of int32 accumulators (phase lanes as in layout_rows.ts). */
// @ts-ignore: decorator
@inline function requantRow(stage: i32, acc: usize, out: usize, elems: u32, p: u32, prm: usize): void {
  stageConsts(stage, prm);
  const k0 = v128.load(CONSTS);
  const k1 = v128.load(CONSTS, 16);
  const k2 = v128.load(CONSTS, 32);
  const k3 = v128.load(CONSTS, 48);
  const cpw = <usize>(p << 4);
  let ph: u32 = 0;
  for (let e: u32 = 0; e < elems; e += 16) {
    const at = acc + (<usize>e << 2);
    store16(stage, v128.load(at), v128.load(at, 16), v128.load(at, 32), v128.load(at, 48), ph << 4, min<u32>(16, elems - e), out + <usize>e, prm, cpw, k0, k1, k2, k3);
    ph = ph + 1 == p ? 0 : ph + 1;
  }
}

function requantFp32Row(acc: usize, out: usize, elems: u32, p: u32, prm: usize): void { requantRow(STAGE_FP32, acc, out, elems, p, prm); }
function requantFixedRow(acc: usize, out: usize, elems: u32, p: u32, prm: usize): void { requantRow(STAGE_FIXEDPOINT, acc, out, elems, p, prm); }

// @ts-ignore: decorator
@inline function rows(stage: i32, unsigned_: bool, relaxed: bool, input: usize, zrow: usize, out: usize, weights: usize, bias: usize, params: usize, geom: usize, scratch: usize, mult: u32): void {
  const cin = <u32>load<i32>(geom, G_C);
  const oc = cin * mult;
  const p = rowPhases(oc);
  const h = load<i32>(geom, G_H);
  const oh = load<i32>(geom, G_OH);
  const kh = load<i32>(geom, G_KH);
  const kw = load<i32>(geom, G_KW);
  const pairs = <u32>(kh * kw + 1) >> 1;
  const sh = load<i32>(geom, G_SH);
  const dh = load<i32>(geom, G_DH);
  const pt = load<i32>(geom, G_PT);
  const tapStep = <usize>(load<i32>(geom, G_DW)) * <usize>cin;
  const pixStep = <usize>load<i32>(geom, G_SW) * <usize>cin;
  const elems = <u32>load<i32>(geom, G_OW) * oc;
  const outRow = <usize>load<i32>(geom, G_OUT_ROW);
  const nl = rowLoads(geom, mult);
  const rs = rowStrideBytes(geom, nl);
  const tp = scratch;
  const wt = scratch + rowOffset(geom, mult, 1);
  const bt = scratch + rowOffset(geom, mult, 2);
  const prm = scratch + rowOffset(geom, mult, 3);
  const it = scratch + rowOffset(geom, mult, 4);
  const img = scratch + rowOffset(geom, mult, 5);
  const acc = scratch + rowOffset(geom, mult, 6);
  const mode = gatherMode(geom, mult);
  prepareRows(stage, input, load<u8>(zrow), weights, bias, params, geom, scratch, mult);
  for (let y = 0; y < oh; y++) {
    let at = tp;
    for (let ky = 0; ky < kh; ky++) {
      const iy = y * sh + ky * dh - pt;
      let rowp = img + <usize>(iy >= 0 && iy < h ? iy : h) * rs;
      for (let kx = 0; kx < kw; kx++) {
        store<usize>(at, rowp);
        rowp += tapStep;
        at += sizeof<usize>();
      }
    }
    store<usize>(at, load<usize>(at - sizeof<usize>()));
    const o = out + <usize>y * outRow;
    if (mode == 0) accRow(unsigned_, relaxed, 0, acc, elems, oc, mult, pixStep, pairs, nl, tp, wt, bt, it);
    else if (mode == 1) accRow(unsigned_, relaxed, 1, acc, elems, oc, mult, pixStep, pairs, nl, tp, wt, bt, it);
    else accRow(unsigned_, relaxed, 2, acc, elems, oc, mult, pixStep, pairs, nl, tp, wt, bt, it);
    if (stage == STAGE_INT32) memory.copy(o, acc, <usize>elems << 2);
    else if (stage == STAGE_FP32) requantFp32Row(acc, o, elems, p, prm);
    else requantFixedRow(acc, o, elems, p, prm);
  }
}

/** The gather mode of a call: 0 when rel(i) = i (stride 1, multiplier 1), 1 for one load and swizzle, 2 for several. */
// @ts-ignore: decorator
@inline function gatherMode(geom: usize, mult: u32): i32 {
  if (mult == 1 && load<i32>(geom, G_SW) == 1) return 0;
  return rowLoads(geom, mult) == 1 ? 1 : 2;
}

// @ts-ignore: decorator
@inline export function runRows(stage: i32, unsigned_: bool, relaxed: bool, i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void {
  rows(stage, unsigned_, relaxed, i, z, o, w, b, p, g, s, m);
}

export function qs8_dwconv_int32_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_INT32, false, false, i, z, o, w, b, p, g, s, m); }
export function qs8_dwconv_fp32_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FP32, false, false, i, z, o, w, b, p, g, s, m); }
export function qs8_dwconv_fixedpoint_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FIXEDPOINT, false, false, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_int32_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_INT32, true, false, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_fp32_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FP32, true, false, i, z, o, w, b, p, g, s, m); }
export function qu8_dwconv_fixedpoint_anyp16w__simd128(i: usize, z: usize, o: usize, w: usize, b: usize, p: usize, g: usize, s: usize, m: u32): void { runRows(STAGE_FIXEDPOINT, true, false, i, z, o, w, b, p, g, s, m); }
