// Binding of assembly/x8_ibilinear: one output row of an 8-bit bilinear resize, XNNPACK's 11-bit
// arithmetic ("q11") or TFLite's 10-bit reference arithmetic ("q10").

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface X8Ibilinear {
  /**
   * One output row of `ow` pixels × `c` channels at `out` from source rows `top` and `bottom`;
   * `cols` holds per output column the left and right byte offsets and the horizontal weight (3 i32).
   */
  row(weights: "q11" | "q10", top: number, bottom: number, cols: number, c: number, wy: number, out: number, ow: number, unsigned: boolean): void;
}

export const x8Ibilinear = perRuntime((rt: Runtime): X8Ibilinear => {
  const q11 = resolveKernel(rt, "x8_ibilinear", "q11");
  const q10 = resolveKernel(rt, "x8_ibilinear", "q10");
  return {
    row: (weights, top, bottom, cols, c, wy, out, ow, unsigned) => void (weights === "q11" ? q11 : q10)(top, bottom, cols, c, wy, out, ow, unsigned ? 1 : 0),
  };
});
