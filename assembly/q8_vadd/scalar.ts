import { rdbpot, srdhm } from "../output/scalar";

// Quantized elementwise add, the DequantizeLinear → Add → QuantizeLinear semantics (and ONNX
// Runtime's QLinearAdd): va = f32(sa · f32(a − za)), vb likewise, y = clamp(roundHalfEven(
// f32(f32(va + vb) / sy)) + zy), all float32 (see below for where zy enters). Inputs and output are 8-bit; `unsigned_` tells how to
// read the inputs, the output bytes are the low byte of the clamped value ([qmin, qmax] given).
// The output zero point is added in float32 before rounding, as ONNX Runtime's QLinearAdd does:
// y = roundHalfEven(f32(clamp(v, qmin − zy, qmax − zy) + zy)). Rounding v first and adding zy
// after differs when v + zy rounds to a tie (v = 91.49999237, zy = 128: 219.5 → 220, not 219).
// params (f32/i32 words): 0 sa, 4 za, 8 sb, 12 zb, 16 sy, 20 zy, 24 qmin, 28 qmax.
//
// Export `q8_vadd_fp32__<isa>(a, b, y, n, unsigned_, params)`.

// @ts-ignore: decorator
@inline export function addOne(a: i32, b: i32, sa: f32, za: i32, sb: f32, zb: i32, sy: f32, lo: f32, hi: f32, zy: i32): i32 {
  let v = (sa * <f32>(a - za) + sb * <f32>(b - zb)) / sy;
  v = max<f32>(v, lo);
  v = min<f32>(v, hi);
  return <i32>nearest<f32>(v + <f32>zy);
}

export function q8_vadd_fp32__scalar(a: usize, b: usize, y: usize, n: u32, unsigned_: i32, params: usize): void {
  const sa = load<f32>(params);
  const za = load<i32>(params, 4);
  const sb = load<f32>(params, 8);
  const zb = load<i32>(params, 12);
  const sy = load<f32>(params, 16);
  const zy = load<i32>(params, 20);
  const lo = <f32>(load<i32>(params, 24) - zy);
  const hi = <f32>(load<i32>(params, 28) - zy);
  for (let i: u32 = 0; i < n; i++) {
    const va: i32 = unsigned_ ? <i32>load<u8>(a + i) : <i32>load<i8>(a + i);
    const vb: i32 = unsigned_ ? <i32>load<u8>(b + i) : <i32>load<i8>(b + i);
    store<u8>(y + i, <u8>addOne(va, vb, sa, za, sb, zb, sy, lo, hi, zy));
  }
}

/**
 * TFLite ADD (int8/uint8), gemmlowp arithmetic: with left_shift = 20 and multipliers from
 * QuantizeMultiplier (params i32 words: 0 za, 1 m1, 2 shift1, 3 zb, 4 m2, 5 shift2, 6 zy, 7 mo,
 * 8 shiftOut, 9 qmin, 10 qmax):
 *   x1 = ((a − za) << 20) scaled by (m1, shift1); x2 likewise; y = clamp((x1 + x2) scaled by (mo, shiftOut) + zy).
 */
export function q8_vadd_fixedpoint__scalar(a: usize, b: usize, y: usize, n: u32, unsigned_: i32, params: usize): void {
  const za = load<i32>(params), m1 = load<i32>(params, 4), s1 = load<i32>(params, 8);
  const zb = load<i32>(params, 12), m2 = load<i32>(params, 16), s2 = load<i32>(params, 20);
  const zy = load<i32>(params, 24), mo = load<i32>(params, 28), so = load<i32>(params, 32);
  const qmin = load<i32>(params, 36), qmax = load<i32>(params, 40);
  for (let i: u32 = 0; i < n; i++) {
    const va: i32 = unsigned_ ? <i32>load<u8>(a + i) : <i32>load<i8>(a + i);
    const vb: i32 = unsigned_ ? <i32>load<u8>(b + i) : <i32>load<i8>(b + i);
    const x1 = scaleSmall((va - za) << 20, m1, s1);
    const x2 = scaleSmall((vb - zb) << 20, m2, s2);
    let r = scaleSmall(x1 + x2, mo, so);
    r = max<i32>(r, qmin - zy);
    r = min<i32>(r, qmax - zy);
    store<u8>(y + i, <u8>(r + zy));
  }
}

// TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp: RDBPOT(SRDHM(x, m), −shift), shift ≤ 0.
// @ts-ignore: decorator
@inline function scaleSmall(x: i32, m: i32, shift: i32): i32 {
  return rdbpot(srdhm(x, m), -shift);
}
