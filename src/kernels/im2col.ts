// Binding of assembly/im2col: one NHWC image → rows of KH·KW·C values per output pixel (padding
// taps read the zero row), the A matrix of a convolution run as a GEMM.

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { CONV_GEOMETRY_BYTES, writeConvGeometry, type ConvGeometry } from "./conv-geometry.js";
import { perRuntime, resolveKernel } from "./resolve.js";

export interface Im2col {
  /**
   * For each of `images` images at x (H·W·C elements of `esize` bytes apart), writes OH·OW rows of
   * KH·KW·C elements at out; padding taps take `padValue` (the input zero point's byte, or 0).
   */
  run(ws: Workspace, op: string, x: number, out: number, images: number, g: ConvGeometry, esize: number, padValue: number): void;
}

export const im2col = perRuntime((rt: Runtime): Im2col => {
  const kernel = resolveKernel(rt, "im2col", "any");
  return {
    run(ws, op, x, out, images, g, esize, padValue) {
      const zrowBytes = (g.c + 16) * esize;
      ws.with(op, [CONV_GEOMETRY_BYTES, zrowBytes], ([geom, zrow]) => {
        writeConvGeometry(rt, geom!, g);
        rt.views().u8.fill(padValue & 255, zrow!, zrow! + zrowBytes);
        const inImage = g.h * g.w * g.c * esize;
        const outImage = g.oh * g.ow * g.kh * g.kw * g.c * esize;
        for (let b = 0; b < images; b++) kernel(x + b * inImage, zrow!, out + b * outImage, geom!, esize);
      });
    },
  };
});
