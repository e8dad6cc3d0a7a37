// Per-row minimum and maximum of float32 data (for dynamic quantization).
// x is [rows, cols]; for each row, out receives 16 bytes: f32 min, f32 max, i32 (1 if the row
// holds a NaN, else 0), 4 unused bytes. NaNs do not take part in min/max; an empty row gives
// min = +Inf, max = −Inf.

export function f32_rminmax_rows__scalar(x: usize, rows: u32, cols: u32, out: usize): void {
  for (let r: u32 = 0; r < rows; r++) {
    let mn = Infinity as f32;
    let mx = -Infinity as f32;
    let nan = 0;
    for (let j: u32 = 0; j < cols; j++) {
      const v = load<f32>(x);
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (v != v) nan = 1;
      x += 4;
    }
    store<f32>(out, mn);
    store<f32>(out, mx, 4);
    store<i32>(out, nan, 8);
    out += 16;
  }
}
