// Binding of assembly/f32_q8_vcvt: float32 → int8/uint8 (ONNX QuantizeLinear: round half to even,
// then the zero point, clamped to [qmin, qmax]), per tensor or per channel.

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

const FAMILY = "f32_q8_vcvt";

export interface F32Q8Vcvt {
  /** [rows, cols], channel of row r = r % channels (per tensor: channels = 1). */
  rows(x: number, y: number, rows: number, cols: number, scales: number, zeroPoints: number, channels: number, qmin: number, qmax: number): void;
  /** [rows, cols], channel of element (r, c) = c. */
  cols(x: number, y: number, rows: number, cols: number, scales: number, zeroPoints: number, qmin: number, qmax: number): void;
}

export const f32Q8Vcvt = perRuntime((rt: Runtime): F32Q8Vcvt => {
  const rows = resolveKernel(rt, FAMILY, "rows");
  const cols = resolveKernel(rt, FAMILY, "cols");
  return {
    rows: (x, y, r, c, s, z, ch, lo, hi) => void rows(x, y, r, c, s, z, ch, lo, hi),
    cols: (x, y, r, c, s, z, lo, hi) => void cols(x, y, r, c, s, z, lo, hi),
  };
});
