import { QkernError } from "../errors.js";
import { DTYPE_INFO } from "../dtype.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { clampBounds, outputMultipliers, outputParamsBytes, writeOutputParams, type ClampOptions, type Multipliers, type OutputStage } from "../output-stage.js";
import { pickFirstKernel, pickKernel } from "../registry.js";
import type { KernelFn, Runtime } from "../runtime/runtime.js";
import { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";
import { PackedGemmWeights } from "./pack-gemm-weights.js";

/** What `gemm` produces. */
export type GemmOutput = "int32" | "float32" | { readonly dtype: "int8" | "uint8"; readonly scale: number; readonly zeroPoint?: number };

/** Options of `gemm`. */
export interface GemmOptions extends ClampOptions {
  /**
   * `int32` (default): accumulators, ONNX MatMulInteger (plus the packed bias, if any).
   * `float32`: acc · scaleA[row] · scaleB[col] + floatBias, for dynamically quantized activations.
   * `{ dtype, scale, zeroPoint }`: int8/uint8 through an output stage (ONNX QLinearMatMul with
   * `fp32`, TFLite FULLY_CONNECTED with `fixedpoint`). Ignored when `out` is given.
   */
  readonly output?: GemmOutput;
  /** Caller-provided output [M, N]: int32, float32, or int8/uint8 with per-tensor quant params. */
  readonly out?: Tensor;
  /** Output stage for 8-bit outputs: `fp32` (default) or `fixedpoint`. */
  readonly stage?: OutputStage;
  /** @internal Tests: force a kernel variant tile (e.g. `1x8c2`) and a packa variant's isa. */
  readonly forceTile?: string;
  /** @internal */
  readonly forcePacka?: "scalar" | "simd128";
}

type Kind = "int32" | "float32" | OutputStage;

/**
 * Integer matrix multiply C[M, N] = (A − za) · (B − zb) with packed weights, then an output stage.
 * A is [M, K] int8/uint8; its zero point is per tensor, or per row (quant axis 0) for dynamically
 * quantized activations. All four signedness combinations of A and B run the same SIMD kernel.
 * Weights packed with `reduceRange` (7-bit) run the relaxed build's 7-bit kernels there.
 *
 * @example
 * ```ts
 * const a = qk.tensor(new Uint8Array([130, 120, 128, 140]), [2, 2], { quant: { scale: 0.1, zeroPoint: 128 } });
 * const b = qk.tensor(new Int8Array([1, 2, 3, 4]), [2, 2], { quant: { scale: 0.05 } });
 * using w = packGemmWeights(b);
 * gemm(a, w).toArray();                                                   // Int32Array [-22, -28, 36, 48]  (MatMulInteger)
 * gemm(a, w, { output: { dtype: 'int8', scale: 0.01, zeroPoint: 0 } });  // QLinearMatMul, fp32 stage
 * ```
 */
export function gemm(a: Tensor, w: PackedGemmWeights, options: GemmOptions = {}): Tensor {
  const op = "gemm";
  if (!(w instanceof PackedGemmWeights)) throw new QkernError(op, "weights", `must come from packGemmWeights, got ${String(w)}`);
  const at = checkTensor(op, "a", a, w.dtype === "float32" ? ["float32"] : ["int8", "uint8"]);
  const wPtr = w.checkAlive(op);
  if (w.qk !== at.qk) throw new QkernError(op, "weights", `belong to another qkern instance (${w.qk.isa}) than a (${at.qk.isa})`);
  if (at.shape.length < 2 || at.shape[at.shape.length - 1] !== w.k) {
    throw new QkernError(op, "a", `must be [..., M, K] with K = ${w.k} (the weights' K), got ${at}`);
  }
  const m = at.size / w.k;
  const { k, n } = w;
  const outShape = [...at.shape.slice(0, -1), n];
  if (w.dtype === "float32") return floatGemm(op, at, w, wPtr, m, outShape, options);
  const aq = at.quant;
  if (aq !== null && isPerAxisQuant(aq) && (aq.axis !== 0 || at.shape.length !== 2)) {
    throw new QkernError(op, "a", `per-axis parameters of A must be per row of a 2-D A (axis 0), got axis ${aq.axis} (${at})`);
  }
  const perRowA = aq !== null && isPerAxisQuant(aq);
  const za = perRowA ? aq.zeroPoint : aq === null ? 0 : (aq as PerTensorQuant).zeroPoint;
  checkOverflow(op, at, za, w);

  const { out, kind } = prepareOutput(op, at, outShape, options);
  const rt = at.rt;
  let params = 0;
  try {
    if (kind !== "int32") params = stageParams(op, rt, at, w, out, kind, options);
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  if (m === 0) return out;
  if (w.format === "sparse") {
    try {
      sparseGemm(op, rt, at, w, wPtr, out, kind, za, params, m, options.forceTile);
    } catch (e) {
      if (out !== options.out) out.dispose();
      throw e;
    }
    return out;
  }
  // One scratch block: packed A | row sums (7-bit weights: row sums, zero points, partial sums) |
  // zero points | row scales (16-byte aligned pieces).
  const w7 = w.packing === "w7";
  const rows = (m + 3) & ~3;
  const rowsumsAt = w7 ? (rows * ((k + 3) & ~3) + 15) & ~15 : rows * (k + (k & 1)) * 2;
  const zaAt = rowsumsAt + rows * (w7 ? 40 : 4);
  const scaleAt = zaAt + ((4 * (perRowA ? m : 1) + 15) & ~15);
  const scratch = rt.alloc(scaleAt + 4 * (perRowA ? m : 1), op);
  try {
    const v = rt.views();
    if (perRowA) v.i32.set(za as Int32Array, (scratch + zaAt) >>> 2);
    else v.i32[(scratch + zaAt) >>> 2] = za as number;
    if (kind === "float32") {
      if (perRowA) v.f32.set((aq as { scale: Float32Array }).scale, (scratch + scaleAt) >>> 2);
      else v.f32[(scratch + scaleAt) >>> 2] = (aq as PerTensorQuant).scale;
    }
    const family = w7 ? "qs8_w7_gemm" : "qs8_gemm";
    const kernels = gemmKernels(rt, family);
    const packa = options.forcePacka && !w7 ? rt.kernel(`qs8_gemm_packa__${options.forcePacka}`) : kernels.packa;
    packa(at.ptr, m, k, k, at.dtype === "uint8" ? 1 : 0, scratch + zaAt, perRowA ? 4 : 0, scratch, scratch + rowsumsAt);
    const stage = kind === "float32" ? "dequant" : kind;
    const kernel = options.forceTile ? pickKernel(rt, family, `${stage}_${options.forceTile}`)
      : m === 1 ? kernels.one[stage] : kernels.many[stage];
    const esize = kind === "int32" || kind === "float32" ? 4 : 1;
    kernel(m, n, k, scratch, scratch + rowsumsAt, wPtr, out.ptr, n * esize, params, scratch + scaleAt, perRowA ? 4 : 0);
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  } finally {
    rt.free(scratch);
  }
  return out;
}

/** The sparse path (weights packed in 1×4 blocks): per-tensor A, int32 / fp32 / fixedpoint outputs. */
function sparseGemm(
  op: string, rt: Runtime, a: Tensor, w: PackedGemmWeights, wPtr: number, out: Tensor, kind: Kind, za: number | Int32Array, params: number, m: number,
  forceTile?: string,
): void {
  if (typeof za !== "number") throw new QkernError(op, "a", `per-row zero points are not available with sparse weights (${a})`);
  const k = w.k;
  const kp = (k + 3) & ~3;
  const unsigned = a.dtype === "uint8" ? 1 : 0;
  const esize = kind === "int32" ? 4 : 1;
  const one = forceTile ? forceTile === "1x1c8" : m === 1 && rt.isa !== "scalar";
  const bytes = one ? 2 * kp : Math.ceil(m / 8) * 8 * kp;
  const scratch = rt.alloc(bytes, op);
  try {
    if (one) {
      pickKernel(rt, "qs8_spmm", "packa1")(a.ptr, k, unsigned, za, scratch);
      pickKernel(rt, "qs8_spmm", `${kind}_1x1c8`)(1, w.n, k, scratch, wPtr, out.ptr, w.n * esize, params, 0);
    } else {
      pickKernel(rt, "qs8_spmm", "packa")(a.ptr, m, k, k, unsigned, scratch);
      const kernel = forceTile ? pickKernel(rt, "qs8_spmm", `${kind}_${forceTile}`) : pickFirstKernel(rt, "qs8_spmm", [`${kind}_8x1`, `${kind}_1x1`]);
      kernel(m, w.n, k, scratch, wPtr, out.ptr, w.n * esize, params, za - (unsigned ? 128 : 0));
    }
  } finally {
    rt.free(scratch);
  }
}

type StageName = "int32" | "fp32" | "fixedpoint" | "dequant";
interface GemmKernels {
  readonly packa: KernelFn;
  readonly many: Record<StageName, KernelFn>;
  readonly one: Record<StageName, KernelFn>;
}
const kernelCache = new WeakMap<Runtime, Map<string, GemmKernels>>();
/** Tiles in order of preference, for M > 1 and M = 1, per family: 8-bit weights, or 7-bit weights in the relaxed build. */
const TILES = {
  qs8_gemm: { many: ["4x8c2", "1x8c2"], one: ["1x32c2", "4x8c2", "1x8c2"] },
  qs8_w7_gemm: { many: ["4x8c4"], one: ["1x32c4", "4x8c4"] },
} as const;

/** The build's best packer and kernels per stage, for M > 1 and M = 1, resolved once. */
function gemmKernels(rt: Runtime, family: keyof typeof TILES): GemmKernels {
  let byFamily = kernelCache.get(rt);
  if (!byFamily) kernelCache.set(rt, (byFamily = new Map()));
  let k = byFamily.get(family);
  if (!k) {
    const stages: StageName[] = ["int32", "fp32", "fixedpoint", "dequant"];
    const pick = (tiles: readonly string[]): Record<StageName, KernelFn> =>
      Object.fromEntries(stages.map((s) => [s, pickFirstKernel(rt, family, tiles.map((t) => `${s}_${t}`))])) as Record<StageName, KernelFn>;
    k = { packa: pickKernel(rt, family, "packa"), many: pick(TILES[family].many), one: pick(TILES[family].one) };
    byFamily.set(family, k);
  }
  return k;
}

/** float32 weights: acc = bias + Σ a·w in order (float32), clamped by activation / clampMin / clampMax. */
function floatGemm(op: string, a: Tensor, w: PackedGemmWeights, wPtr: number, m: number, shape: number[], options: GemmOptions): Tensor {
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, ["float32"]);
    checkSameInstance(op, a, [["options.out", out]]);
    checkOutShape(op, "options.out", out, shape, () => `a: ${a}`);
  } else out = a.qk.empty("float32", shape);
  const rt = a.rt;
  try {
    const [lo, hi] = floatClamp(op, options);
    if (m === 0) return out;
    const mm = rt.alloc(8, op);
    try {
      rt.views().f32.set([lo, hi], mm >>> 2);
      pickFirstKernel(rt, "f32_gemm", ["minmax_4x8", "minmax_1x8"])(m, w.n, w.k, a.ptr, 4 * w.k, wPtr, out.ptr, 4 * w.n, mm);
    } finally {
      rt.free(mm);
    }
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}

/** Real-valued clamp bounds from activation / clampMin / clampMax (float outputs). */
export function floatClamp(op: string, options: ClampOptions): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  const act = options.activation ?? "none";
  if (act === "relu" || act === "relu6") lo = 0;
  if (act === "relu6") hi = 6;
  if (act !== "none" && act !== "relu" && act !== "relu6") throw new QkernError(op, "options.activation", `must be 'none', 'relu' or 'relu6', got ${String(act)}`);
  if (options.clampMin !== undefined) lo = Math.max(lo, options.clampMin);
  if (options.clampMax !== undefined) hi = Math.min(hi, options.clampMax);
  if (!(lo <= hi)) throw new QkernError(op, "options", `clamp bounds are empty: [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Refuses K where |A − za| · |B − zb| · K + |bias| could leave int32. */
function checkOverflow(op: string, a: Tensor, za: number | Int32Array, w: PackedGemmWeights): void {
  const ar = DTYPE_INFO[a.dtype];
  let maxA = 0;
  if (typeof za === "number") maxA = Math.max(za - ar.min, ar.max - za);
  else for (const z of za) maxA = Math.max(maxA, z - ar.min, ar.max - z);
  const maxB = w.maxAbsB;
  const bound = w.k * maxA * maxB + w.maxAbsBias;
  if (bound >= 2 ** 31) {
    throw new QkernError(op, "a", `K = ${w.k} risks int32 overflow: ${w.k} · ${maxA} · ${maxB} + |bias| ${w.maxAbsBias} >= 2^31 ` +
      `(a: ${a}); split K into parts of at most ${Math.floor((2 ** 31 - 1 - w.maxAbsBias) / (maxA * maxB))}`);
  }
}

function prepareOutput(op: string, a: Tensor, shape: number[], options: GemmOptions): { out: Tensor; kind: Kind } {
  const stage = options.stage ?? "fp32";
  if (stage !== "fp32" && stage !== "fixedpoint") throw new QkernError(op, "options.stage", `must be 'fp32' or 'fixedpoint', got ${String(stage)}`);
  if (options.out !== undefined) {
    const out = checkTensor(op, "options.out", options.out, ["int32", "float32", "int8", "uint8"]);
    checkSameInstance(op, a, [["options.out", out]]);
    checkOutShape(op, "options.out", out, shape, () => `a: ${a}`);
    if (out.dtype === "int32" || out.dtype === "float32") return { out, kind: out.dtype };
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
    return { out, kind: stage };
  }
  const spec = options.output ?? "int32";
  if (spec === "int32" || spec === "float32") return { out: a.qk.empty(spec, shape), kind: spec };
  if (spec === null || typeof spec !== "object" || (spec.dtype !== "int8" && spec.dtype !== "uint8")) {
    throw new QkernError(op, "options.output", `must be 'int32', 'float32' or { dtype: 'int8' | 'uint8', scale, zeroPoint }, got ${JSON.stringify(spec)}`);
  }
  return { out: a.qk.empty(spec.dtype, shape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } }), kind: stage };
}

/** The output-stage params block for this call, cached on the weights by its inputs. */
function stageParams(op: string, rt: Runtime, a: Tensor, w: PackedGemmWeights, out: Tensor, kind: Exclude<Kind, "int32">, options: GemmOptions): number {
  if (w.scales === null) throw new QkernError(op, "weights", `have no scales (pack int8/uint8 weights with quant params) but the ${kind} output needs them`);
  const aq = a.quant;
  if (aq === null) throw new QkernError(op, "a", `has no quantization parameters, needed for the ${kind} output (${a})`);
  const np = Math.ceil(w.n / 8) * 8;
  if (kind === "float32") {
    // Refused here, before a block is cached on the weights: a refused call changes nothing.
    if (w.format === "sparse") throw new QkernError(op, "options.output", "float32 output is not available for sparse weights; pack them with sparse: false");
    let ptr = w.stageCache.get("f32");
    if (ptr === undefined) {
      ptr = rt.alloc(16 + 8 * np, op);
      const v = rt.views();
      v.i32[(ptr >>> 2) + 3] = np;
      v.f32.set(padTo(w.scales, np), (ptr >>> 2) + 4);
      v.f32.set(w.floatBias ? padTo(w.floatBias, np) : new Float32Array(np), (ptr >>> 2) + 4 + np);
      w.stageCache.set("f32", ptr);
    }
    return ptr;
  }
  if (isPerAxisQuant(aq)) {
    throw new QkernError(op, "a", `per-row activation parameters need the float32 output; 8-bit outputs take per-tensor A (${a})`);
  }
  const oq = out.quant as PerTensorQuant;
  const last = w.lastStage;
  if (last !== null && last.kind === kind && last.aScale === aq.scale && last.outScale === oq.scale && last.outZeroPoint === oq.zeroPoint && last.outDtype === out.dtype &&
    last.activation === options.activation && last.clampMin === options.clampMin && last.clampMax === options.clampMax &&
    w.stageCache.get(last.key) === last.ptr) {
    return last.ptr;
  }
  const [qmin, qmax] = clampBounds(op, out.dtype, oq.zeroPoint, oq.scale, options);
  const key = `${kind}|${aq.scale}|${oq.scale}|${oq.zeroPoint}|${qmin}|${qmax}`;
  let ptr = w.stageCache.get(key);
  if (ptr === undefined) {
    const mult = outputMultipliers(kind, aq.scale, w.scales, oq.scale, w.n, { op, argument: out === options.out ? "options.out" : "options.output", shapes: `a: ${a}` });
    const padded: Multipliers = mult.stage === "fp32"
      ? { stage: "fp32", scale: padTo(mult.scale, np) }
      : { stage: "fixedpoint", multiplier: padTo(mult.multiplier, np), shift: padTo(mult.shift, np) };
    ptr = rt.alloc(outputParamsBytes(kind, np), op);
    writeOutputParams(rt, ptr, padded, oq.zeroPoint, qmin, qmax);
    if (w.stageCache.size >= 8) {
      const [oldKey, oldPtr] = w.stageCache.entries().next().value as [string, number];
      rt.free(oldPtr);
      w.stageCache.delete(oldKey);
    }
    w.stageCache.set(key, ptr);
  }
  w.lastStage = {
    kind, aScale: aq.scale, outScale: oq.scale, outZeroPoint: oq.zeroPoint, outDtype: out.dtype, activation: options.activation,
    clampMin: options.clampMin, clampMax: options.clampMax, key, ptr,
  };
  return ptr;
}

function padTo<T extends Float32Array | Int32Array>(v: T, length: number): T {
  const out = new (v.constructor as new (n: number) => T)(length);
  out.set(v);
  out.fill(v[v.length - 1] ?? 0, v.length);
  return out;
}
