// Requantize int32 → 8-bit, 16 values per step (contract as in scalar.ts). Remainders run the
// scalar formula; the per-channel arrays are padded to 4 lanes (params.ts), so the `_cols`
// kernels load whole vectors of parameters.

import { OUT_ARRAYS, OUT_CHANNELS, OUT_QMAX, OUT_QMIN, OUT_ZP, paddedChannels } from "../output/params";
import { requantFixed, requantFp32 } from "../output/scalar";
import { MAGIC_F32, MAGIC_F32_BITS, MAGIC_F64, narrowToBytes, requantFixedX4, requantFp32x4 } from "../output/simd128";

export function qs32_q8_requant_fp32_rows__simd128(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const lo = <f32>(load<i32>(params, OUT_QMIN) - zp);
  const hi = <f32>(load<i32>(params, OUT_QMAX) - zp);
  const channels = load<u32>(params, OUT_CHANNELS);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const vmagic = f32x4.splat(MAGIC_F32);
  const vbias = i32x4.splat(MAGIC_F32_BITS - zp);
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(params + OUT_ARRAYS + (<usize>c << 2));
    const vscale = f32x4.splat(scale);
    let n = cols;
    for (; n >= 16; n -= 16) {
      const q0 = requantFp32x4(v128.load(x), vscale, vlo, vhi, vmagic, vbias);
      const q1 = requantFp32x4(v128.load(x, 16), vscale, vlo, vhi, vmagic, vbias);
      const q2 = requantFp32x4(v128.load(x, 32), vscale, vlo, vhi, vmagic, vbias);
      const q3 = requantFp32x4(v128.load(x, 48), vscale, vlo, vhi, vmagic, vbias);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
    }
    for (; n > 0; n--) {
      store<u8>(y, <u8>requantFp32(load<i32>(x), scale, zp, lo, hi));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_q8_requant_fp32_cols__simd128(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const lo = <f32>(load<i32>(params, OUT_QMIN) - zp);
  const hi = <f32>(load<i32>(params, OUT_QMAX) - zp);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const vmagic = f32x4.splat(MAGIC_F32);
  const vbias = i32x4.splat(MAGIC_F32_BITS - zp);
  for (let r: u32 = 0; r < rows; r++) {
    let s = params + OUT_ARRAYS;
    let n = cols;
    for (; n >= 16; n -= 16) {
      const q0 = requantFp32x4(v128.load(x), v128.load(s), vlo, vhi, vmagic, vbias);
      const q1 = requantFp32x4(v128.load(x, 16), v128.load(s, 16), vlo, vhi, vmagic, vbias);
      const q2 = requantFp32x4(v128.load(x, 32), v128.load(s, 32), vlo, vhi, vmagic, vbias);
      const q3 = requantFp32x4(v128.load(x, 48), v128.load(s, 48), vlo, vhi, vmagic, vbias);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
      s += 64;
    }
    for (; n > 0; n--) {
      store<u8>(y, <u8>requantFp32(load<i32>(x), load<f32>(s), zp, lo, hi));
      x += 4;
      y += 1;
      s += 4;
    }
  }
}

export function qs32_q8_requant_fixedpoint_rows__simd128(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const qmin = load<i32>(params, OUT_QMIN);
  const qmax = load<i32>(params, OUT_QMAX);
  const channels = load<u32>(params, OUT_CHANNELS);
  const cp = paddedChannels(channels);
  const vlo = f64x2.splat(<f64>(qmin - zp));
  const vhi = f64x2.splat(<f64>(qmax - zp));
  const vmagicZp = f64x2.splat(MAGIC_F64 + <f64>zp);
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const at = params + OUT_ARRAYS + (<usize>c << 2);
    const mult = load<i32>(at);
    const left = load<i32>(at + (cp << 2));
    const leftMax = load<i32>(at + (cp << 3));
    const right = load<i32>(at + cp * 12);
    const vmult = i32x4.splat(mult);
    const vleft = i32x4.splat(left);
    const vleftMax = i32x4.splat(leftMax);
    const vrs = f64x2.splat(load<f64>(params + OUT_ARRAYS + (cp << 4) + (<usize>c << 3)));
    let n = cols;
    for (; n >= 16; n -= 16) {
      const q0 = requantFixedX4(v128.load(x), vmult, vleft, vleftMax, vrs, vrs, vlo, vhi, vmagicZp);
      const q1 = requantFixedX4(v128.load(x, 16), vmult, vleft, vleftMax, vrs, vrs, vlo, vhi, vmagicZp);
      const q2 = requantFixedX4(v128.load(x, 32), vmult, vleft, vleftMax, vrs, vrs, vlo, vhi, vmagicZp);
      const q3 = requantFixedX4(v128.load(x, 48), vmult, vleft, vleftMax, vrs, vrs, vlo, vhi, vmagicZp);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
    }
    for (; n > 0; n--) {
      store<u8>(y, <u8>requantFixed(load<i32>(x), mult, left, leftMax, right, zp, qmin, qmax));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_q8_requant_fixedpoint_cols__simd128(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const qmin = load<i32>(params, OUT_QMIN);
  const qmax = load<i32>(params, OUT_QMAX);
  const cp = paddedChannels(load<u32>(params, OUT_CHANNELS));
  const vlo = f64x2.splat(<f64>(qmin - zp));
  const vhi = f64x2.splat(<f64>(qmax - zp));
  const vmagicZp = f64x2.splat(MAGIC_F64 + <f64>zp);
  const leftOff = cp << 2;
  const leftMaxOff = cp << 3;
  const rightOff = cp * 12;
  const scaleOff = cp << 4;
  for (let r: u32 = 0; r < rows; r++) {
    let at = params + OUT_ARRAYS;
    let rs = params + OUT_ARRAYS + scaleOff;
    let n = cols;
    for (; n >= 16; n -= 16) {
      const q0 = requantFixedX4(v128.load(x), v128.load(at), v128.load(at + leftOff), v128.load(at + leftMaxOff),
        v128.load(rs), v128.load(rs, 16), vlo, vhi, vmagicZp);
      const q1 = requantFixedX4(v128.load(x, 16), v128.load(at, 16), v128.load(at + leftOff, 16), v128.load(at + leftMaxOff, 16),
        v128.load(rs, 32), v128.load(rs, 48), vlo, vhi, vmagicZp);
      const q2 = requantFixedX4(v128.load(x, 32), v128.load(at, 32), v128.load(at + leftOff, 32), v128.load(at + leftMaxOff, 32),
        v128.load(rs, 64), v128.load(rs, 80), vlo, vhi, vmagicZp);
      const q3 = requantFixedX4(v128.load(x, 48), v128.load(at, 48), v128.load(at + leftOff, 48), v128.load(at + leftMaxOff, 48),
        v128.load(rs, 96), v128.load(rs, 112), vlo, vhi, vmagicZp);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
      at += 64;
      rs += 128;
    }
    for (; n > 0; n--) {
      store<u8>(y, <u8>requantFixed(load<i32>(x), load<i32>(at), load<i32>(at + leftOff), load<i32>(at + leftMaxOff),
        load<i32>(at + rightOff), zp, qmin, qmax));
      x += 4;
      y += 1;
      at += 4;
    }
  }
}
