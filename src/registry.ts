// The kernel registry: every export of every kernel family, as data. The bindings in
// src/kernels/<family>.ts resolve their functions from it, the tests run each row in each build that
// has it, and a test checks it against the exports of every build, so an export cannot be added on
// one side only. The naming legend is docs/kernels.md.

import type { Isa } from "./runtime/load.js";

/**
 * Output stage of a compute kernel: `int32` (accumulators), `fp32` (requantize through a float32
 * multiplier), `fixedpoint` (gemmlowp requantization), `dequant` (float32 output, acc · scaleA ·
 * scaleB + bias), `minmax` (float kernels: float32 output clamped to [min, max]).
 */
export type Stage = "int32" | "fp32" | "fixedpoint" | "dequant" | "minmax";

/** One export of a kernel family: its name is `${family}_${variant}__${isa}`. */
export interface KernelInfo {
  readonly name: string;
  /** What it computes, e.g. `qs8_gemm` (int8 GEMM); the folder `assembly/<family>/` holds it. */
  readonly family: string;
  /** `${stage}_${tile}` for compute kernels (either part alone where the other does not apply), else the role (`packw`, `packa`, `packed_bytes`, ...). */
  readonly variant: string;
  /** The output stage of a compute kernel, or null (packers, converters, layout sizes). */
  readonly stage: Stage | null;
  /** The tile or parameter layout of a compute kernel (e.g. `4x8c2`, `3x3p16c`, `rows`), or null. */
  readonly tile: string | null;
  /** The instruction set it needs; builds from this one up export it. */
  readonly isa: Isa;
}

const ISA_RANK: Record<Isa, number> = { scalar: 0, simd128: 1, relaxed: 2 };

interface FamilyRows {
  readonly family: string;
  readonly isas: readonly Isa[];
  /** Compute kernels: every stage × every tile (a missing list means that part is absent). */
  readonly stages?: readonly Stage[];
  readonly tiles?: readonly string[];
  /** Other exports: packers, helpers, layout sizes. */
  readonly roles?: readonly string[];
}

/** Exports of the scalar build, which the simd128 and relaxed builds re-export: every build has them. */
const EVERY: readonly Isa[] = ["scalar"];
const Q8_STAGES: readonly Stage[] = ["int32", "fp32", "fixedpoint"];
const GEMM_STAGES: readonly Stage[] = ["int32", "fp32", "fixedpoint", "dequant"];

