// SIMD output stages, 4 lanes at a time; bit-identical to scalar.ts (see the proofs there).

import { OUT_ARRAYS, OUT_QMAX, OUT_QMIN, OUT_ZP, STAGE_FIXEDPOINT, STAGE_FP32, STAGE_INT32 } from "./params";
import { perThread } from "../common/threads";

const SCRATCH = memory.data(32, 16);
/** Per-call stage constants (stageConsts), read back into locals by the kernels. */
export const CONSTS = memory.data(64, 16);

/** 1.5 · 2^23: adding it to |v| < 2^22 rounds v half-to-even into the low mantissa bits. */
// @ts-ignore: decorator
@inline export const MAGIC_F32: f32 = 12582912.0;
// @ts-ignore: decorator
@inline export const MAGIC_F32_BITS: i32 = 0x4B400000;
/** 1.5 · 2^52: the same trick for f64, exact for integral |v| < 2^51 (low 32 bits = v mod 2^32). */
// @ts-ignore: decorator
@inline export const MAGIC_F64: f64 = 6755399441055744.0;

/**
 * fp32 stage on 4 lanes. `vlo`/`vhi`: f32(qmin − zp), f32(qmax − zp); `vmagic`: MAGIC_F32;
 * `vbias`: MAGIC_F32_BITS − zp. pmax/pmin (one instruction each on x86) suffice: no NaN can occur.
 */
// @ts-ignore: decorator
@inline export function requantFp32x4(vacc: v128, vscale: v128, vlo: v128, vhi: v128, vmagic: v128, vbias: v128): v128 {
  let v = f32x4.mul(f32x4.convert_i32x4_s(vacc), vscale);
  v = f32x4.pmax(vlo, v);
  v = f32x4.pmin(vhi, v);
  return i32x4.sub(f32x4.add(v, vmagic), vbias);
}

/**
 * ONNX QuantizeLinear on 4 lanes (f32 in, int32 out incl. zero point). NaN → +0 → zero point.
 * Arguments as in requantFp32x4.
 */
// @ts-ignore: decorator
@inline export function quantizeX4(vx: v128, vscale: v128, vlo: v128, vhi: v128, vmagic: v128, vbias: v128): v128 {
  let v = f32x4.div(vx, vscale);
  v = v128.and(v, f32x4.eq(v, v));
  v = f32x4.pmax(vlo, v);
  v = f32x4.pmin(vhi, v);
  return i32x4.sub(f32x4.add(v, vmagic), vbias);
}

/**
 * fixedpoint stage on 4 lanes. The saturating left shift clamps first (see scalar.ts).
 * SRDHM: floor((t·m + 2^30) / 2^31) is the high 32 bits of 2·(t·m + 2^30), which cannot overflow
 * 64 bits because multipliers are ≥ 0 (so t = m = INT32_MIN never happens).
 * RDBPOT with a different shift per lane: s · 2^-e is exact in f64 (s has ≤ 32 significant bits),
 * and so are |s·2^-e| + 0.5 (the bits span at most 33 positions) and its floor; copying the sign
 * back gives round-half-away-from-zero. The clamp happens in f64 against qmin − zp and qmax − zp,
 * then adding MAGIC_F64 + zp leaves the int32 result in the low half of each f64 lane.
 * `vleft`/`vleftMax`: leftMul and leftMax; `vrsLo`/`vrsHi`: rightScale for lanes 0–1 and 2–3; `vlo`/`vhi`: f64x2 of qmin − zp, qmax − zp;
 * `vmagicZp`: f64x2 of MAGIC_F64 + zp.
 */
// @ts-ignore: decorator
@inline export function requantFixedX4(
  vacc: v128, vmult: v128, vleft: v128, vleftMax: v128, vrsLo: v128, vrsHi: v128,
  vlo: v128, vhi: v128, vmagicZp: v128,
): v128 {
  const t = i32x4.mul(i32x4.min_s(i32x4.max_s(vacc, v128.not(vleftMax)), vleftMax), vleft);
  const vround = i64x2.splat(<i64>1 << 30);
  const plo = i64x2.shl(i64x2.add(i64x2.extmul_low_i32x4_s(t, vmult), vround), 1);
  const phi = i64x2.shl(i64x2.add(i64x2.extmul_high_i32x4_s(t, vmult), vround), 1);
  const s = v128.shuffle<i32>(plo, phi, 1, 3, 5, 7);
  const dlo = roundAwayClamp(f64x2.mul(f64x2.convert_low_i32x4_s(s), vrsLo), vlo, vhi, vmagicZp);
  const dhi = roundAwayClamp(
    f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(s, s, 2, 3, 2, 3)), vrsHi), vlo, vhi, vmagicZp);
  return v128.shuffle<i32>(dlo, dhi, 0, 2, 4, 6);
}

