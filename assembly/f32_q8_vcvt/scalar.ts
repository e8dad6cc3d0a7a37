// ONNX QuantizeLinear, float32 → 8-bit (int8, uint8, or int4/uint4 values before nibble packing).
// Output bytes are the low byte of the clamped integer, so one kernel serves every target type:
// the caller passes the type's qmin/qmax (e.g. −128/127, 0/255, −8/7).
// `_rows`: x is [rows, cols]; row r uses scales[r % channels], zps[r % channels]
//          (per-tensor: channels = 1; per-axis on a non-last axis: rows = outer·C, cols = inner).
// `_cols`: x is [rows, cols]; column j uses scales[j], zps[j] (per-axis on the last axis).
// scales: f32[channels], zps: i32[channels]. No over-read, no over-write.

import { quantizeOne } from "../output/scalar";

export function f32_q8_vcvt_rows__scalar(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, channels: u32, qmin: i32, qmax: i32,
): void {
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(scales + (<usize>c << 2));
    const zp = load<i32>(zps + (<usize>c << 2));
    const lo = <f32>(qmin - zp);
    const hi = <f32>(qmax - zp);
    for (let j: u32 = 0; j < cols; j++) {
      store<u8>(y, <u8>quantizeOne(load<f32>(x), scale, zp, lo, hi));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function f32_q8_vcvt_cols__scalar(
  x: usize, y: usize, rows: u32, cols: u32, scales: usize, zps: usize, qmin: i32, qmax: i32,
): void {
  for (let r: u32 = 0; r < rows; r++) {
    for (let j: u32 = 0; j < cols; j++) {
      const scale = load<f32>(scales + (<usize>j << 2));
      const zp = load<i32>(zps + (<usize>j << 2));
      store<u8>(y, <u8>quantizeOne(load<f32>(x), scale, zp, <f32>(qmin - zp), <f32>(qmax - zp)));
      x += 4;
      y += 1;
    }
  }
}
