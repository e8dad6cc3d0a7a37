import { QkernError } from "../errors.js";
import { qp4Gemm } from "../kernels/qp4_gemm.js";
import { PackedWeights } from "../packed-weights.js";
import type { PalettizedWeights } from "../palettize.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { blockGemm, type GemmInt4Options } from "./gemm-int4.js";

/**
 * Palettized weights packed once for `gemmPalettized`. Dispose when done.
 *
 * @example
 * ```ts
 * const weights = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.cos(i)); // [K = 64, N = 8]
 * using w = packPalettizedWeights(qk, palettize(weights, [64, 8], { bits: 4 }));
 * console.log(w.k, w.n, w.blockSize); // 64 8 128
 * ```
 */
export class PackedPalettizedWeights extends PackedWeights {
  readonly n: number;
  readonly k: number;
  /** Activations are quantized (and sums kept exact) per block of this many K values. */
  readonly blockSize: number;
  readonly byteLength: number;
  /** @internal */
  readonly biasPtr: number;

  /** @internal */
  constructor(qk: Qkern, p: PalettizedWeights, bias: Float32Array | null, blockSize: number) {
    super(qk);
    const op = "packPalettizedWeights";
    this.n = p.n;
    this.k = p.k;
    this.blockSize = blockSize;
    const rt = this.rt;
    const kernels = qp4Gemm(rt);
    this.byteLength = kernels.packedBytes(p.k, p.n, blockSize);
    let biasPtr = 0;
    try {
      const dst = this.allocate(this.byteLength, op);
      if (bias) {
        biasPtr = this.own(4 * p.n, op);
        rt.views().f32.set(bias, biasPtr >>> 2);
      }
      rt.workspace.with(op, [p.indices.length, p.codebooks.length, 4 * p.scales.length], ([idx, cb, sc]) => {
        const v = rt.views();
        v.u8.set(p.indices, idx!);
        v.i8.set(p.codebooks, cb!);
        v.f32.set(p.scales, sc! >>> 2);
        kernels.pack(idx!, p.k, cb!, sc!, p.granularity === "channel", p.n, p.k, blockSize, dst);
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.biasPtr = biasPtr;
  }

  /** @internal */
  protected describe(): string {
    return `packed palettized weights [K=${this.k}, N=${this.n}]`;
  }
}

/**
 * Packs palettized weights (from `palettize`) for `gemmPalettized`. `blockSize` (a multiple of 32,
 * default 128) is the K block over which activations are quantized and integer sums kept: smaller
 * blocks follow activation outliers more closely, larger ones cost fewer block epilogues.
 *
 * @example
 * ```ts
 * const weights = Float32Array.from({ length: 256 * 32 }, (_, i) => Math.sin(i)); // [K = 256, N = 32]
 * using w = packPalettizedWeights(qk, palettize(weights, [256, 32], { bits: 4 }), { blockSize: 64 });
 * console.log(w.blockSize, w.byteLength > 0); // 64 true
 * ```
 */
export function packPalettizedWeights(qk: Qkern, p: PalettizedWeights, options: { readonly bias?: ArrayLike<number>; readonly blockSize?: number } = {}): PackedPalettizedWeights {
  const op = "packPalettizedWeights";
  if (p === null || typeof p !== "object" || !(p.indices instanceof Uint8Array)) throw new QkernError(op, "p", "must come from palettize()");
  const groups = p.granularity === "channel" ? p.n : 1;
  if (p.indices.length !== p.n * p.k) throw new QkernError(op, "p.indices", `has ${p.indices.length} values, N · K = ${p.n * p.k}`);
  if (p.codebooks.length !== groups * 16) throw new QkernError(op, "p.codebooks", `has ${p.codebooks.length} entries, ${groups} codebooks × 16 needed (at most 16 entries each)`);
  if (p.scales.length !== groups) throw new QkernError(op, "p.scales", `has ${p.scales.length} values, ${groups} needed`);
  for (let i = 0; i < groups; i++) {
    if (!Number.isFinite(p.scales[i]!) || !(p.scales[i]! > 0)) throw new QkernError(op, "p.scales", `element ${i} is ${p.scales[i]}, not finite and > 0`);
  }
  const entries = 1 << p.bits;
  for (let i = 0; i < p.indices.length; i++) {
    if ((p.indices[i] as number) >= entries) throw new QkernError(op, "p.indices", `element ${i} is ${p.indices[i]}, out of range for ${p.bits}-bit indices`);
  }
  let bias: Float32Array | null = null;
  if (options.bias !== undefined) {
    if (options.bias === null || typeof options.bias !== "object" || options.bias.length !== p.n) {
      throw new QkernError(op, "options.bias", `must hold N = ${p.n} values, got ${options.bias?.length ?? String(options.bias)}`);
    }
    bias = Float32Array.from(options.bias);
    if (bias.some((b) => !Number.isFinite(b))) throw new QkernError(op, "options.bias", "must be finite (as float32)");
  }
  const bs = options.blockSize ?? 128;
  if (!Number.isInteger(bs) || bs < 32 || bs % 32 !== 0) throw new QkernError(op, "options.blockSize", `must be a multiple of 32, got ${String(bs)}`);
  return new PackedPalettizedWeights(qk, p, bias, bs);
}

/**
 * y = x · W for palettized weights: the codebook lookups run inside the kernel (i8x16.swizzle), on
 * the int8 dot path. Activations as for `gemmInt4` (float32 quantized per block of the packed
 * `blockSize` or per row, or int8/uint8 with parameters); output float32 [M, N] or exact int32 sums
 * per block.
 *
 * @example
 * ```ts
 * const K = 64, N = 8;
 * const weights = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
 * using w = packPalettizedWeights(qk, palettize(weights, [K, N], { bits: 4 }));
 * const y = gemmPalettized(qk.tensor(new Float32Array(K).fill(1), [1, K]), w);
 * console.log(y.shape); // [ 1, 8 ]
 * ```
 */
export function gemmPalettized(x: Tensor, w: PackedPalettizedWeights, options: GemmInt4Options = {}): Tensor {
  const op = "gemmPalettized";
  if (!(w instanceof PackedPalettizedWeights)) throw new QkernError(op, "weights", `must come from packPalettizedWeights, got ${String(w)}`);
  return blockGemm(op, x, w, options, (ws, call) => qp4Gemm(w.rt).run(ws, op, call));
}
