// ONNX QuantizeLinear, float32 → 8-bit, 16 values per step (contract as in scalar.ts).
// Division (not multiplication by a reciprocal) as the ONNX formula and MLAS prescribe; the
// remainder of each row runs the scalar formula, so nothing past the buffers is read or written.

import { quantizeOne } from "../output/scalar";
import { MAGIC_F32, MAGIC_F32_BITS, narrowToBytes, quantizeX4 } from "../output/simd128";

export function f32_q8_vcvt_rows__simd128(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, channels: u32, qmin: i32, qmax: i32,
): void {
  const vmagic = f32x4.splat(MAGIC_F32);
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    const zp = load<i32>(zps + (<usize>c << 2));
    const lo = <f32>(qmin - zp);
    const hi = <f32>(qmax - zp);
    const vscale = f32x4.splat(scale);
    const vlo = f32x4.splat(lo);
    const vhi = f32x4.splat(hi);
    const vbias = i32x4.splat(MAGIC_F32_BITS - zp);
    let n = cols;
    for (; n >= 16; n -= 16) {
      const q0 = quantizeX4(v128.load(x), vscale, vlo, vhi, vmagic, vbias);
      const q1 = quantizeX4(v128.load(x, 16), vscale, vlo, vhi, vmagic, vbias);
      const q2 = quantizeX4(v128.load(x, 32), vscale, vlo, vhi, vmagic, vbias);
      const q3 = quantizeX4(v128.load(x, 48), vscale, vlo, vhi, vmagic, vbias);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
    }
    for (; n > 0; n--) {
      store<u8>(y, <u8>quantizeOne(load<f32>(x), scale, zp, lo, hi));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function f32_q8_vcvt_cols__simd128(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, qmin: i32, qmax: i32,
): void {
  const vmagic = f32x4.splat(MAGIC_F32);
  const vqmin = f32x4.splat(<f32>qmin);
  const vqmax = f32x4.splat(<f32>qmax);
  const vmagicBits = i32x4.splat(MAGIC_F32_BITS);
  for (let r: u32 = 0; r < rows; r++) {
    let s = scales;
    let z = zps;
    let n = cols;
    for (; n >= 16; n -= 16) {
      const vz0 = v128.load(z);
      const vz1 = v128.load(z, 16);
      const vz2 = v128.load(z, 32);
      const vz3 = v128.load(z, 48);
      const q0 = quantizeCol(v128.load(x), v128.load(s), vz0, vqmin, vqmax, vmagic, vmagicBits);
      const q1 = quantizeCol(v128.load(x, 16), v128.load(s, 16), vz1, vqmin, vqmax, vmagic, vmagicBits);
      const q2 = quantizeCol(v128.load(x, 32), v128.load(s, 32), vz2, vqmin, vqmax, vmagic, vmagicBits);
      const q3 = quantizeCol(v128.load(x, 48), v128.load(s, 48), vz3, vqmin, vqmax, vmagic, vmagicBits);
      v128.store(y, narrowToBytes(q0, q1, q2, q3));
      x += 64;
      y += 16;
      s += 64;
      z += 64;
    }
    for (; n > 0; n--) {
      const zp = load<i32>(z);
      store<u8>(y, <u8>quantizeOne(load<f32>(x), load<f32>(s), zp, <f32>(qmin - zp), <f32>(qmax - zp)));
      x += 4;
      y += 1;
      s += 4;
      z += 4;
    }
  }
}

// @ts-ignore: decorator
@inline function quantizeCol(vx: v128, vscale: v128, vzp: v128, vqmin: v128, vqmax: v128, vmagic: v128, vmagicBits: v128): v128 {
  const vzpf = f32x4.convert_i32x4_s(vzp);
  return quantizeX4(vx, vscale, f32x4.sub(vqmin, vzpf), f32x4.sub(vqmax, vzpf), vmagic, i32x4.sub(vmagicBits, vzp));
}
