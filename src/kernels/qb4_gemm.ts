// Binding of assembly/qb4_gemm: block-wise 4-bit GEMM/GEMV (weights q in 0..15 with a zero point and
// a float scale per column and block of K, assembly/qb4_gemm/layout.ts), activations int8 packed per
// call (dynamically quantized float32, or int8/uint8 with their parameters). The palettized family
// (qp4_gemm) takes its activations in this layout too: `withBlockActivations` serves both.

import type { Isa } from "../runtime/load.js";
import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { hasVariant, perRuntime, resolveKernel, sizeFn } from "./resolve.js";

const FAMILY = "qb4_gemm";
/** The one-row tile (every build) and the 4×8 tile for M ≥ 4 with float output (SIMD builds). */
export const QB4_GEMM_TILES = { one: "1x4c32", many: "4x8c2" } as const;

/** Activations of a block GEMM call. */
export type BlockActivations =
  | { readonly dtype: "float32"; /** quantize per block of K (else per row) */ readonly perBlock: boolean }
  | { readonly dtype: "int8" | "uint8"; readonly za: number | Int32Array; readonly scale: number | Float32Array };

/** One block GEMM call: y[M, N] (dequant: float32) or per-block int32 sums [M, N, blocks]. */
export interface BlockGemmCall {
  readonly x: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly bs: number;
  readonly act: BlockActivations;
  readonly stage: "dequant" | "int32";
  readonly out: number;
  /** Packed weights and the float bias [N] (0: none). */
  readonly w: number;
  readonly bias: number;
  /** @internal Tests: force a tile or the isa of the one-row kernel. */
  readonly tile?: "1x4c32" | "4x8c2" | undefined;
  readonly isa?: Isa | undefined;
}

/** Pointers of packed activations (layout.ts: a16, a8, asum, ascale, azp). */
export interface PackedBlockActivations {
  readonly a16: number;
  readonly a8: number;
  readonly asum: number;
  readonly ascale: number;
  readonly azp: number;
}

export interface Qb4Gemm {
  packedBytes(k: number, n: number, bs: number): number;
  /** Packs q (u8 per value, [N, K] with rows `ldq` apart), scales f32 [N, blocks], zero points u8 [N, blocks] into dst. */
  pack(q: number, ldq: number, scales: number, zeroPoints: number, n: number, k: number, bs: number, dst: number): void;
  /** Packs the call's activations into workspace scratch and runs `fn` with them (extra: more scratch pieces). */
  withBlockActivations<T>(ws: Workspace, op: string, x: BlockGemmCall, extra: readonly number[], fn: (a: PackedBlockActivations, more: number[]) => T): T;
  run(ws: Workspace, op: string, call: BlockGemmCall): void;
}

export const qb4Gemm = perRuntime((rt: Runtime): Qb4Gemm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packaBytes = sizeFn(rt, FAMILY, "packa_bytes");
  const decodedBytes = sizeFn(rt, FAMILY, "decoded_bytes");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const packaF32 = resolveKernel(rt, FAMILY, "packa_f32");
  const packaQ8 = resolveKernel(rt, FAMILY, "packa_q8");
  const hasMany = hasVariant(rt, FAMILY, `dequant_${QB4_GEMM_TILES.many}`);
  const manyTile = hasMany ? resolveKernel(rt, FAMILY, `dequant_${QB4_GEMM_TILES.many}`) : null;
  const one: Record<"dequant" | "int32", KernelFn> = {
    dequant: resolveKernel(rt, FAMILY, `dequant_${QB4_GEMM_TILES.one}`),
    int32: resolveKernel(rt, FAMILY, `int32_${QB4_GEMM_TILES.one}`),
  };

  const withBlockActivations = <T>(ws: Workspace, op: string, x: BlockGemmCall, extra: readonly number[], fn: (a: PackedBlockActivations, more: number[]) => T): T => {
    const { m, k, bs } = x;
    const pieces = [0, 1, 2, 3, 4].map((p) => packaBytes(m, k, bs, p));
    const act = x.act;
    const perRow = act.dtype !== "float32" && typeof act.za !== "number";
    return ws.with(op, [...pieces, 4 * m, 4 * m, ...extra], (ptrs) => {
      const [a16, a8, asum, ascale, azp, za, sa] = ptrs as [number, number, number, number, number, number, number];
      if (act.dtype === "float32") {
        const kp = Math.ceil(k / bs) * bs;
        packaF32(x.x, m, k, bs, act.perBlock ? bs : kp, a16, a8, asum, ascale, azp);
      } else {
        const v = rt.views();
        if (typeof act.za === "number") v.i32[za >>> 2] = act.za;
        else v.i32.set(act.za, za >>> 2);
        if (typeof act.scale === "number") v.f32[sa >>> 2] = act.scale;
        else v.f32.set(act.scale, sa >>> 2);
        packaQ8(x.x, m, k, bs, act.dtype === "uint8" ? 1 : 0, za, perRow ? 4 : 0, sa, perRow ? 4 : 0, a16, a8, asum, ascale, azp);
      }
      return fn({ a16, a8, asum, ascale, azp }, ptrs.slice(7));
    });
  };

  return {
    packedBytes,
    pack: (q, ldq, scales, zps, n, k, bs, dst) => void packw(q, ldq, scales, zps, n, k, bs, dst),
    withBlockActivations,
    run(ws, op, x) {
      // M ≥ 4 rows of float output: the 4×8 tile decodes each block once for all rows.
      const many = x.stage === "dequant" && hasMany &&
        (x.tile === QB4_GEMM_TILES.many || (x.tile === undefined && x.isa === undefined && x.m >= 4));
      withBlockActivations(ws, op, x, [many ? decodedBytes(x.k, x.bs) : 0], (a, [decoded]) => {
        if (many) {
          manyTile!(x.m, x.n, x.k, x.bs, a.a16, a.asum, a.ascale, a.azp, x.w, x.out, x.bias, decoded!);
          return;
        }
        const kernel = x.isa !== undefined ? rt.kernel(`${FAMILY}_${x.stage}_${QB4_GEMM_TILES.one}__${x.isa}`) : one[x.stage];
        kernel(x.m, x.n, x.k, x.bs, a.a16, a.a8, a.asum, a.ascale, a.azp, x.w, x.out, x.bias);
      });
    },
  };
});
