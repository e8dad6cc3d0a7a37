// Binding of assembly/q8_vadd: quantized elementwise add of two 8-bit tensors with the same shape,
// ONNX Runtime's QLinearAdd arithmetic (`fp32`) or TFLite's ADD (`fixedpoint`). This file writes
// the kernels' parameter words (their order is documented at the top of assembly/q8_vadd/scalar.ts).

import type { QuantizedMultiplier } from "../quant.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { perRuntime, resolveKernel } from "./resolve.js";

const FAMILY = "q8_vadd";

/** Scales and zero points of a, b and y, and the clamp bounds of y. */
export interface Fp32AddParams {
  readonly sa: number; readonly za: number; readonly sb: number; readonly zb: number;
  readonly sy: number; readonly zy: number; readonly qmin: number; readonly qmax: number;
}

/** TFLite's ADD: the inputs rescaled to twice the larger scale with 20 bits of headroom. */
export interface FixedpointAddParams {
  readonly za: number; readonly ma: QuantizedMultiplier; readonly zb: number; readonly mb: QuantizedMultiplier;
  readonly zy: number; readonly my: QuantizedMultiplier; readonly qmin: number; readonly qmax: number;
}

export interface Q8Vadd {
  fp32(ws: Workspace, op: string, a: number, b: number, y: number, count: number, unsigned: boolean, p: Fp32AddParams): void;
  fixedpoint(ws: Workspace, op: string, a: number, b: number, y: number, count: number, unsigned: boolean, p: FixedpointAddParams): void;
}

export const q8Vadd = perRuntime((rt: Runtime): Q8Vadd => {
  const fp32 = resolveKernel(rt, FAMILY, "fp32");
  const fixedpoint = resolveKernel(rt, FAMILY, "fixedpoint");
  return {
    fp32(ws, op, a, b, y, count, unsigned, p) {
      ws.with(op, [32], ([params]) => {
        writeFp32Pair(rt, params!, p);
        fp32(a, b, y, count, unsigned ? 1 : 0, params!);
      });
    },
    fixedpoint(ws, op, a, b, y, count, unsigned, p) {
      ws.with(op, [44], ([params]) => {
        rt.views().i32.set([p.za, p.ma.multiplier, p.ma.shift, p.zb, p.mb.multiplier, p.mb.shift, p.zy, p.my.multiplier, p.my.shift, p.qmin, p.qmax], params! >>> 2);
        fixedpoint(a, b, y, count, unsigned ? 1 : 0, params!);
      });
    },
  };
});

/**
 * The 8 parameter words shared by q8_vadd_fp32 and q8_vmul_channels: f32 sa, i32 za, f32 sb,
 * i32 zb, f32 sy, i32 zy, i32 qmin, i32 qmax.
 */
export function writeFp32Pair(rt: Runtime, ptr: number, p: Fp32AddParams): void {
  const v = rt.views();
  const i = ptr >>> 2;
  v.f32[i] = p.sa;
  v.i32[i + 1] = p.za;
  v.f32[i + 2] = p.sb;
  v.i32[i + 3] = p.zb;
  v.f32[i + 4] = p.sy;
  v.i32.set([p.zy, p.qmin, p.qmax], i + 5);
}
