// Binding of assembly/qp4_gemm: palettized GEMM/GEMV (4-bit indices into a 16-entry int8 codebook
// per column or shared, assembly/qp4_gemm/pack.ts); activations in qb4_gemm's layout, packed by
// qb4_gemm's packers (see src/kernels/qb4_gemm.ts).

import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { qb4Gemm, type BlockGemmCall } from "./qb4_gemm.js";
import { perRuntime, resolveKernel, sizeFn } from "./resolve.js";

const FAMILY = "qp4_gemm";
export const QP4_GEMM_TILES = { one: "1x4c32" } as const;

export interface Qp4Gemm {
  packedBytes(k: number, n: number, bs: number): number;
  /**
   * Packs indices (u8 per value, [N, K] rows `ldIdx` apart), codebooks i8 [C][16] (`perChannel`:
   * C = N, else one shared) and scales f32 [C] into dst.
   */
  pack(indices: number, ldIdx: number, codebooks: number, scales: number, perChannel: boolean, n: number, k: number, bs: number, dst: number): void;
  run(ws: Workspace, op: string, call: BlockGemmCall): void;
}

export const qp4Gemm = perRuntime((rt: Runtime): Qp4Gemm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const one: Record<"dequant" | "int32", KernelFn> = {
    dequant: resolveKernel(rt, FAMILY, `dequant_${QP4_GEMM_TILES.one}`),
    int32: resolveKernel(rt, FAMILY, `int32_${QP4_GEMM_TILES.one}`),
  };
  return {
    packedBytes,
    pack: (idx, ld, cb, sc, perChannel, n, k, bs, dst) => void packw(idx, ld, cb, perChannel ? 16 : 0, sc, perChannel ? 4 : 0, n, k, bs, dst),
    run(ws, op, x) {
      qb4Gemm(rt).withBlockActivations(ws, op, x, [], (a) => {
        const kernel = x.isa !== undefined ? rt.kernel(`${FAMILY}_${x.stage}_${QP4_GEMM_TILES.one}__${x.isa}`) : one[x.stage];
        kernel(x.m, x.n, x.k, x.bs, a.a16, a.a8, a.asum, a.ascale, a.azp, x.w, x.out, x.bias);
      });
    },
  };
});