// @ts-ignore: decorator
@inline function roundAwayClamp(v: v128, vlo: v128, vhi: v128, vmagicZp: v128): v128 {
  const sign = v128.and(v, i64x2.splat(i64.MIN_VALUE));
  let r = v128.or(f64x2.floor(f64x2.add(f64x2.abs(v), f64x2.splat(0.5))), sign);
  r = f64x2.pmax(vlo, r);
  r = f64x2.pmin(vhi, r);
  return f64x2.add(r, vmagicZp);
}

/**
 * Narrows 16 int32 lanes holding values in −128..255 to 16 bytes (two's complement low byte, so
 * the same code serves int8 and uint8 outputs).
 */
// @ts-ignore: decorator
@inline export function narrowToBytes(q0: v128, q1: v128, q2: v128, q3: v128): v128 {
  const lowByte = i16x8.splat(0x00FF);
  const w01 = v128.and(i16x8.narrow_i32x4_s(q0, q1), lowByte);
  const w23 = v128.and(i16x8.narrow_i32x4_s(q2, q3), lowByte);
  return i8x16.narrow_i16x8_u(w01, w23);
}

/**
 * Per-call constants of an 8-bit stage, written to CONSTS for the kernel to load into k0..k3:
 * fp32: f32 qmin − zp, f32 qmax − zp, MAGIC_F32, MAGIC_F32_BITS − zp;
 * fixedpoint: f64 qmin − zp, f64 qmax − zp, MAGIC_F64 + zp. (Hoisted out of the loops: V8 does
 * not move loads across the stores in between.)
 */
// @ts-ignore: decorator
@inline export function stageConsts(stage: i32, params: usize): void {
  if (stage == STAGE_FP32 || stage == STAGE_FIXEDPOINT) {
    const zp = load<i32>(params, OUT_ZP);
    const qmin = load<i32>(params, OUT_QMIN);
    const qmax = load<i32>(params, OUT_QMAX);
    if (stage == STAGE_FP32) {
      v128.store(perThread(CONSTS), f32x4.splat(<f32>(qmin - zp)));
      v128.store(perThread(CONSTS), f32x4.splat(<f32>(qmax - zp)), 16);
      v128.store(perThread(CONSTS), f32x4.splat(MAGIC_F32), 32);
      v128.store(perThread(CONSTS), i32x4.splat(MAGIC_F32_BITS - zp), 48);
    } else {
      v128.store(perThread(CONSTS), f64x2.splat(<f64>(qmin - zp)));
      v128.store(perThread(CONSTS), f64x2.splat(<f64>(qmax - zp)), 16);
      v128.store(perThread(CONSTS), f64x2.splat(MAGIC_F64 + <f64>zp), 32);
    }
  }
}

/**
 * Stores 8 int32 accumulators of channels col..col+7 (nc ≤ 8 of them) at `out` through an
 * output stage: int32 as is (also float bits), fp32 / fixedpoint requantized to 8-bit with the
 * per-channel arrays of the params block (C padded to cp), k0..k3 from stageConsts.
 */
// @ts-ignore: decorator
@inline export function store8(
  stage: i32, lo: v128, hi: v128, col: u32, nc: u32, out: usize, params: usize, cp: usize,
  k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  if (stage == STAGE_INT32) {
    if (nc == 8) {
      v128.store(out, lo);
      v128.store(out, hi, 16);
    } else {
      v128.store(perThread(SCRATCH), lo);
      v128.store(perThread(SCRATCH), hi, 16);
      memory.copy(out, perThread(SCRATCH), <usize>nc << 2);
    }
    return;
  }
  const at = params + OUT_ARRAYS + (<usize>col << 2);
  let q0: v128, q1: v128;
  if (stage == STAGE_FP32) {
    q0 = requantFp32x4(lo, v128.load(at), k0, k1, k2, k3);
    q1 = requantFp32x4(hi, v128.load(at, 16), k0, k1, k2, k3);
  } else {
    const rsc = params + OUT_ARRAYS + (cp << 4) + (<usize>col << 3);
    q0 = requantFixedX4(lo, v128.load(at), v128.load(at + (cp << 2)), v128.load(at + (cp << 3)),
      v128.load(rsc), v128.load(rsc, 16), k0, k1, k2);
    q1 = requantFixedX4(hi, v128.load(at, 16), v128.load(at + (cp << 2), 16), v128.load(at + (cp << 3), 16),
      v128.load(rsc, 32), v128.load(rsc, 48), k0, k1, k2);
  }
  const bytes = narrowToBytes(q0, q1, q0, q1);
  if (nc == 8) {
    v128.store64_lane(out, bytes, 0);
  } else {
    v128.store(perThread(SCRATCH), bytes);
    memory.copy(out, perThread(SCRATCH), nc);
  }
}

