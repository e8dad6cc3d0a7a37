import { rdbpot, srdhm } from "../output/scalar";

// Quantized binary elementwise ops with TFLite's numerics and 2-D broadcasting.
//
// `q8_vbin_<stage>_<op>__scalar(a, b, y, rows, n, unsigned_, params)`: for r < rows, i < n:
//   y[r·n + i] = f(a[r·aRow + i·aInc], b[r·bRow + i·bInc])
// with aInc, bInc ∈ {0, 1} (a value repeated along the row, or a contiguous row) and aRow, bRow the
// row strides in bytes (0 repeats a whole row): the op binding folds any 4-D broadcast into this
// shape plus outer loops. Inputs are read as uint8 when `unsigned_`, else int8; y gets the low byte
// of the clamped value. params starts with the words aInc, bInc, aRow, bRow; the stage's words follow
// (word offsets below, from 16 bytes on).
//
//   fp32_add: XNNPACK's qs8/qu8 add as its TFLite delegate sets it up (multipliers from float32 scale
//     ratios; SUB is an add with the b multiplier negated): acc = bias + a·am + b·bm,
//     y = clamp((acc >> shift) + zy). Words: bias, am, bm, shift, zy, qmin, qmax.
//   fixedpoint_add: TFLite's reference ADD / SUB (left shift 20): x1 = ((a − za) << 20) scaled by
//     (m1, s1), x2 likewise, y = clamp(((x1 ± x2) scaled by (mo, so)) + zy), each scaling
//     MultiplyByQuantizedMultiplierSmallerThanOneExp. Words: za, m1, s1, zb, m2, s2, zy, mo, so,
//     qmin, qmax, sub (1: x1 − x2).
//   fp32_mul: XNNPACK's qs8/qu8 mul (fp32 requantization): y = clamp(roundHalfEven(f32(f32((a − za)·(b − zb)) · scale)) + zy).
//     Words: za, zb, scale (f32), zy, qmin, qmax.
//   fixedpoint_mul: TFLite's reference MUL: y = clamp(MultiplyByQuantizedMultiplier((a − za)·(b − zb), m, shift) + zy).
//     Words: za, zb, m, shift, zy, qmin, qmax.

// @ts-ignore: decorator
@inline function ld(p: usize, unsigned_: i32): i32 {
  return unsigned_ ? <i32>load<u8>(p) : <i32>load<i8>(p);
}

export function q8_vbin_fp32_add__scalar(a: usize, b: usize, y: usize, rows: u32, n: u32, unsigned_: i32, params: usize): void {
  const aInc = load<i32>(params), bInc = load<i32>(params, 4), aRow = load<i32>(params, 8), bRow = load<i32>(params, 12);
  const bias = load<i32>(params, 16), am = load<i32>(params, 20), bm = load<i32>(params, 24), shift = load<i32>(params, 28);
  const zy = load<i32>(params, 32), qmin = load<i32>(params, 36), qmax = load<i32>(params, 40);
  for (let r: u32 = 0; r < rows; r++) {
    let pa = a + <usize>(r * aRow), pb = b + <usize>(r * bRow);
    for (let i: u32 = 0; i < n; i++) {
      const acc = bias + ld(pa, unsigned_) * am + ld(pb, unsigned_) * bm;
      store<u8>(y++, <u8>min<i32>(max<i32>((acc >> shift) + zy, qmin), qmax));
      pa += aInc;
      pb += bInc;
    }
  }
}

export function q8_vbin_fixedpoint_add__scalar(a: usize, b: usize, y: usize, rows: u32, n: u32, unsigned_: i32, params: usize): void {
  const aInc = load<i32>(params), bInc = load<i32>(params, 4), aRow = load<i32>(params, 8), bRow = load<i32>(params, 12);
  const za = load<i32>(params, 16), m1 = load<i32>(params, 20), s1 = load<i32>(params, 24);
  const zb = load<i32>(params, 28), m2 = load<i32>(params, 32), s2 = load<i32>(params, 36);
  const zy = load<i32>(params, 40), mo = load<i32>(params, 44), so = load<i32>(params, 48);
  const qmin = load<i32>(params, 52), qmax = load<i32>(params, 56), sub = load<i32>(params, 60);
  for (let r: u32 = 0; r < rows; r++) {
    let pa = a + <usize>(r * aRow), pb = b + <usize>(r * bRow);
    for (let i: u32 = 0; i < n; i++) {
      const x1 = rdbpot(srdhm((ld(pa, unsigned_) - za) << 20, m1), -s1);
      const x2 = rdbpot(srdhm((ld(pb, unsigned_) - zb) << 20, m2), -s2);
      const v = rdbpot(srdhm(sub ? x1 - x2 : x1 + x2, mo), -so) + zy;
      store<u8>(y++, <u8>min<i32>(max<i32>(v, qmin), qmax));
      pa += aInc;
      pb += bInc;
    }
  }
}

export function q8_vbin_fp32_mul__scalar(a: usize, b: usize, y: usize, rows: u32, n: u32, unsigned_: i32, params: usize): void {
  const aInc = load<i32>(params), bInc = load<i32>(params, 4), aRow = load<i32>(params, 8), bRow = load<i32>(params, 12);
  const za = load<i32>(params, 16), zb = load<i32>(params, 20), scale = load<f32>(params, 24);
  const zy = load<i32>(params, 28), qmin = load<i32>(params, 32), qmax = load<i32>(params, 36);
  for (let r: u32 = 0; r < rows; r++) {
    let pa = a + <usize>(r * aRow), pb = b + <usize>(r * bRow);
    for (let i: u32 = 0; i < n; i++) {
      const acc = (ld(pa, unsigned_) - za) * (ld(pb, unsigned_) - zb);
      const v = <i32>nearest<f32>(<f32>acc * scale) + zy;
      store<u8>(y++, <u8>min<i32>(max<i32>(v, qmin), qmax));
      pa += aInc;
      pb += bInc;
    }
  }
}

export function q8_vbin_fixedpoint_mul__scalar(a: usize, b: usize, y: usize, rows: u32, n: u32, unsigned_: i32, params: usize): void {
  const aInc = load<i32>(params), bInc = load<i32>(params, 4), aRow = load<i32>(params, 8), bRow = load<i32>(params, 12);
  const za = load<i32>(params, 16), zb = load<i32>(params, 20), m = load<i32>(params, 24), shift = load<i32>(params, 28);
  const zy = load<i32>(params, 32), qmin = load<i32>(params, 36), qmax = load<i32>(params, 40);
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  for (let r: u32 = 0; r < rows; r++) {
    let pa = a + <usize>(r * aRow), pb = b + <usize>(r * bRow);
    for (let i: u32 = 0; i < n; i++) {
      const acc = (ld(pa, unsigned_) - za) * (ld(pb, unsigned_) - zb);
      const v = rdbpot(srdhm(acc << left, m), right) + zy;
      store<u8>(y++, <u8>min<i32>(max<i32>(v, qmin), qmax));
      pa += aInc;
      pb += bInc;
    }
  }
}
