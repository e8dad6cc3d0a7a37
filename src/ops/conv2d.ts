import { QkernError } from "../errors.js";
import { isPerAxisQuant, type QuantParams } from "../quant.js";
import { im2col } from "../kernels/im2col.js";
import { PackedWeights } from "../packed-weights.js";
import type { Qkern } from "../qkern.js";
import { quantFor, viewOf, type Tensor } from "../tensor.js";
import { axisGeometry, checkOutShape, checkSameInstance, checkTensor, pair, parsePadding } from "./common.js";
import { gemm, type GemmOptions } from "./gemm.js";
import { PackedGemmWeights, packGemmWeights } from "./pack-gemm-weights.js";

/** Options of `packConvWeights`. */
export interface PackConvOptions {
  /** `ohwi` (default): TFLite CONV_2D [OC, KH, KW, IC]; `oihw`: ONNX Conv [OC, IC, KH, KW]. */
  readonly layout?: "ohwi" | "oihw";
  /** int32 bias [OC] (integer weights). */
  readonly bias?: ArrayLike<number>;
  /** float32 bias [OC] (float32 weights). */
  readonly floatBias?: ArrayLike<number>;
  /** Passed to packGemmWeights: sparse 1×4-block packing of the [OC, KH·KW·IC] matrix. */
  readonly sparse?: "auto" | boolean;
  /**
   * Passed to packGemmWeights: the weights are 7-bit (int8 in [−64, 63], uint8 in [0, 127]; others
   * are refused) and run the relaxed build's 7-bit GEMM kernels, pointwise or through im2col.
   */
  readonly reduceRange?: boolean;
}

/**
 * Convolution weights packed once for `conv2d`: the [KH·KW·IC, OC] GEMM weights plus the geometry.
 *
 * @example
 * ```ts
 * using w = packConvWeights(qk.tensor(new Int8Array(8 * 3 * 3 * 4).fill(1), [8, 3, 3, 4], { quant: { scale: 0.02 } }));
 * const x = qk.tensor(new Int8Array(5 * 5 * 4).fill(2), [1, 5, 5, 4], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(conv2d(x, w).shape); // [ 1, 3, 3, 8 ] (valid padding)
 * ```
 */
export class PackedConvWeights extends PackedWeights {
  readonly kh: number;
  readonly kw: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** The packed GEMM weights (K = KH·KW·IC in (kh, kw, c) order, N = OC). */
  readonly gemm: PackedGemmWeights;

  /** @internal */
  constructor(qk: Qkern, kh: number, kw: number, ic: number, oc: number, gemmWeights: PackedGemmWeights) {
    super(qk);
    this.kh = kh;
    this.kw = kw;
    this.inChannels = ic;
    this.outChannels = oc;
    this.gemm = gemmWeights;
  }

  /** @internal */
  protected describe(): string {
    return `packed conv weights [${this.outChannels}, ${this.kh}x${this.kw}, ${this.inChannels}]`;
  }

  /** Whether `dispose()` was called (here or on `gemm`). */
  override get disposed(): boolean {
    return this.gemm.disposed;
  }

  /** @internal The GEMM weights carry the bytes: alive when they are. */
  override checkAlive(op: string): number {
    return this.gemm.checkAlive(op);
  }

  /** @internal */
  protected override onDispose(): void {
    this.gemm.dispose();
  }
}

/**
 * Packs convolution weights (int8/uint8 with per-tensor or per-output-channel quantization on axis
 * 0, or float32) for `conv2d`.
 *
 * @example
 * ```ts
 * const scales = new Float32Array(32).fill(0.01);
 * const bias = new Int32Array(32);
 * using w = packConvWeights(qk.tensor(new Int8Array(32 * 3 * 3 * 3), [32, 3, 3, 3], { quant: { axis: 0, scale: scales } }), { bias });
 * ```
 */
export function packConvWeights(w: Tensor, options: PackConvOptions = {}): PackedConvWeights {
  const op = "packConvWeights";
  const t = checkTensor(op, "w", w, ["int8", "uint8", "float32"]);
  const layout = options.layout ?? "ohwi";
  if (layout !== "ohwi" && layout !== "oihw") throw new QkernError(op, "options.layout", `must be 'ohwi' or 'oihw', got ${String(layout)}`);
  if (t.shape.length !== 4) throw new QkernError(op, "w", `must be 4-D (${layout === "ohwi" ? "[OC, KH, KW, IC]" : "[OC, IC, KH, KW]"}), got ${t}`);
  const [oc, d1, d2, d3] = t.shape as [number, number, number, number];
  const [kh, kw, ic] = layout === "ohwi" ? [d1, d2, d3] : [d2, d3, d1];
  if (oc < 1 || kh < 1 || kw < 1 || ic < 1) throw new QkernError(op, "w", `needs every dimension >= 1, got ${t}`);
  if (t.quant !== null && isPerAxisQuant(t.quant) && t.quant.axis !== 0) {
    throw new QkernError(op, "w", `per-axis parameters must run along the output channels (axis 0), got axis ${t.quant.axis} (${t})`);
  }
  const k = kh * kw * ic;
  const quant = t.quant === null ? undefined : (t.quant as QuantParams);
  const flatQuant = quant ? { quant: isPerAxisQuant(quant) ? { axis: 0, scale: quant.scale, zeroPoint: quant.zeroPoint } : quant } : {};
  // OHWI is already [OC, KH·KW·IC] row-major: the same bytes seen as a matrix (no copy). OIHW is reordered.
  using flat = layout === "ohwi" ? viewOf(t, 0, t.dtype, [oc, k], quantFor(op, t.dtype, [oc, k], flatQuant), op) : t.qk.tensor(oihwToRows(t, oc, ic, kh, kw), [oc, k], flatQuant);
  const packed = packGemmWeights(flat, {
    layout: "nk",
    ...(options.bias !== undefined ? { bias: options.bias } : {}),
    ...(options.floatBias !== undefined ? { floatBias: options.floatBias } : {}),
    ...(options.sparse !== undefined ? { sparse: options.sparse } : {}),
    ...(options.reduceRange !== undefined ? { reduceRange: options.reduceRange } : {}),
  });
  return new PackedConvWeights(t.qk, kh, kw, ic, oc, packed);
}

