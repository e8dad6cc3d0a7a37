// Packing of depthwise weights, once: int8/uint8 weights by qs8_dwconv_packw (int16 w − zw
// interleaved by tap pairs in tiles of 16 channels, assembly/qs8_dwconv/layout.ts), float32 weights
// by f32_dwconv_packw (tiles of 16 channels with the bias in front, assembly/f32_dwconv/layout.ts).

import { QkernError } from "../errors.js";
import { f32Dwconv } from "../kernels/f32_dwconv.js";
import { qs8Dwconv } from "../kernels/qs8_dwconv.js";
import { PackedWeights } from "../packed-weights.js";
import { isPerAxisQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";

/** Options of `packDepthwiseWeights`. */
export interface PackDepthwiseOptions {
  /**
   * `hwc` (default): TFLite DEPTHWISE_CONV_2D [KH, KW, C·multiplier] (a leading 1 is accepted);
   * `onnx`: ONNX Conv/QLinearConv with group = C, [C·multiplier, 1, KH, KW].
   */
  readonly layout?: "hwc" | "onnx";
  /** Bias per output channel: int32 values for int8/uint8 weights, floats for float32 weights. */
  readonly bias?: ArrayLike<number>;
}

/**
 * Depthwise weights packed once for `depthwiseConv2d` (any input size). Dispose when done.
 *
 * @example
 * ```ts
 * using w = packDepthwiseWeights(qk.tensor(new Int8Array(3 * 3 * 16).fill(1), [3, 3, 16], { quant: { scale: 0.02 } }));
 * const x = qk.tensor(new Int8Array(4 * 4 * 16).fill(2), [1, 4, 4, 16], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(depthwiseConv2d(x, w, { padding: 'same' }).shape); // [ 1, 4, 4, 16 ]
 * ```
 */
export class PackedDepthwiseWeights extends PackedWeights {
  readonly kh: number;
  readonly kw: number;
  /** Output channels (input channels · multiplier). */
  readonly channels: number;
  /** `int8`/`uint8` weights use the integer kernels; `float32` the float kernels. */
  readonly dtype: "int8" | "uint8" | "float32";
  /** Weight scale per output channel (int8/uint8; NaN when packed without quant params), or null for float32. */
  readonly scales: Float32Array | null;
  /** @internal int8/uint8 weights packed with quant params (what an 8-bit output needs). */
  readonly hasScales: boolean;
  /** int32 bias (int8/uint8) or float bias (float32) per output channel. */
  readonly bias: Int32Array | Float32Array;
  /** Σ over taps of (w − zw) per output channel (int8/uint8), for folding the input zero point. */
  readonly wsum: Int32Array;
  readonly byteLength: number;
  /** @internal The inputs of the last output-stage lookup, to skip building its key when repeated. */
  lastStage: {
    readonly stage: string; readonly aScale: number; readonly outScale: number; readonly outZeroPoint: number; readonly outDtype: string;
    readonly activation: unknown; readonly clampMin: unknown; readonly clampMax: unknown; readonly key: string; readonly ptr: number;
  } | null = null;
  /** @internal The last folded-bias lookup: input zero point, key, block. */
  lastBias: { readonly za: number; readonly key: string; readonly ptr: number } | null = null;

  /** @internal */
  constructor(w: Tensor, layout: "hwc" | "onnx", options: PackDepthwiseOptions) {
    super(w.qk);
    const op = "packDepthwiseWeights";
    this.dtype = w.dtype as "int8" | "uint8" | "float32";
    const s = w.shape;
    let kh: number, kw: number, oc: number;
    if (layout === "hwc") {
      const dims = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
      if (dims.length !== 3) throw new QkernError(op, "w", `must be [KH, KW, C·multiplier] for layout 'hwc', got ${w}`);
      [kh, kw, oc] = dims as [number, number, number];
    } else {
      if (s.length !== 4 || s[1] !== 1) throw new QkernError(op, "w", `must be [C·multiplier, 1, KH, KW] for layout 'onnx', got ${w}`);
      [oc, , kh, kw] = s as [number, number, number, number];
    }
    if (kh < 1 || kw < 1 || oc < 1) throw new QkernError(op, "w", `needs KH, KW and channels >= 1, got ${w}`);
    if (kh * kw > 1023) throw new QkernError(op, "w", `has ${kh * kw} taps; at most 1023 are supported (${w})`);
    this.kh = kh;
    this.kw = kw;
    this.channels = oc;
    const taps = kh * kw;
    const [strideT, strideC] = layout === "hwc" ? [oc, 1] : [1, taps];
    const q = w.quant;
    const axis = layout === "hwc" ? s.length - 1 : 0;
    if (q !== null && isPerAxisQuant(q) && q.axis !== axis) {
      throw new QkernError(op, "w", `per-axis parameters must run along the output channels (axis ${axis}), got axis ${q.axis} (${w})`);
    }
    const zp = (c: number): number => (q === null ? 0 : isPerAxisQuant(q) ? q.zeroPoint[c]! : q.zeroPoint);
    this.scales = this.dtype === "float32" ? null : Float32Array.from({ length: oc }, (_, c) => (q === null ? NaN : isPerAxisQuant(q) ? q.scale[c]! : q.scale));
    this.hasScales = this.dtype !== "float32" && q !== null;
    this.bias = checkBias(op, options.bias, oc, this.dtype === "float32");
    this.wsum = new Int32Array(oc);
    const rt = this.rt;
    if (this.dtype === "float32") {
      const f32 = f32Dwconv(rt);
      this.byteLength = f32.packedBytes(taps, oc);
      const bias = this.bias as Float32Array;
      try {
        const dst = this.allocate(this.byteLength, op);
        rt.workspace.with(op, [4 * oc], ([biasPtr]) => {
          rt.views().f32.set(bias, biasPtr! >>> 2);
          f32.pack(w.ptr, taps, oc, strideT, strideC, biasPtr!, dst);
        });
      } catch (e) {
        this.dispose();
        throw e;
      }
      return;
    }
    const values = w.data as Int8Array | Uint8Array;
    for (let c = 0; c < oc; c++) {
      let sum = 0;
      for (let t = 0; t < taps; t++) sum += values[t * strideT + c * strideC]! - zp(c);
      this.wsum[c] = sum;
    }
    const i8 = qs8Dwconv(rt);
    this.byteLength = i8.packedBytes(taps, oc);
    try {
      const dst = this.allocate(this.byteLength, op);
      rt.workspace.with(op, [4 * oc], ([zps]) => {
        rt.views().i32.set(Int32Array.from({ length: oc }, (_, c) => zp(c)), zps! >>> 2);
        i8.pack(w.ptr, taps, oc, strideT, strideC, this.dtype === "uint8", zps!, dst);
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** @internal */
  protected describe(): string {
    return `packed depthwise weights [${this.kh}x${this.kw}, C=${this.channels}]`;
  }

  /** Byte offset of the packed tiles (raw layer). Throws if disposed. */
  get ptr(): number {
    return this.checkAlive("ptr");
  }
}

function checkBias(op: string, bias: ArrayLike<number> | undefined, n: number, float: boolean): Int32Array | Float32Array {
  if (bias === undefined) return float ? new Float32Array(n) : new Int32Array(n);
  if (bias === null || typeof bias !== "object" || bias.length !== n) {
    throw new QkernError(op, "options.bias", `must hold ${n} values (one per output channel), got ${bias !== null && typeof bias === "object" ? bias.length : String(bias)}`);
  }
  for (let i = 0; i < n; i++) {
    const v = bias[i] as number;
    if (float ? !Number.isFinite(v) : !Number.isInteger(v) || Math.abs(v) >= 2 ** 30) {
      throw new QkernError(op, "options.bias", `element ${i} is ${v}, not ${float ? "finite" : "an integer with |bias| < 2^30"}`);
    }
  }
  return float ? Float32Array.from(bias) : Int32Array.from(bias);
}

/**
 * Packs depthwise weights once: int8/uint8 (with per-tensor or per-output-channel quantization)
 * for the integer kernels, float32 for the float kernels. Layout `hwc` is TFLite's
 * [KH, KW, C·multiplier]; `onnx` is [C·multiplier, 1, KH, KW].
 *
 * @example
 * ```ts
 * const w = qk.tensor(new Int8Array(3 * 3 * 32).fill(1), [3, 3, 32], { quant: { scale: 0.02 } });
 * using packed = packDepthwiseWeights(w, { bias: new Int32Array(32) });
 * ```
 */
export function packDepthwiseWeights(w: Tensor, options: PackDepthwiseOptions = {}): PackedDepthwiseWeights {
  const op = "packDepthwiseWeights";
  const t = checkTensor(op, "w", w, ["int8", "uint8", "float32"]);
  const layout = options.layout ?? "hwc";
  if (layout !== "hwc" && layout !== "onnx") throw new QkernError(op, "options.layout", `must be 'hwc' or 'onnx', got ${String(layout)}`);
  return new PackedDepthwiseWeights(t, layout, options);
}
