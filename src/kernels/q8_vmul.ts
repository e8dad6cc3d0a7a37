// Binding of assembly/q8_vmul: x[p, c] times a per-channel 8-bit scale s[c] (squeeze-and-excite),
// requantized in float32. Parameter words as q8_vadd's fp32 ones (x for a, s for b).

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { writeFp32Pair, type Fp32AddParams } from "./q8_vadd.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface Q8Vmul {
  /** For each of `images` images: x [pixels, c] · s [c] → y; x, s and y advance by one image / one row of c. */
  channels(ws: Workspace, op: string, x: number, s: number, y: number, images: number, pixels: number, c: number, unsigned: boolean, p: Fp32AddParams): void;
}

export const q8Vmul = perRuntime((rt: Runtime): Q8Vmul => {
  const channels = resolveKernel(rt, "q8_vmul", "channels");
  return {
    channels(ws, op, x, s, y, images, pixels, c, unsigned, p) {
      ws.with(op, [32], ([params]) => {
        writeFp32Pair(rt, params!, p);
        for (let b = 0; b < images; b++) channels(x + b * pixels * c, s + b * c, y + b * pixels * c, pixels, c, unsigned ? 1 : 0, params!);
      });
    },
  };
});
