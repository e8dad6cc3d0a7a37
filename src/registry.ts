// The kernel registry: every microkernel the wasm builds export, as data. Dispatch, the tests
// (each row × each build that has it) and the benches read it; a test checks it against the
// exports of every build, so a kernel cannot be added on one side only.

import type { Isa } from "./runtime/load.js";
import type { KernelFn, Runtime } from "./runtime/runtime.js";

/** One microkernel: its export name is `${family}_${variant}__${isa}`. */
export interface KernelInfo {
  readonly name: string;
  /** What it computes, e.g. `f32_q8_vcvt` (float32 → 8-bit convert). */
  readonly family: string;
  /** Layout or output-stage variant within the family, e.g. `rows`, `fp32_cols`. */
  readonly variant: string;
  /** The instruction set it needs; builds from this one up export it. */
  readonly isa: Isa;
}

const ISA_RANK: Record<Isa, number> = { scalar: 0, simd128: 1, relaxed: 2 };

const FAMILIES: ReadonlyArray<{ family: string; variants: readonly string[]; isas: readonly Isa[] }> = [
  { family: "f32_q8_vcvt", variants: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "q8_f32_vcvt", variants: ["rows", "cols"], isas: ["scalar", "simd128"] },
  { family: "qs32_f32_vcvt", variants: ["rows", "cols"], isas: ["scalar", "simd128"] },
  {
    family: "qs32_q8_requant",
    variants: ["fp32_rows", "fp32_cols", "fixedpoint_rows", "fixedpoint_cols"],
    isas: ["scalar", "simd128"],
  },
  { family: "f32_rminmax", variants: ["rows"], isas: ["scalar", "simd128"] },
  { family: "q8_q4", variants: ["pack"], isas: ["scalar", "simd128"] },
  { family: "q4_q8", variants: ["unpack"], isas: ["scalar", "simd128"] },
  { family: "qs8_gemm", variants: ["packw"], isas: ["scalar"] },
  { family: "qs8_gemm", variants: ["packa"], isas: ["scalar", "simd128"] },
  { family: "qs8_gemm", variants: ["int32_1x8c2", "fp32_1x8c2", "fixedpoint_1x8c2", "dequant_1x8c2"], isas: ["scalar"] },
  {
    family: "qs8_gemm",
    variants: [
      "int32_4x8c2", "fp32_4x8c2", "fixedpoint_4x8c2", "dequant_4x8c2",
      "int32_1x32c2", "fp32_1x32c2", "fixedpoint_1x32c2", "dequant_1x32c2",
    ],
    isas: ["simd128"],
  },
  {
    family: "qs8_w7_gemm",
    variants: [
      "packw", "packa",
      "int32_4x8c4", "fp32_4x8c4", "fixedpoint_4x8c4", "dequant_4x8c4",
      "int32_1x32c4", "fp32_1x32c4", "fixedpoint_1x32c4", "dequant_1x32c4",
    ],
    isas: ["relaxed"],
  },
  { family: "qs8_dwconv", variants: ["expand"], isas: ["scalar"] },
  ...(["qs8_dwconv", "qu8_dwconv"] as const).flatMap((family) => [
    { family, variants: ["int32_anyp1c", "fp32_anyp1c", "fixedpoint_anyp1c"], isas: ["scalar"] as Isa[] },
    {
      family,
      variants: ["int32", "fp32", "fixedpoint"].flatMap((s) => ["3x3p16c", "5x5p16c", "anyp16c"].map((t) => `${s}_${t}`)),
      isas: ["simd128"] as Isa[],
    },
  ]),
  { family: "f32_dwconv", variants: ["minmax_anyp1c"], isas: ["scalar"] },
  { family: "f32_dwconv", variants: ["minmax_3x3p16c", "minmax_5x5p16c", "minmax_anyp16c"], isas: ["simd128"] },
  { family: "qb4_gemm", variants: ["packw", "packa_f32", "packa_q8"], isas: ["scalar"] },
  { family: "qb4_gemm", variants: ["dequant_1x4c32", "int32_1x4c32"], isas: ["scalar", "simd128", "relaxed"] },
  { family: "qb4_gemm", variants: ["dequant_4x8c2"], isas: ["simd128"] },
  { family: "qp4_gemm", variants: ["packw"], isas: ["scalar"] },
  { family: "qp4_gemm", variants: ["dequant_1x4c32", "int32_1x4c32"], isas: ["scalar", "simd128", "relaxed"] },
  { family: "qs8_spmm", variants: ["count", "packw", "packa1", "int32_1x1", "fp32_1x1", "fixedpoint_1x1"], isas: ["scalar"] },
  { family: "qs8_spmm", variants: ["packa", "int32_8x1", "fp32_8x1", "fixedpoint_8x1"], isas: ["simd128"] },
  { family: "qs8_spmm", variants: ["packa"], isas: ["scalar"] },
  { family: "qs8_spmm", variants: ["int32_1x1c8", "fp32_1x1c8", "fixedpoint_1x1c8"], isas: ["simd128"] },
  { family: "f32_gemm", variants: ["packw", "minmax_1x8"], isas: ["scalar"] },
  { family: "f32_gemm", variants: ["minmax_4x8"], isas: ["simd128"] },
  { family: "im2col", variants: ["any"], isas: ["scalar"] },
  { family: "q8_vadd", variants: ["fp32"], isas: ["scalar", "simd128"] },
  { family: "q8_vadd", variants: ["fixedpoint"], isas: ["scalar"] },
  { family: "x8_lut", variants: ["256", "strided"], isas: ["scalar"] },
  { family: "q8_vmul", variants: ["channels"], isas: ["scalar"] },
  { family: "q8_pool", variants: ["max", "gsum"], isas: ["scalar", "simd128"] },
  { family: "q8_pool", variants: ["sum"], isas: ["scalar"] },
];

