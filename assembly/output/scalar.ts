// Scalar output stages. Each is the normative formula (README, "The two output stages"; the
// TypeScript references in src/reference/requantize.ts) in integer / f32 arithmetic; the SIMD
// versions in simd128.ts must agree bit for bit (tests compare them on edge cases).

/**
 * fp32 stage (ONNX Runtime / XNNPACK): clamp(roundHalfEven(f32(acc) · scale) + zp, qmin, qmax).
 * `lo`/`hi` are f32(qmin − zp) and f32(qmax − zp): clamping before rounding against integer bounds
 * gives the same result as clamping after, and keeps the float→int conversion in range.
 */
// @ts-ignore: decorator
@inline export function requantFp32(acc: i32, scale: f32, zp: i32, lo: f32, hi: f32): i32 {
  let v = <f32>acc * scale;
  v = max<f32>(v, lo);
  v = min<f32>(v, hi);
  return <i32>nearest<f32>(v) + zp;
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul. The reference form is
 * (a·b + (a·b ≥ 0 ? 2^30 : 1 − 2^30)) / 2^31 truncated toward zero. For a·b < 0 the numerator n is
 * negative and trunc(n / 2^31) = floor((n + 2^31 − 1) / 2^31) = floor((a·b + 2^30) / 2^31), the
 * same expression as for a·b ≥ 0; so one arithmetic shift computes both cases.
 */
// @ts-ignore: decorator
@inline export function srdhm(a: i32, b: i32): i32 {
  if (a == i32.MIN_VALUE && b == i32.MIN_VALUE) return i32.MAX_VALUE;
  return <i32>((<i64>a * <i64>b + (<i64>1 << 30)) >> 31);
}

/** gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, e in 0..31. */
// @ts-ignore: decorator
@inline export function rdbpot(x: i32, e: i32): i32 {
  const mask = (<i32>1 << e) - 1;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + ((x & mask) > threshold ? 1 : 0);
}

/**
 * fixedpoint stage (TFLite): clamp(RDBPOT(SRDHM(acc · 2^k, multiplier), rightShift) + zp).
 * Where TFLite's int32 `acc · 2^k` would overflow (undefined behaviour in C++), qkern saturates:
 * clamping acc to [~leftMax, leftMax] first gives the same outputs, because any larger |acc|
 * drives the result far past the 8-bit range (k > 0 only when the real multiplier is ≥ 0.5·2^k).
 * The final add is clamped before it could overflow.
 */
// @ts-ignore: decorator
@inline export function requantFixed(acc: i32, multiplier: i32, leftMul: i32, leftMax: i32, rightShift: i32, zp: i32, qmin: i32, qmax: i32): i32 {
  const t = min<i32>(max<i32>(acc, ~leftMax), leftMax) * leftMul;
  let r = rdbpot(srdhm(t, multiplier), rightShift);
  r = max<i32>(r, qmin - zp);
  r = min<i32>(r, qmax - zp);
  return r + zp;
}

/**
 * ONNX QuantizeLinear on one value: clamp(roundHalfEven(x / scale) + zp, qmin, qmax); NaN maps to
 * the zero point. `lo`/`hi` are f32(qmin − zp) and f32(qmax − zp).
 */
// @ts-ignore: decorator
@inline export function quantizeOne(x: f32, scale: f32, zp: i32, lo: f32, hi: f32): i32 {
  let v = x / scale;
  if (v != v) v = 0;
  v = max<f32>(v, lo);
  v = min<f32>(v, hi);
  return <i32>nearest<f32>(v) + zp;
}
