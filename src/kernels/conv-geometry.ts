// The per-call geometry block of the windowed kernels (depthwise, im2col, pools): 16 i32 fields
// whose offsets are the G_* constants of assembly/common/conv_geometry.ts. The field order below is
// checked against those constants by the structure test (test/engines/structure.test.ts).

import type { Runtime } from "../runtime/runtime.js";

/** Bytes of the geometry block. */
export const CONV_GEOMETRY_BYTES = 64;

/** The fields in block order (G_H, G_W, G_C, ... in the assembly). */
export const CONV_GEOMETRY_FIELDS = ["h", "w", "c", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw", "pt", "pl", "inRow", "outRow"] as const;

/** One window geometry: input H×W×C, output OH×OW, kernel, strides, dilations, padding (top, left), row strides in bytes. */
export type ConvGeometry = Record<(typeof CONV_GEOMETRY_FIELDS)[number], number>;

/** Writes `g` at `ptr` (CONV_GEOMETRY_BYTES long). */
export function writeConvGeometry(rt: Runtime, ptr: number, g: ConvGeometry): void {
  const words = new Int32Array(16);
  CONV_GEOMETRY_FIELDS.forEach((f, i) => (words[i] = g[f]));
  rt.views().i32.set(words, ptr >>> 2);
}
