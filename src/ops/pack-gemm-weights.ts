import { QkernError, describeShape } from "../errors.js";
import { f32Gemm } from "../kernels/f32_gemm.js";
import type { Int8GemmFamily, Int8PackCall } from "../kernels/int8-gemm.js";
import { qs8Gemm } from "../kernels/qs8_gemm.js";
import { qs8Spmm } from "../kernels/qs8_spmm.js";
import { hasQs8W7Gemm, qs8W7Gemm } from "../kernels/qs8_w7_gemm.js";
import { PackedWeights } from "../packed-weights.js";
import { REDUCED_RANGE, isPerAxisQuant } from "../quant.js";
import { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";

/** Options of `packGemmWeights`. */
export interface PackGemmOptions {
  /** `kn` (default): B is [K, N], ONNX MatMul. `nk`: B is [N, K], TFLite FULLY_CONNECTED. */
  readonly layout?: "kn" | "nk";
  /** int32 bias [N], added to the accumulators (all output stages). */
  readonly bias?: ArrayLike<number>;
  /** float32 bias [N], added after scaling by the `float32` output stage. */
  readonly floatBias?: ArrayLike<number>;
  /**
   * Sparse (1×4 blocks along K) or dense packing. `auto` (default) packs sparse when at least
   * `sparseThreshold` of the 1×4 blocks are all zero (the zero point); `true`/`false` force it.
   */
  readonly sparse?: "auto" | boolean;
  /** Block sparsity from which `auto` packs sparse; default SPARSE_THRESHOLD (K ≥ 64) or SPARSE_THRESHOLD_SMALL_K. */
  readonly sparseThreshold?: number;
  /**
   * The weights are 7-bit ("reduce range", ONNX Runtime's quantizer option for x86 without VNNI):
   * int8 in [−64, 63] or uint8 in [0, 127], any zero points (`chooseQuantParams(min, max,
   * { reduceRange: true })` gives such parameters). Packing checks the values and refuses others.
   * The relaxed build then runs its 7-bit kernels (qs8_w7_gemm, relaxed dot products); other builds
   * run their 8-bit kernels. Results are identical either way.
   */
  readonly reduceRange?: boolean;
}

/**
 * Fraction of zero 1×4 blocks from which `packGemmWeights` packs sparse by default. Measured
 * break-even of the sparse kernels against the dense ones here (bench suite `sparse`, simd128):
 * 34–44% for GEMMs with K ≥ 96, 65% for the 1×4096×4096 GEMV, 80% for K = 16. Packing happens
 * before M is known, so the default covers the GEMV too; K < 64 uses SPARSE_THRESHOLD_SMALL_K.
 *
 * @example
 * ```ts
 * // 128 × 64 weights, only the first 16 rows of K nonzero: 87.5% of the 1×4 blocks are zero
 * const b = qk.tensor(Int8Array.from({ length: 128 * 64 }, (_, i) => (i < 16 * 64 ? 3 : 0)), [128, 64], { quant: { scale: 0.01 } });
 * using w = packGemmWeights(b);
 * console.log(w.blockSparsity >= SPARSE_THRESHOLD, w.format); // true 'sparse'
 * ```
 */
export const SPARSE_THRESHOLD = 0.65;
/**
 * `auto` threshold for K < 64, where a column has too few blocks for the sparse kernel to pay.
 *
 * @example
 * ```ts
 * // K = 32: 75% zero blocks is below SPARSE_THRESHOLD_SMALL_K (0.85), so `auto` stays dense
 * const b = qk.tensor(Int8Array.from({ length: 32 * 8 }, (_, i) => (i < 8 * 8 ? 1 : 0)), [32, 8], { quant: { scale: 0.1 } });
 * using w = packGemmWeights(b);
 * console.log(w.blockSparsity, SPARSE_THRESHOLD_SMALL_K, w.format); // 0.75 0.85 'dense'
 * ```
 */
export const SPARSE_THRESHOLD_SMALL_K = 0.85;

/**
 * Weights packed once for `gemm`: column blocks of 8, K pairs interleaved, zero points and the
 * int32 bias stored beside them (see assembly/qs8_gemm/layout.ts). Opaque: pass it to `gemm`
 * for any M, and `dispose()` it when done.
 *
 * @example
 * ```ts
 * const b = qk.tensor(new Int8Array([1, -2, 3, 4, 5, -6]), [3, 2], { quant: { scale: 0.1 } });
 * using w = packGemmWeights(b, { bias: [10, -10] });   // a PackedGemmWeights, K = 3, N = 2
 * console.log(w.k, w.n, w.dtype, w.format);            // 3 2 'int8' 'dense'
 * console.log(gemm(qk.tensor(new Int8Array([1, 1, 1]), [1, 3]), w).toArray()); // Int32Array(2) [ 19, -14 ]
 * ```
 */
export class PackedGemmWeights extends PackedWeights {
  /** Reduction length K and output columns N. */
  readonly k: number;
  readonly n: number;
  /** Storage type of the original weights (float32 weights run the float GEMM). */
  readonly dtype: "int8" | "uint8" | "float32";
  /** `dense` (column blocks of 8) or `sparse` (nonzero 1×4 blocks per column). */
  readonly format: "dense" | "sparse";
  /** Packed with `reduceRange: true`: the values are 7-bit (int8 in [−64, 63], uint8 in [0, 127]). */
  readonly reduceRange: boolean;
  /**
   * @internal The kernel family the bytes are packed for: qs8_gemm, qs8_w7_gemm (7-bit weights in
   * the relaxed build) or qs8_spmm (sparse); null for float32 weights (f32_gemm).
   */
  readonly kernels: Int8GemmFamily | null;
  /** Fraction of 1×4 blocks along K whose 4 weights all equal the zero point. */
  readonly blockSparsity: number;
  /** Bytes the dense packing takes (equal to byteLength when dense). */
  readonly denseByteLength: number;
  /** Weight scale per column (length N; all equal for per-tensor), or null without quant params. */
  readonly scales: Float32Array | null;
  /** Weight zero point per column (length N). */
  readonly zeroPoints: Int32Array;
  /** Largest |bias| (for the overflow check). */
  readonly maxAbsBias: number;
  /** Largest |B − zb| over all columns (for the overflow check). */
  readonly maxAbsB: number;
  /** float32 bias or null. */
  readonly floatBias: Float32Array | null;
  /** Bytes of packed storage (dense or sparse). */
  readonly byteLength: number;
  /** @internal The inputs of the last 8-bit stage lookup, to skip building its key when repeated. */
  lastStage: {
    readonly kind: string; readonly aScale: number; readonly outScale: number; readonly outZeroPoint: number; readonly outDtype: string;
    readonly activation: unknown; readonly clampMin: unknown; readonly clampMax: unknown; readonly key: string; readonly ptr: number;
  } | null = null;

  /** @internal */
  constructor(b: Tensor<"int8" | "uint8" | "float32">, k: number, n: number, layout: "kn" | "nk", options: PackGemmOptions) {
    super(b.qk);
    const op = "packGemmWeights";
    this.k = k;
    this.n = n;
    this.dtype = b.dtype;
    this.reduceRange = options.reduceRange ?? false;
    if (typeof this.reduceRange !== "boolean") throw new QkernError(op, "options.reduceRange", `must be true or false, got ${String(this.reduceRange)}`);
    const rt = this.rt;
    const [strideK, strideN] = layout === "kn" ? [n, 1] : [1, k];
    if (b.dtype === "float32") {
      if (this.reduceRange) throw new QkernError(op, "options.reduceRange", `applies to int8/uint8 weights, got ${b}`);
      this.kernels = null;
      this.scales = null;
      this.zeroPoints = new Int32Array(n);
      this.maxAbsB = 0;
      this.maxAbsBias = 0;
      this.format = "dense";
      this.blockSparsity = 0;
      this.floatBias = options.floatBias === undefined ? null : Float32Array.from(checkVector(op, "options.floatBias", options.floatBias, n, false)!);
      if (options.bias !== undefined) throw new QkernError(op, "options.bias", "float32 weights take floatBias, not an int32 bias");
      const f32 = f32Gemm(rt);
      this.byteLength = this.denseByteLength = f32.packedBytes(k, n);
      const fb = this.floatBias;
      try {
        const dst = this.allocate(this.byteLength, op);
        rt.workspace.with(op, [fb ? 4 * n : 0], ([biasPtr]) => {
          if (fb) rt.views().f32.set(fb, biasPtr! >>> 2);
          f32.pack(b.ptr, k, n, strideK, strideN, fb ? biasPtr! : 0, dst);
        });
      } catch (e) {
        this.dispose();
        throw e;
      }
      return;
    }
    const q = b.quant;
    const nAxis = layout === "kn" ? 1 : 0;
    if (q !== null && isPerAxisQuant(q) && q.axis !== nAxis) {
      throw new QkernError(op, "b", `per-axis parameters must run along the output columns (axis ${nAxis} for layout '${layout}'), got axis ${q.axis} (${b})`);
    }
    this.scales = q === null ? null : isPerAxisQuant(q) ? q.scale.slice() : new Float32Array(n).fill(q.scale);
    this.zeroPoints = q === null ? new Int32Array(n) : isPerAxisQuant(q) ? q.zeroPoint.slice() : new Int32Array(n).fill(q.zeroPoint);
    if (this.reduceRange) checkReducedRange(op, b as Tensor<"int8" | "uint8">, layout);
    const range = this.reduceRange ? REDUCED_RANGE[b.dtype] : b.dtype === "int8" ? { min: -128, max: 127 } : { min: 0, max: 255 };
    let maxB = 0;
    for (const z of this.zeroPoints) maxB = Math.max(maxB, z - range.min, range.max - z);
    this.maxAbsB = maxB;
    const bias = checkVector(op, "options.bias", options.bias, n, true);
    let maxBias = 0;
    if (bias) for (const v of bias) maxBias = Math.max(maxBias, Math.abs(v));
    this.maxAbsBias = maxBias;
    this.floatBias = options.floatBias === undefined ? null : Float32Array.from(checkVector(op, "options.floatBias", options.floatBias, n, false)!);
    const dense = this.reduceRange && hasQs8W7Gemm(rt) ? qs8W7Gemm(rt) : qs8Gemm(rt);
    this.denseByteLength = dense.packedBytes(k, n);
    const sparse = options.sparse ?? "auto";
    if (sparse !== "auto" && sparse !== true && sparse !== false) throw new QkernError(op, "options.sparse", `must be 'auto', true or false, got ${String(sparse)}`);
    const threshold = options.sparseThreshold ?? (k < 64 ? SPARSE_THRESHOLD_SMALL_K : SPARSE_THRESHOLD);
    if (!(threshold >= 0 && threshold <= 1)) throw new QkernError(op, "options.sparseThreshold", `must be in [0, 1], got ${String(threshold)}`);
    let format: "dense" | "sparse" = "dense";
    let blockSparsity = 0;
    let byteLength = this.denseByteLength;
    let kernels: Int8GemmFamily = dense;
    try {
      rt.workspace.with(op, [4 * n, bias ? 4 * n : 0], ([zb, biasPtr]) => {
        const v = rt.views();
        v.i32.set(this.zeroPoints, zb! >>> 2);
        if (bias) v.i32.set(bias, biasPtr! >>> 2);
        const call: Int8PackCall = { b: b.ptr, k, n, strideK, strideN, unsigned: b.dtype === "uint8", zb: zb!, bias: bias ? biasPtr! : 0 };
        const spmm = qs8Spmm(rt);
        const blocks = spmm.count(call);
        blockSparsity = 1 - blocks / (n * Math.ceil(k / 4));
        format = sparse === true || (sparse === "auto" && blockSparsity >= threshold) ? "sparse" : "dense";
        if (format === "sparse") {
          byteLength = spmm.packedBytes(n, blocks);
          kernels = spmm;
          spmm.pack(call, this.allocate(byteLength, op));
        } else {
          dense.pack(call, this.allocate(byteLength, op));
        }
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.kernels = kernels;
    this.format = format;
    this.blockSparsity = blockSparsity;
    this.byteLength = byteLength;
  }

  /** @internal */
  protected describe(): string {
    return `packed weights [K=${this.k}, N=${this.n}]`;
  }

  /**
   * Byte offset of the packed layout (assembly/qs8_gemm/layout.ts; reduce-range weights in the
   * relaxed build: assembly/qs8_w7_gemm/layout.ts; sparse: assembly/qs8_spmm/pack.ts; float32:
   * assembly/f32_gemm) in the instance's memory, for the raw-pointer layer. Throws if disposed.
   */
  get ptr(): number {
    return this.checkAlive("ptr");
  }

  /** @internal */
  protected override onDispose(): void {
    this.lastStage = null;
  }
}

/** Refuses weights outside the 7-bit range, naming the first offending element. */
function checkReducedRange(op: string, b: Tensor<"int8" | "uint8">, layout: "kn" | "nk"): void {
  const { min, max } = REDUCED_RANGE[b.dtype];
  const data = b.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min || v > max) {
      const d1 = b.shape[1]!;
      const [row, col] = [Math.floor(i / d1), i % d1];
      const [kk, nn] = layout === "kn" ? [row, col] : [col, row];
      throw new QkernError(op, "b", `reduceRange needs 7-bit ${b.dtype} weights in [${min}, ${max}], got ${v} at k = ${kk}, n = ${nn} ` +
        `(b: ${b}, layout '${layout}'); quantize with chooseQuantParams(min, max, { reduceRange: true }) or pack without reduceRange`);
    }
  }
}

function checkVector(op: string, arg: string, v: ArrayLike<number> | undefined, n: number, integer: boolean): Int32Array | Float32Array | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== "object" || v.length !== n) {
    throw new QkernError(op, arg, `must hold N = ${n} values, got ${v !== null && typeof v === "object" ? `${v.length} values` : String(v)}`);
  }
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (integer ? !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31 : !Number.isFinite(x)) {
      throw new QkernError(op, arg, `element ${i} is ${x}, not ${integer ? "an int32" : "finite"}`);
    }
  }
  return integer ? Int32Array.from(v) : Float32Array.from(v);
}

