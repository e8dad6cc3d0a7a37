// What the three packed int8 GEMM families (qs8_gemm, qs8_w7_gemm, qs8_spmm) have in common, so that
// the `gemm` op calls whichever its weights were packed for through one interface.

import type { Workspace } from "../runtime/workspace.js";

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
