import { QkernError } from "../errors.js";
import { DTYPE_INFO } from "../dtype.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { clampBounds, outputMultipliers, outputParamsBytes, writeOutputParams, type ClampOptions, type Multipliers, type OutputStage } from "../output-stage.js";
import { pickFirstKernel, pickKernel } from "../registry.js";
import type { Runtime } from "../runtime/runtime.js";
import { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor, runOrDispose, withScratch } from "./common.js";
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
  const at = checkTensor(op, "a", a, ["int8", "uint8"]);
  if (!(w instanceof PackedGemmWeights)) throw new QkernError(op, "weights", `must come from packGemmWeights, got ${String(w)}`);
  const wPtr = w.ptr(op);
  if (w.qk !== at.qk) throw new QkernError(op, "weights", `belong to another qkern instance (${w.qk.isa}) than a (${at.qk.isa})`);
  if (at.shape.length !== 2 || at.shape[1] !== w.k) {
    throw new QkernError(op, "a", `must be [M, K] with K = ${w.k} (the weights' K), got ${at}`);
  }
  const m = at.shape[0] as number;
  const { k, n } = w;
  const aq = at.quant;
  if (aq !== null && isPerAxisQuant(aq) && aq.axis !== 0) {
    throw new QkernError(op, "a", `per-axis parameters of A must be per row (axis 0), got axis ${aq.axis} (${at})`);
  }
  const za = aq === null ? Int32Array.of(0) : isPerAxisQuant(aq) ? aq.zeroPoint : Int32Array.of(aq.zeroPoint);
  checkOverflow(op, at, za, w);

  const { out, kind } = prepareOutput(op, at, m, n, options);
  const rt = at.rt;
  return runOrDispose(out, options.out, () => {
    const params = kind === "int32" ? 0 : stageParams(op, rt, at, w, out, kind, options);
    const perRowScale = kind === "float32" && aq !== null && isPerAxisQuant(aq);
    if (m === 0) return out;
    const kp = k + (k & 1);
    const rows = Math.ceil(m / 4) * 4;
    const sizes = [rows * kp * 2, rows * 4, za.length * 4, kind === "float32" ? (perRowScale ? 4 * m : 4) : 0];
    withScratch(rt, op, sizes, ([packed, rowsums, zaPtr, scalePtr]) => {
      const v = rt.views();
      v.i32.set(za, zaPtr! >> 2);
      if (kind === "float32") {
        if (perRowScale) v.f32.set((aq as { scale: Float32Array }).scale, scalePtr! >> 2);
        else v.f32[scalePtr! >> 2] = (aq as PerTensorQuant).scale;
      }
      const packa = options.forcePacka ? rt.kernel(`qs8_gemm_packa__${options.forcePacka}`) : pickKernel(rt, "qs8_gemm", "packa");
      packa(at.ptr, m, k, k, at.dtype === "uint8" ? 1 : 0, zaPtr!, za.length > 1 ? 4 : 0, packed!, rowsums!);
      const stage = kind === "float32" ? "f32" : kind;
      const tiles = options.forceTile ? [options.forceTile] : m === 1 ? ["1x32c2", "4x8c2", "1x8c2"] : ["4x8c2", "1x8c2"];
      const kernel = pickFirstKernel(rt, "qs8_gemm", tiles.map((t) => `${stage}_${t}`));
      const esize = out.dtype === "int32" || out.dtype === "float32" ? 4 : 1;
      kernel(m, n, k, packed!, rowsums!, wPtr, out.ptr, n * esize, params, scalePtr ?? 0, perRowScale ? 4 : 0);
    });
    return out;
  });
}