/**
 * Every kernel in every build that has it.
 *
 * @example
 * ```ts
 * const gemm = KERNELS.filter((k) => k.family === 'qs8_gemm').map((k) => k.name);
 * console.log(KERNELS.length, gemm.slice(0, 3));
 * console.log(qk.raw.kernels.length, 'of them in the', qk.isa, 'build');
 * ```
 */
export const KERNELS: readonly KernelInfo[] = FAMILIES.flatMap(({ family, variants, isas }) =>
  variants.flatMap((variant) => isas.map((isa) => ({ name: `${family}_${variant}__${isa}`, family, variant, isa }))),
);

/** Whether a build (by its isa) contains a kernel. */
export function buildHas(build: Isa, kernel: KernelInfo): boolean {
  return ISA_RANK[kernel.isa] <= ISA_RANK[build];
}

/** Whether the runtime's build contains a kernel of this family and variant. */
export function hasKernel(rt: Runtime, family: string, variant: string): boolean {
  return KERNELS.some((k) => k.family === family && k.variant === variant && buildHas(rt.isa, k));
}

/** The first of `variants` (in order of preference) that the runtime's build contains. */
export function pickFirstKernel(rt: Runtime, family: string, variants: readonly string[]): KernelFn {
  for (const v of variants) {
    if (hasKernel(rt, family, v)) return pickKernel(rt, family, v);
  }
  throw new Error(`qkern internal: none of ${family} ${variants.join(", ")} in the ${rt.isa} build`);
}

const chosen = new WeakMap<Runtime, Map<string, KernelFn>>();

/** The best kernel of a family/variant that the runtime's build contains. */
export function pickKernel(rt: Runtime, family: string, variant: string): KernelFn {
  let cache = chosen.get(rt);
  if (!cache) {
    cache = new Map();
    chosen.set(rt, cache);
  }
  const key = `${family}_${variant}`;
  let fn = cache.get(key);
  if (!fn) {
    let best: KernelInfo | undefined;
    for (const k of KERNELS) {
      if (k.family === family && k.variant === variant && buildHas(rt.isa, k)) {
        if (!best || ISA_RANK[k.isa] > ISA_RANK[best.isa]) best = k;
      }
    }
    if (!best) throw new Error(`qkern internal: no kernel ${key} for the ${rt.isa} build`);
    fn = rt.kernel(best.name);
    cache.set(key, fn);
  }
  return fn;
}