/** OIHW weights reordered to [OC, KH·KW·IC] rows. */
function oihwToRows(t: Tensor, oc: number, ic: number, kh: number, kw: number): Float32Array | Int8Array | Uint8Array {
  const k = kh * kw * ic;
  const values = t.toArray() as Float32Array | Int8Array | Uint8Array;
  const rows = t.dtype === "float32" ? new Float32Array(oc * k) : t.dtype === "int8" ? new Int8Array(oc * k) : new Uint8Array(oc * k);
  for (let o = 0; o < oc; o++) {
    for (let c = 0; c < ic; c++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) rows[o * k + (y * kw + x) * ic + c] = values[((o * ic + c) * kh + y) * kw + x]!;
      }
    }
  }
  return rows;
}

/** Options of `conv2d`: geometry plus everything `gemm` takes for the output. */
export interface Conv2dOptions extends GemmOptions {
  readonly strides?: number | readonly [number, number];
  readonly dilations?: number | readonly [number, number];
  /** `valid` (default), `same` (TFLite rules) or [top, left, bottom, right]. */
  readonly padding?: "valid" | "same" | readonly [number, number, number, number];
}

/**
 * 2-D convolution (groups = 1), NHWC: im2col of each image into a [OH·OW, KH·KW·IC] matrix (padding
 * reads the input zero point, or 0.0), then the int8 GEMM — or no copy at all for 1×1 kernels with
 * stride 1 and no padding (pointwise convolution runs the GEMM on [N·H·W, C] directly). Output
 * stages as for `gemm`: int32, int8/uint8 via fp32 / fixedpoint, or float32 for float weights.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Uint8Array(8 * 8 * 3).fill(130), [1, 8, 8, 3], { quant: { scale: 0.02, zeroPoint: 128 } });
 * const w = packConvWeights(qk.tensor(new Int8Array(4 * 3 * 3 * 3).fill(1), [4, 3, 3, 3], { quant: { scale: 0.01 } }));
 * const y = conv2d(x, w, { strides: 2, padding: 'same', output: { dtype: 'uint8', scale: 0.05, zeroPoint: 0 }, activation: 'relu6' });
 * console.log(y.shape); // [ 1, 4, 4, 4 ]
 * ```
 */
export function conv2d(x: Tensor, w: PackedConvWeights, options: Conv2dOptions = {}): Tensor {
  const op = "conv2d";
  if (!(w instanceof PackedConvWeights)) throw new QkernError(op, "weights", `must come from packConvWeights, got ${String(w)}`);
  const float = w.gemm.dtype === "float32";
  const input = checkTensor(op, "x", x, float ? ["float32"] : ["int8", "uint8"]);
  w.checkUse(op, "x", input);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const [n, h, wd, c] = input.shape as [number, number, number, number];
  if (c !== w.inChannels) throw new QkernError(op, "x", `has ${c} channels, the weights expect ${w.inChannels} (x: ${input})`);
  const [sh, sw] = pair(op, "options.strides", options.strides);
  const [dh, dw] = pair(op, "options.dilations", options.dilations);
  const [padH, padW] = parsePadding(op, options.padding);
  const [oh, pt] = axisGeometry(op, h, w.kh, sh, dh, padH, input);
  const [ow, pl] = axisGeometry(op, wd, w.kw, sw, dw, padW, input);
  if (options.out !== undefined) {
    checkSameInstance(op, input, [["options.out", options.out]]);
    checkOutShape(op, "options.out", options.out, [n, oh, ow, w.outChannels], () => `x: ${input}`);
  }
  const pointwise = w.kh === 1 && w.kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === h && ow === wd;
  if (pointwise) return gemm(input, w.gemm, options);
  const k = w.kh * w.kw * c;
  const esize = float ? 4 : 1;
  const rt = input.rt;
  const aq = input.quant;
  using cols = input.qk.empty(input.dtype, [n, oh, ow, k], aq === null ? {} : { quant: isPerAxisQuant(aq) ? { axis: aq.axis, scale: aq.scale, zeroPoint: aq.zeroPoint } : aq });
  if (aq !== null && isPerAxisQuant(aq)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
  const zp = float || aq === null ? 0 : aq.zeroPoint;
  im2col(rt).run(rt.workspace, op, input.ptr, cols.ptr, n, {
    h, w: wd, c, oh, ow, kh: w.kh, kw: w.kw, sh, sw, dh, dw, pt, pl, inRow: wd * c * esize, outRow: ow * k * esize,
  }, esize, zp);
  return gemm(cols, w.gemm, options);
}
