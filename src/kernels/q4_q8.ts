// Binding of assembly/q4_q8: nibbles (two per byte, low first) → one 8-bit value each, sign-extended for int4.

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface Q4Q8 {
  unpack(src: number, dst: number, count: number, unsigned: boolean): void;
}

export const q4Q8 = perRuntime((rt: Runtime): Q4Q8 => {
  const unpack = resolveKernel(rt, "q4_q8", "unpack");
  return { unpack: (src, dst, count, u) => void unpack(src, dst, count, u ? 1 : 0) };
});
