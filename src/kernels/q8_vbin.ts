// Binding of assembly/q8_vbin: 8-bit ADD / SUB / MUL with TFLite's numerics over a 2-D broadcast
// (rows × n, each input with an element step of 0 or 1 and a row stride). This file writes the
// kernels' parameter words (their order is documented at the top of assembly/q8_vbin/scalar.ts).

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { perRuntime, resolveKernel } from "./resolve.js";

/** Where a and b advance: per element (0 or 1 byte) and per row (bytes). */
export interface VbinStrides {
  readonly aInc: 0 | 1; readonly bInc: 0 | 1; readonly aRow: number; readonly bRow: number;
}

/** The variant (`fp32_add`, ...) and its stage words as int32 (floats given as their bits by the caller). */
export interface VbinCall {
  readonly variant: "fp32_add" | "fixedpoint_add" | "fp32_mul" | "fixedpoint_mul";
  readonly words: readonly number[];
  /** Index in `words` of a float32 word (fp32_mul's scale), or -1. */
  readonly floatWord: number;
}

export interface Q8Vbin {
  /** Calls the kernel once per block: a, b, y byte addresses of each block, `rows × n` outputs each. */
  run(ws: Workspace, op: string, call: VbinCall, unsigned: boolean, s: VbinStrides, rows: number, n: number, blocks: ReadonlyArray<readonly [number, number, number]>): void;
}

const WORDS = 16;

export const q8Vbin = perRuntime((rt: Runtime): Q8Vbin => {
  const fns = {
    fp32_add: resolveKernel(rt, "q8_vbin", "fp32_add"),
    fixedpoint_add: resolveKernel(rt, "q8_vbin", "fixedpoint_add"),
    fp32_mul: resolveKernel(rt, "q8_vbin", "fp32_mul"),
    fixedpoint_mul: resolveKernel(rt, "q8_vbin", "fixedpoint_mul"),
  };
  return {
    run(ws, op, call, unsigned, s, rows, n, blocks) {
      ws.with(op, [4 * WORDS], ([params]) => {
        const v = rt.views();
        const i = params! >>> 2;
        v.i32.set([s.aInc, s.bInc, s.aRow, s.bRow, ...call.words], i);
        if (call.floatWord >= 0) v.f32[i + 4 + call.floatWord] = call.words[call.floatWord]!;
        const fn = fns[call.variant];
        for (const [a, b, y] of blocks) fn(a, b, y, rows, n, unsigned ? 1 : 0, params!);
      });
    },
  };
});
