// Binding of assembly/qs8_spmm: int8 GEMM over B pruned in 1×4 blocks (assembly/qs8_spmm/pack.ts):
// only nonzero blocks are stored. M > 1 packs A in groups of 8 rows (tile 8x1 in SIMD builds, 1x1
// in the scalar build); M = 1 in SIMD builds packs one int16 row (packa1) for tile 1x1c8.

import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import type { Int8GemmCall, Int8GemmFamily, Int8PackCall } from "./int8-gemm.js";
import { hasVariant, perRuntime, resolveFirst, resolveKernel, sizeFn } from "./resolve.js";

const FAMILY = "qs8_spmm";
/** Tiles in order of preference for M > 1; `one` is the M = 1 tile of the SIMD builds (A packed by packa1). */
export const QS8_SPMM_TILES = { many: ["8x1", "1x1"], one: "1x1c8" } as const;

type SparseStage = "int32" | "fp32" | "fixedpoint";

export interface Qs8Spmm extends Int8GemmFamily {
  /** Nonzero 1×4 blocks of B (the sparse size depends on it). */
  count(call: Int8PackCall): number;
  /** Bytes of B with N columns and `blocks` nonzero blocks. */
  packedBytes(n: number, blocks: number): number;
  pack(call: Int8PackCall, dst: number): void;
}

export const qs8Spmm = perRuntime((rt: Runtime): Qs8Spmm => {
  const packedBytes = sizeFn(rt, FAMILY, "packed_bytes");
  const packaBytes = sizeFn(rt, FAMILY, "packa_bytes");
  const packa1Bytes = sizeFn(rt, FAMILY, "packa1_bytes");
  const countFn = resolveKernel(rt, FAMILY, "count");
  const packw = resolveKernel(rt, FAMILY, "packw");
  const packa = resolveKernel(rt, FAMILY, "packa");
  const packa1 = resolveKernel(rt, FAMILY, "packa1");
  const hasOne = hasVariant(rt, FAMILY, `int32_${QS8_SPMM_TILES.one}`);
  const cache = new Map<string, KernelFn>();
  const oneTile = (stage: SparseStage): KernelFn => {
    let fn = cache.get(`one|${stage}`);
    if (!fn) cache.set(`one|${stage}`, (fn = resolveKernel(rt, FAMILY, `${stage}_${QS8_SPMM_TILES.one}`)));
    return fn;
  };
  const many = (stage: SparseStage): KernelFn => {
    let fn = cache.get(stage);
    if (!fn) cache.set(stage, (fn = resolveFirst(rt, FAMILY, QS8_SPMM_TILES.many.map((t) => `${stage}_${t}`))));
    return fn;
  };
  return {
    family: FAMILY,
    packedBytes,
    count: (b) => (countFn(b.b, b.k, b.n, b.strideK, b.strideN, b.zb, 4) as number) >>> 0,
    pack(b, dst) {
      packw(b.b, b.k, b.n, b.strideK, b.strideN, b.unsigned ? 1 : 0, b.zb, 4, b.bias, dst);
    },
    run(ws: Workspace, op: string, x: Int8GemmCall): void {
      if (typeof x.za !== "number" || x.stage === "dequant") throw new Error("qkern internal: sparse GEMM takes per-tensor A and 8-bit or int32 outputs");
      const stage = x.stage;
      const za = x.za;
      const unsigned = x.unsigned ? 1 : 0;
      const one = x.tile !== undefined ? x.tile === QS8_SPMM_TILES.one : x.m === 1 && hasOne;
      if (one) {
        ws.with(op, [packa1Bytes(x.k)], ([a]) => {
          packa1(x.a, x.k, unsigned, za, a!);
          oneTile(stage)(1, x.n, x.k, a!, x.w, x.c, x.ldc, x.params, 0);
        });
        return;
      }
      ws.with(op, [packaBytes(x.m, x.k)], ([a]) => {
        packa(x.a, x.m, x.k, x.k, unsigned, a!);
        const kernel = x.tile !== undefined ? resolveKernel(rt, FAMILY, `${stage}_${x.tile}`) : many(stage);
        kernel(x.m, x.n, x.k, a!, x.w, x.c, x.ldc, x.params, za - (x.unsigned ? 128 : 0));
      });
    },
  };
});
