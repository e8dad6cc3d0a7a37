// Requantize int32 accumulators to 8-bit outputs through an output-stage params block
// (layout in ../output/params.ts). `_rows`: x is [rows, cols] and row r uses channel r % C;
// `_cols`: column j uses channel j (cols = C). Output bytes are the low byte of the clamped value.

import { OUT_ARRAYS, OUT_CHANNELS, OUT_QMAX, OUT_QMIN, OUT_ZP, paddedChannels } from "../output/params";
import { requantFixed, requantFp32 } from "../output/scalar";

export function qs32_q8_requant_fp32_rows__scalar(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const lo = <f32>(load<i32>(params, OUT_QMIN) - zp);
  const hi = <f32>(load<i32>(params, OUT_QMAX) - zp);
  const channels = load<u32>(params, OUT_CHANNELS);
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const scale = load<f32>(params + OUT_ARRAYS + (<usize>c << 2));
    for (let j: u32 = 0; j < cols; j++) {
      store<u8>(y, <u8>requantFp32(load<i32>(x), scale, zp, lo, hi));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_q8_requant_fp32_cols__scalar(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const lo = <f32>(load<i32>(params, OUT_QMIN) - zp);
  const hi = <f32>(load<i32>(params, OUT_QMAX) - zp);
  const scales = params + OUT_ARRAYS;
  for (let r: u32 = 0; r < rows; r++) {
    for (let j: u32 = 0; j < cols; j++) {
      store<u8>(y, <u8>requantFp32(load<i32>(x), load<f32>(scales + (<usize>j << 2)), zp, lo, hi));
      x += 4;
      y += 1;
    }
  }
}

export function qs32_q8_requant_fixedpoint_rows__scalar(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const qmin = load<i32>(params, OUT_QMIN);
  const qmax = load<i32>(params, OUT_QMAX);
  const channels = load<u32>(params, OUT_CHANNELS);
  const cp = paddedChannels(channels);
  let c: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const at = params + OUT_ARRAYS + (<usize>c << 2);
    const mult = load<i32>(at);
    const left = load<i32>(at + (cp << 2));
    const leftMax = load<i32>(at + (cp << 3));
    const right = load<i32>(at + cp * 12);
    for (let j: u32 = 0; j < cols; j++) {
      store<u8>(y, <u8>requantFixed(load<i32>(x), mult, left, leftMax, right, zp, qmin, qmax));
      x += 4;
      y += 1;
    }
    if (++c == channels) c = 0;
  }
}

export function qs32_q8_requant_fixedpoint_cols__scalar(x: usize, y: usize, rows: u32, cols: u32, params: usize): void {
  const zp = load<i32>(params, OUT_ZP);
  const qmin = load<i32>(params, OUT_QMIN);
  const qmax = load<i32>(params, OUT_QMAX);
  const cp = paddedChannels(load<u32>(params, OUT_CHANNELS));
  for (let r: u32 = 0; r < rows; r++) {
    let at = params + OUT_ARRAYS;
    for (let j: u32 = 0; j < cols; j++) {
      const mult = load<i32>(at);
      const left = load<i32>(at + (cp << 2));
      const leftMax = load<i32>(at + (cp << 3));
      const right = load<i32>(at + cp * 12);
      store<u8>(y, <u8>requantFixed(load<i32>(x), mult, left, leftMax, right, zp, qmin, qmax));
      x += 4;
      y += 1;
      at += 4;
    }
  }
}
