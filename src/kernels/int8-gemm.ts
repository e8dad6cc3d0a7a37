// What the three packed int8 GEMM families (qs8_gemm, qs8_w7_gemm, qs8_spmm) have in common, so that
// the `gemm` op calls whichever its weights were packed for through one interface.

import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { resolveFirst } from "./resolve.js";

/** Output stages of the int8 GEMM families (registry `stage`). */
export type GemmStage = "int32" | "fp32" | "fixedpoint" | "dequant";

/** Arguments of one weight packing: B (int8/uint8) with K and N strides in elements. */
export interface Int8PackCall {
  readonly b: number;
  readonly k: number;
  readonly n: number;
  readonly strideK: number;
  readonly strideN: number;
  /** B is uint8 (moved to the signed domain while packing). */
  readonly unsigned: boolean;
  /** B's zero point per column: i32 [N]. */
  readonly zb: number;
  /** int32 bias [N], or 0. */
  readonly bias: number;
}

/** One GEMM call: C[M, N] = (A − za)(B − zb) + bias, then the output stage. */
export interface Int8GemmCall {
  /** A [M, K], int8 or uint8, rows K elements apart. */
  readonly a: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly unsigned: boolean;
  /** A's zero point: per tensor, or per row (length M). */
  readonly za: number | Int32Array;
  /** A's scale for the `dequant` stage: per tensor, or per row; null for other stages. */
  readonly aScale: number | Float32Array | null;
  /** Packed B. */
  readonly w: number;
  /** C and the bytes between its rows. */
  readonly c: number;
  readonly ldc: number;
  readonly stage: GemmStage;
  /** Output-stage params block (assembly/output/params.ts), 0 for `int32`. */
  readonly params: number;
  /** @internal Tests: force a tile (e.g. `1x8c2`) and the isa of the A packer. */
  readonly tile?: string | undefined;
  readonly packaIsa?: "scalar" | "simd128" | undefined;
}

/** A packed int8 GEMM family as the `gemm` op sees it (packing is family-specific). */
export interface Int8GemmFamily {
  readonly family: string;
  /** Runs the whole GEMM on B packed by this family, scratch from `ws`. */
  run(ws: Workspace, op: string, call: Int8GemmCall): void;
}

/** A's packed form for one call (qs8_gemm, qs8_w7_gemm): where packa put it, and A's scale for the dequant stage. */
export interface PackedA {
  readonly a: number;
  readonly rowsums: number;
  /** A's scale per row (stride 4) or per tensor (stride 0). */
  readonly aScale: number;
  readonly aScaleStride: number;
}

/** The stage → kernel table of a dense family: per stage, the first of `tiles` the build has. */
export function kernelsByStage(rt: Runtime, family: string, tiles: readonly string[]): Record<GemmStage, KernelFn> {
  const stages: readonly GemmStage[] = ["int32", "fp32", "fixedpoint", "dequant"];
  return Object.fromEntries(stages.map((s) => [s, resolveFirst(rt, family, tiles.map((t) => `${s}_${t}`))])) as Record<GemmStage, KernelFn>;
}

/**
 * What the dense families share per call: scratch for packed A, its row sums and A's row
 * parameters (sizes from the family's exports), packa with the family's signature, then `fn`.
 */
export function withPackedA(
  rt: Runtime, ws: Workspace, op: string, x: Int8GemmCall, packaBytes: number, rowsumsBytes: number, packa: KernelFn, fn: (p: PackedA) => void,
): void {
  const perRow = typeof x.za !== "number";
  const rows = perRow ? x.m : 1;
  const dequant = x.stage === "dequant";
  ws.with(op, [packaBytes, rowsumsBytes, 4 * rows, dequant ? 4 * rows : 0], ([a, rowsums, za, scale]) => {
    const v = rt.views();
    if (typeof x.za === "number") v.i32[za! >>> 2] = x.za;
    else v.i32.set(x.za, za! >>> 2);
    if (dequant && x.aScale !== null) {
      if (typeof x.aScale === "number") v.f32[scale! >>> 2] = x.aScale;
      else v.f32.set(x.aScale, scale! >>> 2);
    }
    packa(x.a, x.m, x.k, x.k, x.unsigned ? 1 : 0, za!, perRow ? 4 : 0, a!, rowsums!);
    fn({ a: a!, rowsums: rowsums!, aScale: scale!, aScaleStride: perRow ? 4 : 0 });
  });
}
