// Binding of assembly/qs32_f32_vcvt: int32 → float32 (acc · scale; int32 zero points are 0).

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

const FAMILY = "qs32_f32_vcvt";

export interface Qs32F32Vcvt {
  /** [rows, cols], channel of row r = r % channels. */
  rows(x: number, y: number, rows: number, cols: number, scales: number, channels: number): void;
  /** [rows, cols], channel of element (r, c) = c. */
  cols(x: number, y: number, rows: number, cols: number, scales: number): void;
}

export const qs32F32Vcvt = perRuntime((rt: Runtime): Qs32F32Vcvt => {
  const rows = resolveKernel(rt, FAMILY, "rows");
  const cols = resolveKernel(rt, FAMILY, "cols");
  return {
    rows: (x, y, r, c, s, ch) => void rows(x, y, r, c, s, ch),
    cols: (x, y, r, c, s) => void cols(x, y, r, c, s),
  };
});
