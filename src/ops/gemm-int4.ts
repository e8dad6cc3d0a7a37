import { QkernError } from "../errors.js";
import type { Int4Weights } from "../int4.js";
import { qb4Gemm, type BlockActivations, type BlockGemmCall } from "../kernels/qb4_gemm.js";
import { PackedWeights } from "../packed-weights.js";
import { isPerAxisQuant } from "../quant.js";
import type { Qkern } from "../qkern.js";
import type { Workspace } from "../runtime/workspace.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";

/**
 * Block-wise 4-bit weights packed once for `gemmInt4`. Dispose when done.
 *
 * @example
 * ```ts
 * const weights = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i)); // [K = 64, N = 8]
 * using w = packInt4Weights(qk, quantizeInt4(weights, [64, 8], { blockSize: 32 }));
 * console.log(w.k, w.n, w.blockSize, w.byteLength); // 64 8 32 512
 * ```
 */
export class PackedInt4Weights extends PackedWeights {
  readonly n: number;
  readonly k: number;
  readonly blockSize: number;
  /**
   * Packed bytes: 0.5 per weight, plus per 4 columns and block 32 for scales and zero points and 16 for
   * the weight sums of the zero-point correction (0.875 bytes per weight at block size 32, 0.59 at 128).
   */
  readonly byteLength: number;
  /** float32 bias [N] or null. */
  readonly bias: Float32Array | null;
  /** @internal */
  readonly biasPtr: number;

