// ONNX DequantizeLinear, 8-bit → float32, 16 values per step (contract as in scalar.ts).
// uint8 is turned into int8 by XOR 0x80 with the zero point lowered by 128, so both signednesses
// share one sign-extending path: (q ^ 0x80) as int8 − (zp − 128) = q − zp.

export function q8_f32_vcvt_rows__simd128(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, channels: u32, unsigned_: i32,
): void {
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const shift: i32 = unsigned_ ? 128 : 0;
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    const zp = load<i32>(zps + (<usize>c << 2));
    const vscale = f32x4.splat(scale);
    const vzp = i32x4.splat(zp - shift);
    let n = cols;
    for (; n >= 16; n -= 16) {
      const v = v128.xor(v128.load(x), vflip);
      const lo = i16x8.extend_low_i8x16_s(v);
      const hi = i16x8.extend_high_i8x16_s(v);
      v128.store(y, dequant4(i32x4.extend_low_i16x8_s(lo), vzp, vscale));
      v128.store(y, dequant4(i32x4.extend_high_i16x8_s(lo), vzp, vscale), 16);
      v128.store(y, dequant4(i32x4.extend_low_i16x8_s(hi), vzp, vscale), 32);
      v128.store(y, dequant4(i32x4.extend_high_i16x8_s(hi), vzp, vscale), 48);
      x += 16;
      y += 64;
    }
    for (; n > 0; n--) {
      const q: i32 = unsigned_ ? <i32>load<u8>(x) : <i32>load<i8>(x);
      store<f32>(y, <f32>(q - zp) * scale);
      x += 1;
      y += 4;
    }
    if (++c == channels) c = 0;
  }
}

export function q8_f32_vcvt_cols__simd128(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, unsigned_: i32,
): void {
  const vflip = i8x16.splat(unsigned_ ? -128 : 0);
  const vshift = i32x4.splat(unsigned_ ? 128 : 0);
  for (let r: u32 = 0; r < rows; r++) {
    let s = scales;
    let z = zps;
    let n = cols;
    for (; n >= 16; n -= 16) {
      const v = v128.xor(v128.load(x), vflip);
      const lo = i16x8.extend_low_i8x16_s(v);
      const hi = i16x8.extend_high_i8x16_s(v);
      v128.store(y, dequant4(i32x4.extend_low_i16x8_s(lo), i32x4.sub(v128.load(z), vshift), v128.load(s)));
      v128.store(y, dequant4(i32x4.extend_high_i16x8_s(lo), i32x4.sub(v128.load(z, 16), vshift), v128.load(s, 16)), 16);
      v128.store(y, dequant4(i32x4.extend_low_i16x8_s(hi), i32x4.sub(v128.load(z, 32), vshift), v128.load(s, 32)), 32);
      v128.store(y, dequant4(i32x4.extend_high_i16x8_s(hi), i32x4.sub(v128.load(z, 48), vshift), v128.load(s, 48)), 48);
      x += 16;
      y += 64;
      s += 64;
      z += 64;
    }
    for (; n > 0; n--) {
      const q: i32 = unsigned_ ? <i32>load<u8>(x) : <i32>load<i8>(x);
      store<f32>(y, <f32>(q - load<i32>(z)) * load<f32>(s));
      x += 1;
      y += 4;
      s += 4;
      z += 4;
    }
  }
}

// @ts-ignore: decorator
@inline function dequant4(vq: v128, vzp: v128, vscale: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(vq, vzp)), vscale);
}
