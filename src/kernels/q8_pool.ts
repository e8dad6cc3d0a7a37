// Binding of assembly/q8_pool: 8-bit max pooling, window sums with tap counts (average pooling), and
// per-channel sums over all pixels (global average pooling); requantization is qs32_q8_requant's.

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { CONV_GEOMETRY_BYTES, writeConvGeometry, type ConvGeometry } from "./conv-geometry.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface Q8Pool {
  /** Max over each window, per image (input H·W·C bytes apart, output OH·OW·C). */
  max(ws: Workspace, op: string, x: number, y: number, images: number, g: ConvGeometry, unsigned: boolean): void;
  /** Σ (x − zp) over each window's taps inside the input → i32 sums [OH·OW·C] and i32 counts [OH·OW], one image. */
  sum(geom: number, x: number, sums: number, counts: number, unsigned: boolean, zp: number): void;
  /** Σ (x − zp) over `pixels` pixels per channel → i32 sums [C], one image. */
  gsum(x: number, sums: number, pixels: number, c: number, unsigned: boolean, zp: number): void;
  /** Writes a geometry block for `sum` (scratch the caller holds). */
  geometry(ptr: number, g: ConvGeometry): void;
}

export const q8Pool = perRuntime((rt: Runtime): Q8Pool => {
  const max = resolveKernel(rt, "q8_pool", "max");
  const sum = resolveKernel(rt, "q8_pool", "sum");
  const gsum = resolveKernel(rt, "q8_pool", "gsum");
  return {
    max(ws, op, x, y, images, g, unsigned) {
      ws.with(op, [CONV_GEOMETRY_BYTES], ([geom]) => {
        writeConvGeometry(rt, geom!, g);
        for (let b = 0; b < images; b++) max(x + b * g.h * g.w * g.c, y + b * g.oh * g.ow * g.c, geom!, unsigned ? 1 : 0);
      });
    },
    sum: (geom, x, sums, counts, unsigned, zp) => void sum(x, sums, counts, geom, unsigned ? 1 : 0, zp),
    gsum: (x, sums, pixels, c, unsigned, zp) => void gsum(x, sums, pixels, c, unsigned ? 1 : 0, zp),
    geometry: (ptr, g) => writeConvGeometry(rt, ptr, g),
  };
});