  /** @internal */
  constructor(qk: Qkern, w: Int4Weights, bias: Float32Array | null) {
    super(qk);
    const op = "packInt4Weights";
    this.n = w.n;
    this.k = w.k;
    this.blockSize = w.blockSize;
    this.bias = bias;
    const rt = this.rt;
    const kernels = qb4Gemm(rt);
    this.byteLength = kernels.packedBytes(w.k, w.n, w.blockSize);
    let biasPtr = 0;
    try {
      const dst = this.allocate(this.byteLength, op);
      if (bias) {
        biasPtr = this.own(4 * w.n, op);
        rt.views().f32.set(bias, biasPtr >>> 2);
      }
      rt.workspace.with(op, [w.q.length, 4 * w.scales.length, w.zeroPoints.length], ([q, scales, zps]) => {
        const v = rt.views();
        v.u8.set(w.q, q!);
        v.f32.set(w.scales, scales! >>> 2);
        v.u8.set(w.zeroPoints, zps!);
        kernels.pack(q!, w.k, scales!, zps!, w.n, w.k, w.blockSize, dst);
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.biasPtr = biasPtr;
  }

  /** @internal */
  protected describe(): string {
    return `packed int4 weights [K=${this.k}, N=${this.n}]`;
  }
}

/**
 * Packs block-wise 4-bit weights (from `quantizeInt4`, `fromMatMulNBits` or `fromQ4_0`) into an
 * instance, once, for `gemmInt4`.
 *
 * @example
 * ```ts
 * const K = 64, N = 8;
 * const weightsKN = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i));
 * using w = packInt4Weights(qk, quantizeInt4(weightsKN, [K, N], { blockSize: 32 }), { bias: new Array(N).fill(0.5) });
 * ```
 */
export function packInt4Weights(qk: Qkern, w: Int4Weights, options: { readonly bias?: ArrayLike<number> } = {}): PackedInt4Weights {
  const op = "packInt4Weights";
  if (w === null || typeof w !== "object" || !(w.q instanceof Uint8Array)) throw new QkernError(op, "w", "must be Int4Weights (quantizeInt4, fromMatMulNBits, fromQ4_0)");
  const { n, k, blockSize } = w;
  if (!Number.isInteger(blockSize) || blockSize < 32 || blockSize % 32 !== 0) throw new QkernError(op, "w.blockSize", `must be a multiple of 32, got ${blockSize}`);
  const nb = Math.ceil(k / blockSize);
  if (w.q.length !== n * k) throw new QkernError(op, "w.q", `has ${w.q.length} values, N · K = ${n * k}`);
  if (w.scales.length !== n * nb) throw new QkernError(op, "w.scales", `has ${w.scales.length} values, N · n_blocks = ${n * nb}`);
  if (w.zeroPoints.length !== n * nb) throw new QkernError(op, "w.zeroPoints", `has ${w.zeroPoints.length} values, N · n_blocks = ${n * nb}`);
  for (let i = 0; i < w.q.length; i++) if ((w.q[i] as number) > 15) throw new QkernError(op, "w.q", `element ${i} is ${w.q[i]}, not in 0..15`);
  for (let i = 0; i < w.zeroPoints.length; i++) if ((w.zeroPoints[i] as number) > 15) throw new QkernError(op, "w.zeroPoints", `element ${i} is ${w.zeroPoints[i]}, not in 0..15`);
  for (let i = 0; i < w.scales.length; i++) {
    if (!Number.isFinite(w.scales[i]!) || !(w.scales[i]! > 0)) throw new QkernError(op, "w.scales", `element ${i} is ${w.scales[i]}, not finite and > 0`);
  }
  let bias: Float32Array | null = null;
  if (options.bias !== undefined) {
    if (options.bias === null || typeof options.bias !== "object" || options.bias.length !== n) {
      throw new QkernError(op, "options.bias", `must hold N = ${n} values, got ${options.bias?.length ?? String(options.bias)}`);
    }
    bias = Float32Array.from(options.bias);
    if (bias.some((b) => !Number.isFinite(b))) throw new QkernError(op, "options.bias", "must be finite");
  }
  return new PackedInt4Weights(qk, w, bias);
}

/** Options of `gemmInt4`. */
export interface GemmInt4Options {
  /**
   * How float32 activations are quantized (symmetric int8, zero point 0, scale max|x|/127):
   * `per-block` (default; one scale per weight block, like ONNX Runtime's accuracy level 4) or
   * `per-row`. Ignored for int8/uint8 activations, which carry their own per-tensor or per-row params.
   */
  readonly activations?: "per-block" | "per-row";
  /** `float32` (default) [M, N], or `int32` per-block accumulators [M, N, n_blocks] (exact, for checking). */
  readonly output?: "float32" | "int32";
  /** Caller-provided output of the shape above. */
  readonly out?: Tensor;
  /** @internal Tests: force a kernel isa. */
  readonly forceIsa?: "scalar" | "simd128" | "relaxed";
  /** @internal Tests: force the float tile (`1x4c32`, or `4x8c2` of int4 weights in SIMD builds). */
  readonly forceTile?: "1x4c32" | "4x8c2";
}

/**
 * y = x · W for block-wise 4-bit weights: x is float32 [M, K] (quantized to int8 here, per block or
 * per row) or int8/uint8 [M, K] with its quantization parameters. Per (row, column, block) the
 * integer sum Σ (a − za)(q − zq) is exact; y = Σ_b f32(sum_b) · f32(scale_b · aScale_b) in block
 * order (float32), plus bias.
 *
 * @example
 * ```ts
 * const K = 4096, N = 16;
 * using w = packInt4Weights(qk, quantizeInt4(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)), [K, N]));
 * const x = qk.tensor(new Float32Array(K).fill(0.5), [1, K]);
 * const y = gemmInt4(x, w);   // float32 [1, N]
 * console.log(y.shape);       // [ 1, 16 ]
 * ```
 */
export function gemmInt4(x: Tensor, w: PackedInt4Weights, options: GemmInt4Options = {}): Tensor {
  const op = "gemmInt4";
  if (!(w instanceof PackedInt4Weights)) throw new QkernError(op, "weights", `must come from packInt4Weights, got ${String(w)}`);
  return blockGemm(op, x, w, options, (ws, call) => qb4Gemm(w.rt).run(ws, op, call));
}

/** @internal The packed weights a block-wise GEMM needs. */
export interface BlockWeights extends PackedWeights {
  readonly n: number;
  readonly k: number;
  readonly blockSize: number;
  readonly biasPtr: number;
}

/** @internal Shared by gemmInt4 and gemmPalettized: checks, output, activation parameters; `run` calls the family. */
export function blockGemm(op: string, x: Tensor, w: BlockWeights, options: GemmInt4Options, run: (ws: Workspace, call: BlockGemmCall) => void): Tensor {
  const input = checkTensor(op, "x", x, ["float32", "int8", "uint8"]);
  const wPtr = w.checkUse(op, "x", input);
  if (input.shape.length !== 2 || input.shape[1] !== w.k) throw new QkernError(op, "x", `must be [M, K] with K = ${w.k}, got ${input}`);
  const m = input.shape[0] as number;
  const { n, k, blockSize: bs } = w;
  const nb = Math.ceil(k / bs);
  const outKind = options.output ?? "float32";
  if (outKind !== "float32" && outKind !== "int32") throw new QkernError(op, "options.output", `must be 'float32' or 'int32', got ${String(outKind)}`);
  const mode = options.activations ?? "per-block";
  if (mode !== "per-block" && mode !== "per-row") throw new QkernError(op, "options.activations", `must be 'per-block' or 'per-row', got ${String(mode)}`);
  const outShape = outKind === "float32" ? [m, n] : [m, n, nb];
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, [outKind]);
    checkSameInstance(op, input, [["options.out", out]]);
    checkOutShape(op, "options.out", out, outShape, () => `x: ${input}`);
  } else out = input.qk.empty(outKind, outShape);
  const q = input.quant;
  try {
    let act: BlockActivations;
    if (input.dtype === "float32") act = { dtype: "float32", perBlock: mode === "per-block" };
    else {
      if (q === null) throw new QkernError(op, "x", `needs quantization parameters (per tensor or per row) (${input})`);
      if (isPerAxisQuant(q) && q.axis !== 0) throw new QkernError(op, "x", `per-axis parameters must be per row (axis 0), got axis ${q.axis}`);
      act = isPerAxisQuant(q) ? { dtype: input.dtype, za: q.zeroPoint, scale: q.scale } : { dtype: input.dtype, za: q.zeroPoint, scale: q.scale };
    }
    if (m === 0) return out;
    run(input.rt.workspace, {
      x: input.ptr, m, n, k, bs, act, stage: outKind === "float32" ? "dequant" : "int32", out: out.ptr, w: wPtr, bias: w.biasPtr,
      tile: options.forceTile, isa: options.forceIsa,
    });
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}
