// Binding of assembly/qs8_gemm: the int8 GEMM/GEMV over B packed in blocks of 8 columns with K pairs
// interleaved (assembly/qs8_gemm/layout.ts). One signed kernel serves all four signedness
// combinations: packing moves uint8 data to the signed domain and removes the zero points.

import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { kernelsByStage, withPackedA, type GemmStage, type Int8GemmCall, type Int8GemmFamily, type Int8PackCall, type PackedA } from "./int8-gemm.js";
import { perRuntime, resolveFirstName, resolveKernel, sizeFn } from "./resolve.js";
import { splitRows, splitThreshold } from "./split.js";

const FAMILY = "qs8_gemm";
/** Rows per packed A group (MR of layout.ts): row ranges start at multiples of it. */
export const QS8_GEMM_MR = 4;

/** Tiles in order of preference for M > 1 and M = 1; the best one the build has is used. */
export const QS8_GEMM_TILES = {
  many: ["4x8c2", "1x8c2"],
  one: ["1x32c2", "4x8c2", "1x8c2"],
} as const;

export interface Qs8Gemm extends Int8GemmFamily {
  /** Bytes of B [K, N] packed by `pack`. */
  packedBytes(k: number, n: number): number;
  pack(call: Int8PackCall, dst: number): void;
  /** Scratch bytes of packed A and its row sums for M rows. */
  packaBytes(m: number, k: number): number;
  rowsumsBytes(m: number): number;
  /** The kernel for a stage and M (or a forced tile). */
  kernel(stage: GemmStage, m: number, tile?: string): KernelFn;
  /**
   * The range entry (threads split here): rows [r0, r1) of C from A packed for the whole call;
   * r0 must be a multiple of QS8_GEMM_MR. Calls with disjoint row ranges write disjoint rows of C.
   */
  computeRows(call: Int8GemmCall, packed: PackedA, r0: number, r1: number): void;
}

export const qs8Gemm = perRuntime((rt: Runtime): Qs8Gemm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packaBytes = sizeFn(rt, FAMILY, "packa_bytes");
  const rowsumsBytes = sizeFn(rt, FAMILY, "rowsums_bytes");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const packa = resolveKernel(rt, FAMILY, "packa");
  const many = kernelsByStage(rt, FAMILY, QS8_GEMM_TILES.many);
  const one = kernelsByStage(rt, FAMILY, QS8_GEMM_TILES.one);
  const kernel = (stage: GemmStage, m: number, tile?: string): KernelFn =>
    tile !== undefined ? resolveKernel(rt, FAMILY, `${stage}_${tile}`) : m === 1 ? one[stage] : many[stage];

  const kernelName = (stage: GemmStage, m: number, tile?: string): string =>
    resolveFirstName(rt, FAMILY, tile !== undefined ? [`${stage}_${tile}`] : (m === 1 ? QS8_GEMM_TILES.one : QS8_GEMM_TILES.many).map((t) => `${stage}_${t}`));
  /** The kernel's arguments for rows [r0, r1). */
  const rowArgs = (x: Int8GemmCall, p: PackedA, r0: number, r1: number): number[] => {
    const groupBytes = packaBytes(QS8_GEMM_MR, x.k);
    return [
      r1 - r0, x.n, x.k, p.a + (r0 / QS8_GEMM_MR) * groupBytes, p.rowsums + 4 * r0, x.w, x.c + r0 * x.ldc, x.ldc, x.params,
      p.aScale + r0 * p.aScaleStride, p.aScaleStride,
    ];
  };
  const computeRows = (x: Int8GemmCall, p: PackedA, r0: number, r1: number): void => {
    if (r1 <= r0) return;
    kernel(x.stage, x.m, x.tile)(...rowArgs(x, p, r0, r1));
  };

  return {
    family: FAMILY,
    packedBytes,
    packaBytes,
    rowsumsBytes,
    kernel,
    computeRows,
    pack(b, dst) {
      packw(b.b, b.k, b.n, b.strideK, b.strideN, b.unsigned ? 1 : 0, b.zb, 4, b.bias, dst);
    },
    run(ws: Workspace, op: string, x: Int8GemmCall): void {
      const pk = x.packaIsa !== undefined ? rt.kernel(`${FAMILY}_packa__${x.packaIsa}`) : packa;
      withPackedA(rt, ws, op, x, packaBytes(x.m, x.k), rowsumsBytes(x.m), pk, (p) => {
        const ranges = rt.pool === null ? null : splitRows(rt, x.m, QS8_GEMM_MR, x.n * x.k, splitThreshold.gemmMacs);
        if (ranges === null || ranges.length === 1) computeRows(x, p, 0, x.m);
        else rt.parallel(op, kernelName(x.stage, x.m, x.tile), ranges.map(([r0, r1]) => rowArgs(x, p, r0, r1)));
      });
    },
  };
});