/**
 * store8 for two rows at once (8-bit stages only): the same requantization per row, one narrowing
 * for both (row 0 in the low 8 bytes, row 1 in the high 8), and the per-channel arrays read once.
 * Bit-identical to two store8 calls.
 */
// @ts-ignore: decorator
@inline export function store8x2(
  stage: i32, lo0: v128, hi0: v128, lo1: v128, hi1: v128, col: u32, nc: u32, out0: usize, out1: usize,
  params: usize, cp: usize, k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  const at = params + OUT_ARRAYS + (<usize>col << 2);
  let q0: v128, q1: v128, q2: v128, q3: v128;
  if (stage == STAGE_FP32) {
    const s0 = v128.load(at);
    const s1 = v128.load(at, 16);
    q0 = requantFp32x4(lo0, s0, k0, k1, k2, k3);
    q1 = requantFp32x4(hi0, s1, k0, k1, k2, k3);
    q2 = requantFp32x4(lo1, s0, k0, k1, k2, k3);
    q3 = requantFp32x4(hi1, s1, k0, k1, k2, k3);
  } else {
    const rsc = params + OUT_ARRAYS + (cp << 4) + (<usize>col << 3);
    q0 = requantFixedX4(lo0, v128.load(at), v128.load(at + (cp << 2)), v128.load(at + (cp << 3)),
      v128.load(rsc), v128.load(rsc, 16), k0, k1, k2);
    q1 = requantFixedX4(hi0, v128.load(at, 16), v128.load(at + (cp << 2), 16), v128.load(at + (cp << 3), 16),
      v128.load(rsc, 32), v128.load(rsc, 48), k0, k1, k2);
    q2 = requantFixedX4(lo1, v128.load(at), v128.load(at + (cp << 2)), v128.load(at + (cp << 3)),
      v128.load(rsc), v128.load(rsc, 16), k0, k1, k2);
    q3 = requantFixedX4(hi1, v128.load(at, 16), v128.load(at + (cp << 2), 16), v128.load(at + (cp << 3), 16),
      v128.load(rsc, 32), v128.load(rsc, 48), k0, k1, k2);
  }
  const bytes = narrowToBytes(q0, q1, q2, q3);
  if (nc == 8) {
    v128.store64_lane(out0, bytes, 0);
    v128.store64_lane(out1, bytes, 1);
  } else {
    v128.store(perThread(SCRATCH), bytes);
    memory.copy(out0, perThread(SCRATCH), nc);
    memory.copy(out1, perThread(SCRATCH) + 8, nc);
  }
}

/**
 * store8 for 16 consecutive channels col..col+15 (nc ≤ 16 valid) of one row, 8-bit stages only:
 * one narrowing and one 16-byte store instead of two. Bit-identical to two store8 calls.
 */
// @ts-ignore: decorator
@inline export function store16(
  stage: i32, a0: v128, a1: v128, a2: v128, a3: v128, col: u32, nc: u32, out: usize,
  params: usize, cp: usize, k0: v128, k1: v128, k2: v128, k3: v128,
): void {
  const at = params + OUT_ARRAYS + (<usize>col << 2);
  let q0: v128, q1: v128, q2: v128, q3: v128;
  if (stage == STAGE_FP32) {
    q0 = requantFp32x4(a0, v128.load(at), k0, k1, k2, k3);
    q1 = requantFp32x4(a1, v128.load(at, 16), k0, k1, k2, k3);
    q2 = requantFp32x4(a2, v128.load(at, 32), k0, k1, k2, k3);
    q3 = requantFp32x4(a3, v128.load(at, 48), k0, k1, k2, k3);
  } else {
    const rsc = params + OUT_ARRAYS + (cp << 4) + (<usize>col << 3);
    const l = at + (cp << 2), r = at + (cp << 3);
    q0 = requantFixedX4(a0, v128.load(at), v128.load(l), v128.load(r), v128.load(rsc), v128.load(rsc, 16), k0, k1, k2);
    q1 = requantFixedX4(a1, v128.load(at, 16), v128.load(l, 16), v128.load(r, 16), v128.load(rsc, 32), v128.load(rsc, 48), k0, k1, k2);
    q2 = requantFixedX4(a2, v128.load(at, 32), v128.load(l, 32), v128.load(r, 32), v128.load(rsc, 64), v128.load(rsc, 80), k0, k1, k2);
    q3 = requantFixedX4(a3, v128.load(at, 48), v128.load(l, 48), v128.load(r, 48), v128.load(rsc, 96), v128.load(rsc, 112), k0, k1, k2);
  }
  const bytes = narrowToBytes(q0, q1, q2, q3);
  if (nc == 16) {
    v128.store(out, bytes);
  } else {
    v128.store(perThread(SCRATCH), bytes);
    memory.copy(out, perThread(SCRATCH), nc);
  }
}