/**
 * Packs int8/uint8 weights once for `gemm` (any M afterwards). B is [K, N] (`layout: 'kn'`,
 * ONNX MatMul, the default) or [N, K] (`'nk'`, TFLite FULLY_CONNECTED). Its quantization
 * parameters — per tensor, or per output column (axis 1 for kn, 0 for nk) — give the weight
 * zero points and scales; without them the zero point is 0 and only the int32 output is possible.
 *
 * @example
 * ```ts
 * const b = qk.tensor(new Int8Array([1, -2, 3, 4, 5, -6]), [3, 2], { quant: { axis: 1, scale: [0.01, 0.02] } });
 * using w = packGemmWeights(b, { bias: [100, -100] });
 * ```
 */
export function packGemmWeights(b: Tensor, options: PackGemmOptions = {}): PackedGemmWeights {
  const op = "packGemmWeights";
  const t = checkTensor(op, "b", b, ["int8", "uint8", "float32"]);
  const layout = options.layout ?? "kn";
  if (layout !== "kn" && layout !== "nk") throw new QkernError(op, "options.layout", `must be 'kn' or 'nk', got ${String(layout)}`);
  if (t.shape.length !== 2) throw new QkernError(op, "b", `must be 2-D (${layout === "kn" ? "[K, N]" : "[N, K]"}), got ${t}`);
  const [d0, d1] = t.shape as [number, number];
  const [k, n] = layout === "kn" ? [d0, d1] : [d1, d0];
  if (k === 0 || n === 0) throw new QkernError(op, "b", `needs K >= 1 and N >= 1, got ${describeShape(t.dtype, t.shape)}`);
  return new PackedGemmWeights(t, k, n, layout, options);
}
