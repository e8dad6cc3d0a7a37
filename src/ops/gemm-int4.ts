import { QkernError } from "../errors.js";
import type { Int4Weights } from "../int4.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import type { Qkern } from "../qkern.js";
import { hasKernel, pickKernel } from "../registry.js";
import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor, withScratch } from "./common.js";

/** Bytes of one packed group of 4 columns for one block (assembly/qb4_gemm/layout.ts). */
/** Bytes per group of 4 columns and K block: scales and zero points (32), then the nibbles (assembly/qb4_gemm/layout.ts). */
function groupBlockBytes(bs: number): number {
  return 32 + 2 * bs;
}

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
export class PackedInt4Weights {
  readonly qk: Qkern;
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
  readonly rt: Runtime;
  /** @internal */
  private address: number;
  /** @internal */
  private biasAddress = 0;

  /** @internal */
  constructor(qk: Qkern, w: Int4Weights, bias: Float32Array | null) {
    const op = "packInt4Weights";
    this.qk = qk;
    this.rt = qk.rt;
    this.n = w.n;
    this.k = w.k;
    this.blockSize = w.blockSize;
    this.bias = bias;
    const nb = Math.ceil(w.k / w.blockSize);
    this.byteLength = Math.ceil(w.n / 4) * nb * (groupBlockBytes(w.blockSize) + 16);
    const rt = this.rt;
    this.address = rt.alloc(this.byteLength, op);
    try {
      if (bias) {
        this.biasAddress = rt.alloc(4 * w.n, op);
        rt.views().f32.set(bias, this.biasAddress >>> 2);
      }
      withScratch(rt, op, [w.q.length, 4 * w.scales.length, w.zeroPoints.length], ([q, scales, zps]) => {
        const v = rt.views();
        v.u8.set(w.q, q!);
        v.f32.set(w.scales, scales! >>> 2);
        v.u8.set(w.zeroPoints, zps!);
        pickKernel(rt, "qb4_gemm", "packw")(q!, w.k, scales!, zps!, w.n, w.k, w.blockSize, this.address);
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  get disposed(): boolean {
    return this.address === 0;
  }

  /** @internal */
  checkAlive(op: string): [number, number] {
    if (this.address === 0) throw new QkernError(op, "weights", `packed int4 weights [K=${this.k}, N=${this.n}] were disposed`);
    return [this.address, this.biasAddress];
  }

  /** Frees the packed bytes. Idempotent. */
  dispose(): void {
    if (this.address !== 0) this.rt.free(this.address);
    if (this.biasAddress !== 0) this.rt.free(this.biasAddress);
    this.address = 0;
    this.biasAddress = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
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
  const [wPtr, biasPtr] = w.checkAlive(op);
  return blockGemm(op, "qb4_gemm", x, { qk: w.qk, n: w.n, k: w.k, blockSize: w.blockSize, ptr: wPtr, biasPtr }, options);
}

/** @internal The packed weights a block-wise GEMM needs. */
export interface BlockWeights {
  readonly qk: Qkern;
  readonly n: number;
  readonly k: number;
  readonly blockSize: number;
  readonly ptr: number;
  readonly biasPtr: number;
}

/** @internal Shared by gemmInt4 and gemmPalettized: activation packing, kernel choice, call. */
export function blockGemm(op: string, family: string, x: Tensor, w: BlockWeights, options: GemmInt4Options): Tensor {
  const input = checkTensor(op, "x", x, ["float32", "int8", "uint8"]);
  if (w.qk !== input.qk) throw new QkernError(op, "weights", `belong to another qkern instance (${w.qk.isa}) than x (${input.qk.isa})`);
  if (input.shape.length !== 2 || input.shape[1] !== w.k) throw new QkernError(op, "x", `must be [M, K] with K = ${w.k}, got ${input}`);
  const m = input.shape[0] as number;
  const { n, k, blockSize: bs } = w;
  const nb = Math.ceil(k / bs);
  const kp = nb * bs;
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
  const rt = input.rt;
  const q = input.quant;
  try {
    if (input.dtype !== "float32") {
      if (q === null) throw new QkernError(op, "x", `needs quantization parameters (per tensor or per row) (${input})`);
      if (isPerAxisQuant(q) && q.axis !== 0) throw new QkernError(op, "x", `per-axis parameters must be per row (axis 0), got axis ${q.axis}`);
    }
    if (m === 0) return out;
    // M ≥ 4 rows of float output from int4 weights: the 4×8 tile decodes each block once for all rows.
    const tile4 = family === "qb4_gemm" && outKind === "float32" && hasKernel(rt, family, "dequant_4x8c2") &&
      (options.forceTile === "4x8c2" || (options.forceTile === undefined && options.forceIsa === undefined && m >= 4));
    const sizes = [2 * m * kp, m * kp, 4 * m * nb, 4 * m * nb, 4 * m, 4 * m, 4 * m, tile4 ? 16 * kp + 32 * nb : 0];
    withScratch(rt, op, sizes, ([a16, a8, asum, ascale, azp, za, sa, decoded]) => {
      if (input.dtype === "float32") {
        pickKernel(rt, "qb4_gemm", "packa_f32")(input.ptr, m, k, bs, mode === "per-block" ? bs : kp, a16!, a8!, asum!, ascale!, azp!);
      } else {
        const v = rt.views();
        const perRow = isPerAxisQuant(q!);
        if (perRow) {
          v.i32.set(q.zeroPoint, za! >>> 2);
          v.f32.set(q.scale, sa! >>> 2);
        } else {
          v.i32[za! >>> 2] = (q as PerTensorQuant).zeroPoint;
          v.f32[sa! >>> 2] = (q as PerTensorQuant).scale;
        }
        pickKernel(rt, "qb4_gemm", "packa_q8")(input.ptr, m, k, bs, input.dtype === "uint8" ? 1 : 0, za!, perRow ? 4 : 0, sa!, perRow ? 4 : 0,
          a16!, a8!, asum!, ascale!, azp!);
      }
      if (tile4) {
        pickKernel(rt, family, "dequant_4x8c2")(m, n, k, bs, a16!, asum!, ascale!, azp!, w.ptr, out.ptr, w.biasPtr, decoded!);
        return;
      }
      const variant = `${outKind === "float32" ? "dequant" : "int32"}_1x4c32`;
      const kernel: KernelFn = options.forceIsa ? rt.kernel(`${family}_${variant}__${options.forceIsa}`) : pickKernel(rt, family, variant);
      kernel(m, n, k, bs, a16!, a8!, asum!, ascale!, azp!, w.ptr, out.ptr, w.biasPtr);
    });
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}
