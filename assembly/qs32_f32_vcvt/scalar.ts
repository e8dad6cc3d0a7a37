// ONNX DequantizeLinear for int32 input (zero point 0 by the ONNX spec): y = f32(q) · scale.
// `_rows` uses scales[r % channels], `_cols` uses scales[j].

export function qs32_f32_vcvt_rows__scalar(x: usize, y: usize, rows: u32, cols: u32, scales: usize, channels: u32): void {
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    for (let j: u32 = 0; j < cols; j++) {
      store<f32>(y, <f32>load<i32>(x) * scale);
      x += 4;
      y += 4;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_f32_vcvt_cols__scalar(x: usize, y: usize, rows: u32, cols: u32, scales: usize): void {
  for (let r: u32 = 0; r < rows; r++) {
    for (let j: u32 = 0; j < cols; j++) {
      store<f32>(y, <f32>load<i32>(x) * load<f32>(scales + (<usize>j << 2)));
      x += 4;
      y += 4;
    }
  }
}
