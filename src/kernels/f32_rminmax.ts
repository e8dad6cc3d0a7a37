// Binding of assembly/f32_rminmax: per-row minimum and maximum of float32 rows (dynamic quantization).

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface F32Rminmax {
  /** For each of `rows` rows of `cols` floats at x: (min, max) as two f32 at out + 8·r. */
  rows(x: number, rows: number, cols: number, out: number): void;
}

export const f32Rminmax = perRuntime((rt: Runtime): F32Rminmax => {
  const rows = resolveKernel(rt, "f32_rminmax", "rows");
  return { rows: (x, r, c, out) => void rows(x, r, c, out) };
});
