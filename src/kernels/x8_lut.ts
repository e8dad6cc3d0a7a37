// Binding of assembly/x8_lut: bytes through a 256-entry table (8-bit activations, requantizing concat).

import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface X8Lut {
  /** y[i] = table[x[i]] for `count` bytes. */
  map(x: number, y: number, count: number, table: number): void;
  /** `pixels` runs of `c` bytes: x contiguous, y `yStride` bytes apart (one input of a channel concat). */
  strided(x: number, y: number, pixels: number, c: number, yStride: number, table: number): void;
}

export const x8Lut = perRuntime((rt: Runtime): X8Lut => {
  const map = resolveKernel(rt, "x8_lut", "256");
  const strided = resolveKernel(rt, "x8_lut", "strided");
  return {
    map: (x, y, count, table) => void map(x, y, count, table),
    strided: (x, y, pixels, c, yStride, table) => void strided(x, y, pixels, c, yStride, table),
  };
});