const FAMILIES: readonly FamilyRows[] = [
  { family: "output", roles: ["params_bytes", "params_offset"], isas: EVERY },
  { family: "f32_q8_vcvt", tiles: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "q8_f32_vcvt", tiles: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "qs32_f32_vcvt", tiles: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "qs32_q8_requant", stages: ["fp32", "fixedpoint"], tiles: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "f32_rminmax", tiles: ["rows"], isas: ["scalar", "simd128"] },
  { family: "q8_q4", roles: ["pack"], isas: ["scalar", "simd128"] },
  { family: "q4_q8", roles: ["unpack"], isas: ["scalar", "simd128"] },
  { family: "qs8_gemm", roles: ["packw", "packed_bytes", "packa_bytes", "rowsums_bytes"], isas: EVERY },
  { family: "qs8_gemm", roles: ["packa"], isas: ["scalar", "simd128"] },
  { family: "qs8_gemm", stages: GEMM_STAGES, tiles: ["1x8c2"], isas: ["scalar"] },
  { family: "qs8_gemm", stages: GEMM_STAGES, tiles: ["4x8c2", "1x32c2"], isas: ["simd128"] },
  { family: "qs8_w7_gemm", roles: ["packw", "packa", "packed_bytes", "packa_bytes", "rowsums_bytes"], isas: ["relaxed"] },
  { family: "qs8_w7_gemm", stages: GEMM_STAGES, tiles: ["4x8c4", "1x32c4"], isas: ["relaxed"] },
  { family: "qs8_dwconv", roles: ["expand", "packw", "packed_bytes"], isas: EVERY },
  ...(["qs8_dwconv", "qu8_dwconv"] as const).flatMap((family): FamilyRows[] => [
    { family, stages: Q8_STAGES, tiles: ["anyp1c"], isas: ["scalar"] },
    { family, stages: Q8_STAGES, tiles: ["3x3p16c", "5x5p16c", "anyp16c"], isas: ["simd128"] },
    { family, stages: Q8_STAGES, tiles: ["anyp16w"], isas: ["simd128", "relaxed"] },
  ]),
  { family: "qs8_dwconv", roles: ["scratch_bytes"], isas: ["simd128"] },
  { family: "f32_dwconv", roles: ["packw", "packed_bytes"], isas: EVERY },
  { family: "f32_dwconv", stages: ["minmax"], tiles: ["anyp1c"], isas: ["scalar"] },
  { family: "f32_dwconv", stages: ["minmax"], tiles: ["3x3p16c", "5x5p16c", "anyp16c"], isas: ["simd128"] },
  { family: "qb4_gemm", roles: ["packw", "packa_f32", "packa_q8", "packed_bytes", "packa_bytes", "decoded_bytes"], isas: EVERY },
  { family: "qb4_gemm", stages: ["dequant", "int32"], tiles: ["1x4c32"], isas: ["scalar", "simd128", "relaxed"] },
  { family: "qb4_gemm", stages: ["dequant"], tiles: ["4x8c2"], isas: ["simd128"] },
  { family: "qp4_gemm", roles: ["packw", "packed_bytes"], isas: EVERY },
  { family: "qp4_gemm", stages: ["dequant", "int32"], tiles: ["1x4c32"], isas: ["scalar", "simd128", "relaxed"] },
  { family: "qs8_spmm", roles: ["count", "packw", "packa1", "packed_bytes", "packa_bytes", "packa1_bytes"], isas: EVERY },
  { family: "qs8_spmm", roles: ["packa"], isas: ["scalar", "simd128"] },
  { family: "qs8_spmm", stages: Q8_STAGES, tiles: ["1x1"], isas: ["scalar"] },
  { family: "qs8_spmm", stages: Q8_STAGES, tiles: ["8x1", "1x1c8"], isas: ["simd128"] },
  { family: "f32_gemm", roles: ["packw", "packed_bytes"], isas: EVERY },
  { family: "f32_gemm", stages: ["minmax"], tiles: ["1x8"], isas: ["scalar"] },
  { family: "f32_gemm", stages: ["minmax"], tiles: ["4x8"], isas: ["simd128"] },
  { family: "im2col", tiles: ["any"], isas: ["scalar"] },
  { family: "q8_vadd", stages: ["fp32"], isas: ["scalar", "simd128"] },
  { family: "q8_vadd", stages: ["fixedpoint"], isas: ["scalar"] },
  { family: "x8_lut", tiles: ["256", "strided"], isas: ["scalar"] },
  { family: "x8_ibilinear", tiles: ["q11", "q10"], isas: ["scalar"] },
  { family: "q8_vmul", tiles: ["channels"], isas: ["scalar"] },
  { family: "q8_vbin", stages: ["fp32", "fixedpoint"], tiles: ["add", "mul"], isas: ["scalar"] },
  { family: "q8_vbin", stages: ["fp32"], tiles: ["add"], isas: ["simd128"] },
  { family: "q8_pool", roles: ["max", "gsum"], isas: ["scalar", "simd128"] },
  { family: "q8_pool", roles: ["sum"], isas: ["scalar"] },
];

function rowsOf(f: FamilyRows): KernelInfo[] {
  const variants: Array<{ variant: string; stage: Stage | null; tile: string | null }> = [];
  if (f.stages !== undefined || f.tiles !== undefined) {
    for (const stage of f.stages ?? [null]) {
      for (const tile of f.tiles ?? [null]) {
        variants.push({ variant: [stage, tile].filter((s) => s !== null).join("_"), stage, tile });
      }
    }
  }
  for (const role of f.roles ?? []) variants.push({ variant: role, stage: null, tile: null });
  return variants.flatMap((v) => f.isas.map((isa) => ({ name: `${f.family}_${v.variant}__${isa}`, family: f.family, ...v, isa })));
}

/**
 * Every export of every kernel family in every build that has it: compute kernels (with their
 * `stage` and `tile`), packers and layout sizes.
 *
 * @example
 * ```ts
 * const gemm = KERNELS.filter((k) => k.family === 'qs8_gemm' && k.stage === 'fp32').map((k) => k.name);
 * console.log(KERNELS.length, gemm);
 * console.log(qk.raw.kernels.length, 'of them in the', qk.isa, 'build');
 * ```
 */
export const KERNELS: readonly KernelInfo[] = FAMILIES.flatMap(rowsOf);

/** Whether a build (by its isa) contains a kernel. */
export function buildHas(build: Isa, kernel: KernelInfo): boolean {
  return ISA_RANK[kernel.isa] <= ISA_RANK[build];
}

/** The row of a family's variant with the highest isa that the build contains, if any. */
export function bestRow(build: Isa, family: string, variant: string): KernelInfo | undefined {
  let best: KernelInfo | undefined;
  for (const k of KERNELS) {
    if (k.family === family && k.variant === variant && buildHas(build, k) && (!best || ISA_RANK[k.isa] > ISA_RANK[best.isa])) best = k;
  }
  return best;
}
