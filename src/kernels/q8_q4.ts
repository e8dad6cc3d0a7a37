// Binding of assembly/q8_q4: 8-bit values (each in a nibble's range) → two per byte, low nibble first.

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface Q8Q4 {
  pack(src: number, dst: number, count: number): void;
}

export const q8Q4 = perRuntime((rt: Runtime): Q8Q4 => {
  const pack = resolveKernel(rt, "q8_q4", "pack");
  return { pack: (src, dst, count) => void pack(src, dst, count) };
});
