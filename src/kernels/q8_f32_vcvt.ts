// Binding of assembly/q8_f32_vcvt: int8/uint8 → float32 (ONNX DequantizeLinear), per tensor or per channel.

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

const FAMILY = "q8_f32_vcvt";

export interface Q8F32Vcvt {
  /** [rows, cols], channel of row r = r % channels. */
  rows(q: number, y: number, rows: number, cols: number, scales: number, zeroPoints: number, channels: number, unsigned: boolean): void;
  /** [rows, cols], channel of element (r, c) = c. */
  cols(q: number, y: number, rows: number, cols: number, scales: number, zeroPoints: number, unsigned: boolean): void;
}

export const q8F32Vcvt = perRuntime((rt: Runtime): Q8F32Vcvt => {
  const rows = resolveKernel(rt, FAMILY, "rows");
  const cols = resolveKernel(rt, FAMILY, "cols");
  return {
    rows: (q, y, r, c, s, z, ch, u) => void rows(q, y, r, c, s, z, ch, u ? 1 : 0),
    cols: (q, y, r, c, s, z, u) => void cols(q, y, r, c, s, z, u ? 1 : 0),
  };
});
