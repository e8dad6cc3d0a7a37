// Binding of assembly/qs8_w7_gemm: the relaxed build's GEMM/GEMV for 7-bit ("reduce range") weights,
// over B packed in blocks of 8 columns with K quads (assembly/qs8_w7_gemm/layout.ts). Same call as
// qs8_gemm; other builds run 7-bit weights through qs8_gemm (identical results).

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { kernelsByStage, withPackedA, type Int8GemmCall, type Int8GemmFamily, type Int8PackCall } from "./int8-gemm.js";
import { hasVariant, perRuntime, resolveKernel, sizeFn } from "./resolve.js";

const FAMILY = "qs8_w7_gemm";

/** Tiles in order of preference for M > 1 and M = 1. */
export const QS8_W7_GEMM_TILES = {
  many: ["4x8c4"],
  one: ["1x32c4", "4x8c4"],
} as const;

export interface Qs8W7Gemm extends Int8GemmFamily {
  packedBytes(k: number, n: number): number;
  pack(call: Int8PackCall, dst: number): void;
}

/** Whether the runtime's build has the 7-bit kernels (the relaxed build). */
export function hasQs8W7Gemm(rt: Runtime): boolean {
  return hasVariant(rt, FAMILY, "packw");
}

/**
 * The binding; only for builds where hasQs8W7Gemm is true. No row-range entry yet: the kernels
 * keep per-row side arrays (row sums, zero points, partial sums) laid out for the whole call.
 */
export const qs8W7Gemm = perRuntime((rt: Runtime): Qs8W7Gemm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packaBytes = sizeFn(rt, FAMILY, "packa_bytes");
  const rowsumsBytes = sizeFn(rt, FAMILY, "rowsums_bytes");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const packa = resolveKernel(rt, FAMILY, "packa");
  const many = kernelsByStage(rt, FAMILY, QS8_W7_GEMM_TILES.many);
  const one = kernelsByStage(rt, FAMILY, QS8_W7_GEMM_TILES.one);
  return {
    family: FAMILY,
    packedBytes,
    pack(b, dst) {
      packw(b.b, b.k, b.n, b.strideK, b.strideN, b.unsigned ? 1 : 0, b.zb, 4, b.bias, dst);
    },
    run(ws: Workspace, op: string, x: Int8GemmCall): void {
      withPackedA(rt, ws, op, x, packaBytes(x.m, x.k), rowsumsBytes(x.m), packa, (p) => {
        const kernel = x.tile !== undefined ? resolveKernel(rt, FAMILY, `${x.stage}_${x.tile}`) : x.m === 1 ? one[x.stage] : many[x.stage];
        kernel(x.m, x.n, x.k, p.a, p.rowsums, x.w, x.c, x.ldc, x.params, p.aScale, p.aScaleStride);
      });
    },
  };
});
