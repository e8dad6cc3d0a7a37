// Binding of assembly/f32_gemm: float32 GEMM with a fused clamp (stage `minmax`), over B packed in
// blocks of 8 columns, the bias first (assembly/f32_gemm/scalar.ts).

import type { Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { perRuntime, resolveFirst, resolveKernel, sizeFn } from "./resolve.js";

const FAMILY = "f32_gemm";
/** Tiles in order of preference. */
export const F32_GEMM_TILES = ["minmax_4x8", "minmax_1x8"] as const;

export interface F32Gemm {
  packedBytes(k: number, n: number): number;
  /** Packs float32 B with K/N strides in elements and an optional float32 bias [N] (0: none). */
  pack(b: number, k: number, n: number, strideK: number, strideN: number, bias: number, dst: number): void;
  /** C[M, N] = clamp(A[M, K] · B + bias, lo, hi), A rows K floats apart. */
  run(ws: Workspace, op: string, a: number, m: number, k: number, n: number, w: number, c: number, lo: number, hi: number): void;
}

export const f32Gemm = perRuntime((rt: Runtime): F32Gemm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const kernel = resolveFirst(rt, FAMILY, F32_GEMM_TILES);
  return {
    packedBytes,
    pack: (b, k, n, strideK, strideN, bias, dst) => {
      packw(b, k, n, strideK, strideN, bias, dst);
    },
    run(ws, op, a, m, k, n, w, c, lo, hi) {
      ws.with(op, [8], ([mm]) => {
        rt.views().f32.set([lo, hi], mm! >>> 2);
        kernel(m, n, k, a, 4 * k, w, c, 4 * n, mm!);
      });
    },
  };
});
