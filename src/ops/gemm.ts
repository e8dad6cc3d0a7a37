import { QkernError } from "../errors.js";
import { DTYPE_INFO } from "../dtype.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { outputParams } from "../kernels/output.js";
import { clampBounds, floatClamp, outputMultipliers, type ClampOptions, type Multipliers, type OutputStage } from "../output-stage.js";
import { f32Gemm } from "../kernels/f32_gemm.js";
import type { GemmStage } from "../kernels/int8-gemm.js";
import type { Runtime } from "../runtime/runtime.js";
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
  w.checkUse(op, "a", at);
  if (at.shape.length < 2 || at.shape[at.shape.length - 1] !== w.k) {
    throw new QkernError(op, "a", `must be [..., M, K] with K = ${w.k} (the weights' K), got ${at}`);
  }
  const m = at.size / w.k;
  const { k, n } = w;
  const outShape = [...at.shape.slice(0, -1), n];
  if (w.kernels === null) return floatGemm(op, at, w, m, outShape, options);
  const aq = at.quant;
  if (aq !== null && isPerAxisQuant(aq) && (aq.axis !== 0 || at.shape.length !== 2)) {
    throw new QkernError(op, "a", `per-axis parameters of A must be per row of a 2-D A (axis 0), got axis ${aq.axis} (${at})`);
  }
  const perRowA = aq !== null && isPerAxisQuant(aq);
  const za = perRowA ? aq.zeroPoint : aq === null ? 0 : (aq as PerTensorQuant).zeroPoint;
  checkOverflow(op, at, za, w);

  const { out, kind } = prepareOutput(op, at, outShape, options);
  const rt = at.rt;
  try {
    const params = kind === "int32" ? 0 : stageParams(op, rt, at, w, out, kind, options);
    if (m === 0) return out;
    if (w.format === "sparse" && typeof za !== "number") throw new QkernError(op, "a", `per-row zero points are not available with sparse weights (${at})`);
    const stage: GemmStage = kind === "float32" ? "dequant" : kind;
    const aScale = stage !== "dequant" ? null : perRowA ? (aq as { scale: Float32Array }).scale : (aq as PerTensorQuant).scale;
    w.kernels.run(rt.workspace, op, {
      a: at.ptr, m, n, k, unsigned: at.dtype === "uint8", za, aScale, w: w.ptr, c: out.ptr, ldc: n * (kind === "int32" || kind === "float32" ? 4 : 1),
      stage, params, tile: options.forceTile, packaIsa: options.forcePacka,
    });
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}

/** float32 weights: acc = bias + Σ a·w in order (float32), clamped by activation / clampMin / clampMax. */
function floatGemm(op: string, a: Tensor, w: PackedGemmWeights, m: number, shape: number[], options: GemmOptions): Tensor {
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
    f32Gemm(rt).run(rt.workspace, op, a.ptr, m, w.k, w.n, w.ptr, out.ptr, lo, hi);
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
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
    const scales = w.scales;
    return w.cachedParams("dequant", () => {
      const params = outputParams(rt);
      const ptr = rt.alloc(params.bytes("dequant", np), op);
      params.writeDequant(ptr, np, scales, w.floatBias);
      return ptr;
    });
  }
  if (isPerAxisQuant(aq)) {
    throw new QkernError(op, "a", `per-row activation parameters need the float32 output; 8-bit outputs take per-tensor A (${a})`);
  }
  const oq = out.quant as PerTensorQuant;
  const last = w.lastStage;
  if (last !== null && last.kind === kind && last.aScale === aq.scale && last.outScale === oq.scale && last.outZeroPoint === oq.zeroPoint && last.outDtype === out.dtype &&
    last.activation === options.activation && last.clampMin === options.clampMin && last.clampMax === options.clampMax &&
    w.reuseParams(last.key, last.ptr)) {
    return last.ptr;
  }
  const [qmin, qmax] = clampBounds(op, out.dtype, oq.zeroPoint, oq.scale, options);
  const key = `${kind}|${aq.scale}|${oq.scale}|${oq.zeroPoint}|${qmin}|${qmax}`;
  const scales = w.scales;
  const ptr = w.cachedParams(key, () => {
    const mult = outputMultipliers(kind, aq.scale, scales, oq.scale, w.n, { op, argument: out === options.out ? "options.out" : "options.output", shapes: `a: ${a}` });
    const padded: Multipliers = mult.stage === "fp32"
      ? { stage: "fp32", scale: padTo(mult.scale, np) }
      : { stage: "fixedpoint", multiplier: padTo(mult.multiplier, np), shift: padTo(mult.shift, np) };
    const params = outputParams(rt);
    const block = rt.alloc(params.bytes(kind, np), op);
    params.write(block, padded, oq.zeroPoint, qmin, qmax);
    return block;
  });
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
