// Binding of assembly/qs8_dwconv: depthwise convolution (NHWC) of int8 input (qs8_dwconv) and of
// uint8 input (qu8_dwconv, its twin from the same template in the same folder), weights packed in
// tiles of 16 channels (assembly/qs8_dwconv/layout.ts), output int32 or 8-bit through a stage.

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { dwconvKernel, runDwconv, runDwconvRows, type DwconvCall } from "./dwconv-driver.js";
import { hasVariant, perRuntime, resolveKernel, sizeFn } from "./resolve.js";

export type DwconvStage = "int32" | "fp32" | "fixedpoint";

export interface Qs8DwconvCall extends DwconvCall {
  /** uint8 input (the qu8_dwconv twin). */
  readonly unsigned: boolean;
  readonly stage: DwconvStage;
  /** Folded bias i32 [channels padded to 16]: bias − za · Σ(w − zw). */
  readonly bias: number;
  /** Output-stage params block (0 for int32). */
  readonly params: number;
}

export interface Qs8Dwconv {
  packedBytes(taps: number, channels: number): number;
  /**
   * Packs w[t, c] (element at w + t·strideT + c·strideC, int8 or uint8) with zero points i32 [channels]
   * at zp into dst (packedBytes long).
   */
  pack(w: number, taps: number, channels: number, strideT: number, strideC: number, unsigned: boolean, zp: number, dst: number): void;
  run(ws: Workspace, op: string, call: Qs8DwconvCall): void;
}

/** The row-vectorized tile (assembly/qs8_dwconv/simd128_anyp16w.ts): 16 elements of an output row per step. */
const ROWS = "anyp16w";

/**
 * Whether the row-vectorized kernels beat the channel-vectorized ones: they fill all 16 lanes
 * where the channel kernels fill C·multiplier of them. Measured crossover: see bench/suites/dwconv.ts.
 */
function preferRows(x: DwconvCall): boolean {
  return x.c * x.multiplier < 16;
}

export const qs8Dwconv = perRuntime((rt: Runtime): Qs8Dwconv => {
  const packedBytes = sizeFn(rt, "qs8_dwconv", "packed_bytes");
  const packw = resolveKernel(rt, "qs8_dwconv", "packw");
  return {
    packedBytes,
    pack: (w, taps, channels, strideT, strideC, unsigned, zp, dst) => void packw(w, taps, channels, strideT, strideC, unsigned ? 1 : 0, zp, 4, dst),
    run(ws, op, x) {
      const family = x.unsigned ? "qu8_dwconv" : "qs8_dwconv";
      if (x.tile === ROWS || (x.tile === undefined && hasVariant(rt, family, `${x.stage}_${ROWS}`) && preferRows(x))) {
        const kernel = dwconvKernel(rt, family, x.stage, x.kh * x.kw, ROWS);
        const scratchBytes = resolveKernel(rt, "qs8_dwconv", "scratch_bytes");
        runDwconvRows(rt, ws, op, x, (g, m) => (scratchBytes(g, m) as number) >>> 0, (src, zrow, out, geom, scratch) =>
          kernel(src, zrow, out, x.weights, x.bias, x.params, geom, scratch, x.multiplier));
        return;
      }
      const kernel = dwconvKernel(rt, family, x.stage, x.kh * x.kw, x.tile);
      runDwconv(rt, ws, op, x, (src, zrow, out, geom) => kernel(src, zrow, out, x.weights, x.bias, x.params, geom));
    },
  };
});
