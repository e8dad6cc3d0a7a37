// Binding of assembly/output: the output-stage params block every requantizing kernel reads
// (assembly/output/params.ts). Its size and array offsets come from the wasm build; this file
// writes the block.

import type { Multipliers, OutputStage } from "../output-stage.js";
import type { Runtime } from "../runtime/runtime.js";
import { perRuntime, sizeFn } from "./resolve.js";

const FAMILY = "output";
const STAGE_CODE = { fp32: 1, fixedpoint: 2, dequant: 3 } as const;

export interface OutputParams {
  /** Bytes of a params block for `channels` channels. */
  bytes(stage: OutputStage | "dequant", channels: number): number;
  /**
   * Writes an fp32 / fixedpoint block at `ptr` (bytes() long). Padding lanes repeat the last
   * channel so vector loads see ordinary numbers.
   */
  write(ptr: number, m: Multipliers, zeroPoint: number, qmin: number, qmax: number): void;
  /** Writes a dequant block (float output): per-channel scale and float bias (zeros without), `channels` entries. */
  writeDequant(ptr: number, channels: number, scales: Float32Array, bias: Float32Array | null): void;
}

export const outputParams = perRuntime((rt: Runtime): OutputParams => {
  const bytes = sizeFn(rt, FAMILY, "params_bytes");
  const offset = sizeFn(rt, FAMILY, "params_offset");
  return {
    bytes: (stage, channels) => bytes(STAGE_CODE[stage], channels),
    write(ptr, m, zeroPoint, qmin, qmax) {
      const v = rt.views();
      const channels = m.stage === "fp32" ? m.scale.length : m.multiplier.length;
      const i32 = ptr >>> 2;
      v.i32[i32] = zeroPoint;
      v.i32[i32 + 1] = qmin;
      v.i32[i32 + 2] = qmax;
      v.i32[i32 + 3] = channels;
      const cp = (offset(channels, 1) - offset(channels, 0)) / 4;
      const at = (c: number): number => Math.min(c, channels - 1);
      if (m.stage === "fp32") {
        const s = (ptr + offset(channels, 0)) >>> 2;
        for (let c = 0; c < cp; c++) v.f32[s + c] = m.scale[at(c)] as number;
        return;
      }
      const [mul, leftMul, leftMax, rightShift] = [0, 1, 2, 3].map((f) => (ptr + offset(channels, f)) >>> 2) as [number, number, number, number];
      const scale64 = (ptr + offset(channels, 4)) >>> 3;
      for (let c = 0; c < cp; c++) {
        const shift = m.shift[at(c)] as number;
        const right = Math.max(-shift, 0);
        const left = Math.max(shift, 0);
        v.i32[mul + c] = m.multiplier[at(c)] as number;
        v.i32[leftMul + c] = 2 ** left;
        v.i32[leftMax + c] = 2 ** (31 - left) - 1;
        v.i32[rightShift + c] = right;
        v.f64[scale64 + c] = 2 ** -right;
      }
    },
    writeDequant(ptr, channels, scales, bias) {
      const v = rt.views();
      v.i32[(ptr >>> 2) + 3] = channels;
      const s = (ptr + offset(channels, 0)) >>> 2;
      const b = (ptr + offset(channels, 1)) >>> 2;
      const cp = b - s;
      for (let c = 0; c < cp; c++) {
        const i = Math.min(c, scales.length - 1);
        v.f32[s + c] = scales[i] as number;
        v.f32[b + c] = bias ? (bias[i] as number) : 0;
      }
    },
  };
});
