// 8-bit per-channel multiply.
//
// `q8_vmul_channels__scalar(x, s, y, pixels, c, unsigned_, params)`: y[p, ch] = quantized product of
// x[p, ch] and s[ch] (a per-channel scale vector, as in squeeze-excite), DequantizeLinear → Mul →
// QuantizeLinear semantics: f32(f32(sx·f32(x − zx)) · f32(ss·f32(s − zs))), divided by sy in float32,
// rounded half to even, plus zy, clamped. params as q8_vadd: sx, zx, ss, zs, sy, zy, qmin, qmax.

export function q8_vmul_channels__scalar(x: usize, s: usize, y: usize, pixels: u32, c: u32, unsigned_: i32, params: usize): void {
  const sx = load<f32>(params);
  const zx = load<i32>(params, 4);
  const ss = load<f32>(params, 8);
  const zs = load<i32>(params, 12);
  const sy = load<f32>(params, 16);
  const zy = load<i32>(params, 20);
  const lo = <f32>(load<i32>(params, 24) - zy);
  const hi = <f32>(load<i32>(params, 28) - zy);
  for (let p: u32 = 0; p < pixels; p++) {
    for (let ch: u32 = 0; ch < c; ch++) {
      const xv: i32 = unsigned_ ? <i32>load<u8>(x) : <i32>load<i8>(x);
      const sv: i32 = unsigned_ ? <i32>load<u8>(s + ch) : <i32>load<i8>(s + ch);
      let v = ((sx * <f32>(xv - zx)) * (ss * <f32>(sv - zs))) / sy;
      v = max<f32>(v, lo);
      v = min<f32>(v, hi);
      store<u8>(y, <u8>(<i32>nearest<f32>(v) + zy));
      x += 1;
      y += 1;
    }
  }
}
