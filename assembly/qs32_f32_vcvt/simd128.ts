// ONNX DequantizeLinear for int32 input, 8 values per step (contract as in scalar.ts).

export function qs32_f32_vcvt_rows__simd128(x: usize, y: usize, rows: u32, cols: u32, scales: usize, channels: u32): void {
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    const vscale = f32x4.splat(scale);
    let n = cols;
    for (; n >= 8; n -= 8) {
      v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(v128.load(x)), vscale));
      v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(v128.load(x, 16)), vscale), 16);
      x += 32;
      y += 32;
    }
    for (; n > 0; n--) {
      store<f32>(y, <f32>load<i32>(x) * scale);
      x += 4;
      y += 4;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_f32_vcvt_cols__simd128(x: usize, y: usize, rows: u32, cols: u32, scales: usize): void {
  for (let r: u32 = 0; r < rows; r++) {
    let s = scales;
    let n = cols;
    for (; n >= 8; n -= 8) {
      v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(v128.load(x)), v128.load(s)));
      v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(v128.load(x, 16)), v128.load(s, 16)), 16);
      x += 32;
      y += 32;
      s += 32;
    }
    for (; n > 0; n--) {
      store<f32>(y, <f32>load<i32>(x) * load<f32>(s));
      x += 4;
      y += 4;
      s += 4;
    }
  }
}
