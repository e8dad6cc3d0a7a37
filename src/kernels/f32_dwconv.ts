// Binding of assembly/f32_dwconv: float32 depthwise convolution (NHWC) with a fused clamp (stage
// `minmax`), weights packed in tiles of 16 channels with the bias first (assembly/f32_dwconv/layout.ts).

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { dwconvKernel, runDwconv, type DwconvCall } from "./dwconv-driver.js";
import { perRuntime, resolveKernel, sizeFn } from "./resolve.js";

export interface F32DwconvCall extends DwconvCall {
  /** f32 [min, max] clamp bounds. */
  readonly minmax: number;
}

export interface F32Dwconv {
  packedBytes(taps: number, channels: number): number;
  /** Packs float w[t, c] (at w + 4·(t·strideT + c·strideC)) and the float bias [channels] at bias (0: none) into dst. */
  pack(w: number, taps: number, channels: number, strideT: number, strideC: number, bias: number, dst: number): void;
  run(ws: Workspace, op: string, call: F32DwconvCall): void;
}

export const f32Dwconv = perRuntime((rt: Runtime): F32Dwconv => {
  const packedBytes = sizeFn(rt, "f32_dwconv", "packed_bytes");
  const packw = resolveKernel(rt, "f32_dwconv", "packw");
  return {
    packedBytes,
    pack: (w, taps, channels, strideT, strideC, bias, dst) => void packw(w, taps, channels, strideT, strideC, bias, dst),
    run(ws, op, x) {
      const kernel = dwconvKernel(rt, "f32_dwconv", "minmax", x.kh * x.kw, x.tile);
      runDwconv(rt, ws, op, x, (src, zrow, out, geom) => kernel(src, zrow, out, x.weights, x.minmax, geom));
    },
  };
});
