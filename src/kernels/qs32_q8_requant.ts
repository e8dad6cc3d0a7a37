// Binding of assembly/qs32_q8_requant: int32 accumulators → int8/uint8 through an output stage
// (params block: src/kernels/output.ts).

import type { OutputStage } from "../output-stage.js";
import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

const FAMILY = "qs32_q8_requant";

export interface Qs32Q8Requant {
  /**
   * [rows, cols] int32 at x → 8-bit at y. `layout` rows: channel of row r = r % C of the params
   * block; cols: channel of element (r, c) = c.
   */
  run(stage: OutputStage, layout: "rows" | "cols", x: number, y: number, rows: number, cols: number, params: number): void;
}

export const qs32Q8Requant = perRuntime((rt: Runtime): Qs32Q8Requant => {
  const fns = new Map<string, (...a: number[]) => unknown>();
  for (const s of ["fp32", "fixedpoint"]) for (const l of ["rows", "cols"]) fns.set(`${s}_${l}`, resolveKernel(rt, FAMILY, `${s}_${l}`));
  return {
    run: (stage, layout, x, y, rows, cols, params) => void fns.get(`${stage}_${layout}`)!(x, y, rows, cols, params),
  };
});
