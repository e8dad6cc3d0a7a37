// SIMD output stages, 4 lanes at a time; bit-identical to scalar.ts (see the proofs there).

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