/** Refuses K where |A − za| · |B − zb| · K + |bias| could leave int32. */
function checkOverflow(op: string, a: Tensor, za: Int32Array, w: PackedGemmWeights): void {
  const ar = DTYPE_INFO[a.dtype];
  const br = DTYPE_INFO[w.dtype];
  let maxA = 0;
  for (const z of za) maxA = Math.max(maxA, z - ar.min, ar.max - z);
  let maxB = 0;
  for (const z of w.zeroPoints) maxB = Math.max(maxB, z - br.min, br.max - z);
  const bound = w.k * maxA * maxB + w.maxAbsBias;
  if (bound >= 2 ** 31) {
    throw new QkernError(op, "a", `K = ${w.k} risks int32 overflow: ${w.k} · ${maxA} · ${maxB} + |bias| ${w.maxAbsBias} >= 2^31 ` +
      `(a: ${a}); split K into parts of at most ${Math.floor((2 ** 31 - 1 - w.maxAbsBias) / (maxA * maxB))}`);
  }
}

function prepareOutput(op: string, a: Tensor, m: number, n: number, options: GemmOptions): { out: Tensor; kind: Kind } {
  const stage = options.stage ?? "fp32";
  if (stage !== "fp32" && stage !== "fixedpoint") throw new QkernError(op, "options.stage", `must be 'fp32' or 'fixedpoint', got ${String(stage)}`);
  if (options.out !== undefined) {
    const out = checkTensor(op, "options.out", options.out, ["int32", "float32", "int8", "uint8"]);
    checkSameInstance(op, a, [["options.out", out]]);
    checkOutShape(op, "options.out", out, [m, n], `a: ${a}, N = ${n}`);
    if (out.dtype === "int32" || out.dtype === "float32") return { out, kind: out.dtype };
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
    return { out, kind: stage };
  }
  const spec = options.output ?? "int32";
  if (spec === "int32" || spec === "float32") return { out: a.qk.empty(spec, [m, n]), kind: spec };
  if (spec === null || typeof spec !== "object" || (spec.dtype !== "int8" && spec.dtype !== "uint8")) {
    throw new QkernError(op, "options.output", `must be 'int32', 'float32' or { dtype: 'int8' | 'uint8', scale, zeroPoint }, got ${JSON.stringify(spec)}`);
  }
  return { out: a.qk.empty(spec.dtype, [m, n], { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } }), kind: stage };
}

/** The output-stage params block for this call, cached on the weights by its inputs. */
function stageParams(op: string, rt: Runtime, a: Tensor, w: PackedGemmWeights, out: Tensor, kind: Exclude<Kind, "int32">, options: GemmOptions): number {
  if (w.scales === null) throw new QkernError(op, "weights", `have no scales (pack int8/uint8 weights with quant params) but the ${kind} output needs them`);
  const aq = a.quant;
  if (aq === null) throw new QkernError(op, "a", `has no quantization parameters, needed for the ${kind} output (${a})`);
  const np = Math.ceil(w.n / 8) * 8;
  if (kind === "float32") {
    let ptr = w.stageCache.get("f32");
    if (ptr === undefined) {
      ptr = rt.alloc(16 + 8 * np, op);
      const v = rt.views();
      v.i32[(ptr >> 2) + 3] = np;
      v.f32.set(padTo(w.scales, np), (ptr >> 2) + 4);
      v.f32.set(w.floatBias ? padTo(w.floatBias, np) : new Float32Array(np), (ptr >> 2) + 4 + np);
      w.stageCache.set("f32", ptr);
    }
    return ptr;
  }
  if (isPerAxisQuant(aq)) {
    throw new QkernError(op, "a", `per-row activation parameters need the float32 output; 8-bit outputs take per-tensor A (${a})`);
  }
  const oq = out.quant as PerTensorQuant;
  const [qmin, qmax] = clampBounds(op, out.dtype, oq.zeroPoint, oq.scale, options);
  const key = `${kind}|${aq.scale}|${oq.scale}|${oq.zeroPoint}|${qmin}|${qmax}`;
  let ptr = w.stageCache.get(key);
  if (ptr === undefined) {
    const mult = outputMultipliers(kind, aq.scale, w.scales, oq.scale, w.n);
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
  return ptr;
}

function padTo<T extends Float32Array | Int32Array>(v: T, length: number): T {
  const out = new (v.constructor as new (n: number) => T)(length);
  out.set(v);
  out.fill(v[v.length - 1] ?? 0, v.length);
  return out;
}
