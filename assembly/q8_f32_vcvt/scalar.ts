// ONNX DequantizeLinear, 8-bit → float32: y = f32(q − zp) · scale.
// `unsigned_` = 1 reads bytes as uint8, 0 as int8. Row/column parameter layout as in
// f32_q8_vcvt: `_rows` uses scales[r % channels], `_cols` uses scales[j]; zps are i32.

export function q8_f32_vcvt_rows__scalar(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, channels: u32, unsigned_: i32,
): void {
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    const zp = load<i32>(zps + (<usize>c << 2));
    for (let j: u32 = 0; j < cols; j++) {
      const q: i32 = unsigned_ ? <i32>load<u8>(x) : <i32>load<i8>(x);
      store<f32>(y, <f32>(q - zp) * scale);
      x += 1;
      y += 4;
    }
    if (++c == channels) c = 0;
  }
}

export function q8_f32_vcvt_cols__scalar(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, unsigned_: i32,
): void {
  for (let r: u32 = 0; r < rows; r++) {
    for (let j: u32 = 0; j < cols; j++) {
      const q: i32 = unsigned_ ? <i32>load<u8>(x) : <i32>load<i8>(x);
      const zp = load<i32>(zps + (<usize>j << 2));
      store<f32>(y, <f32>(q - zp) * load<f32>(scales + (<usize>j << 2)));
      x += 1;
      y += 4;
    }
  }
}
