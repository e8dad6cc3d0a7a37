// Binding of assembly/qs8_dwconv: depthwise convolution (NHWC) of int8 input (qs8_dwconv) and of
// uint8 input (qu8_dwconv, its twin from the same template in the same folder), weights packed in
// tiles of 16 channels (assembly/qs8_dwconv/layout.ts), output int32 or 8-bit through a stage.

import type { KernelFn, Runtime } from "../runtime/runtime.js";
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
 * where the channel kernels fill OC = C·multiplier of them, and read the input without expanding
 * multipliers. Measured here (3×3, 56×56, simd128 and relaxed, row / channel kernel speed): stride
 * 1, OC = 1..15: 1.0–5.3×; stride 2: OC ≤ 8 1.1–2.9×, OC = 12 0.6–1.0×, OC = 15 0.6–0.7× (the
 * gather then takes 3–4 loads and swizzles per tap); 1 channel × multiplier 16: 1.1–1.3×;
 * micro_speech's 1 × 8, 10×8 stride 2: 2.6–3.9×.
 */
function preferRows(x: DwconvCall): boolean {
  const oc = x.c * x.multiplier;
  if (oc === 16) return x.multiplier > 1;
  return oc < 16 && (x.sw === 1 || oc <= 8);
}

export const qs8Dwconv = perRuntime((rt: Runtime): Qs8Dwconv => {
  const packedBytes = sizeFn(rt, "qs8_dwconv", "packed_bytes");
  const packw = resolveKernel(rt, "qs8_dwconv", "packw");
  const rowsBuilt = hasVariant(rt, "qs8_dwconv", `int32_${ROWS}`);
  let scratch: KernelFn | undefined;
  const scratchBytes = (geom: number, mult: number): number => ((scratch ??= resolveKernel(rt, "qs8_dwconv", "scratch_bytes"))(geom, mult) as number) >>> 0;
  return {
    packedBytes,
    pack: (w, taps, channels, strideT, strideC, unsigned, zp, dst) => void packw(w, taps, channels, strideT, strideC, unsigned ? 1 : 0, zp, 4, dst),
    run(ws, op, x) {
      const family = x.unsigned ? "qu8_dwconv" : "qs8_dwconv";
      if (x.tile === ROWS || (x.tile === undefined && rowsBuilt && preferRows(x))) {
        const kernel = dwconvKernel(rt, family, x.stage, x.kh * x.kw, ROWS);
        runDwconvRows(rt, ws, op, x, scratchBytes, (src, zrow, out, geom, scratch) =>
          kernel(src, zrow, out, x.weights, x.bias, x.params, geom, scratch, x.multiplier));
        return;
      }
      const kernel = dwconvKernel(rt, family, x.stage, x.kh * x.kw, x.tile);
      runDwconv(rt, ws, op, x, (src, zrow, out, geom) => kernel(src, zrow, out, x.weights, x.bias, x.params, geom));
    },
  };
});
