// Packing of depthwise weights (layout in assembly/qs8_dwconv/layout.ts): int8/uint8 weights become
// int16 w − zw interleaved by tap pairs in tiles of 16 channels with Σw per channel; float32
// weights become tiles of 16 channels with the bias in front. Done once, in TypeScript.

import { QkernError } from "../errors.js";
import { isPerAxisQuant } from "../quant.js";
import type { Qkern } from "../qkern.js";
import type { Runtime } from "../runtime/runtime.js";
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
export class PackedDepthwiseWeights {
  readonly qk: Qkern;
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
  /** @internal */
  readonly rt: Runtime;
  /** @internal */
  private address: number;
  /** @internal Per-call blocks (folded bias, output stage) cached by their inputs, freed on dispose. */
  readonly cache = new Map<string, number>();

  /** @internal */
  constructor(w: Tensor, layout: "hwc" | "onnx", options: PackDepthwiseOptions) {
    const op = "packDepthwiseWeights";
    this.qk = w.qk;
    this.rt = w.rt;
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
    const values = w.toArray();
    const at = (t: number, c: number): number => (layout === "hwc" ? values[t * oc + c]! : values[c * taps + t]!);
    const q = w.quant;
    const axis = layout === "hwc" ? s.length - 1 : 0;
    if (q !== null && isPerAxisQuant(q) && q.axis !== axis) {
      throw new QkernError(op, "w", `per-axis parameters must run along the output channels (axis ${axis}), got axis ${q.axis} (${w})`);
    }
    const zp = (c: number): number => (q === null ? 0 : isPerAxisQuant(q) ? q.zeroPoint[c]! : q.zeroPoint);
    this.scales = this.dtype === "float32" ? null : Float32Array.from({ length: oc }, (_, c) => (q === null ? NaN : isPerAxisQuant(q) ? q.scale[c]! : q.scale));
    this.hasScales = this.dtype !== "float32" && q !== null;
    this.bias = checkBias(op, options.bias, oc, this.dtype === "float32");
    const tiles = Math.ceil(oc / 16);
    this.wsum = new Int32Array(oc);
    if (this.dtype === "float32") {
      const tileBytes = 64 + taps * 64;
      this.byteLength = tiles * tileBytes;
      this.address = this.rt.alloc(this.byteLength, op);
      const f = new Float32Array(this.byteLength / 4);
      for (let c = 0; c < oc; c++) {
        const base = (c >> 4) * (tileBytes / 4) + (c & 15);
        f[base] = this.bias[c]!;
        for (let t = 0; t < taps; t++) f[base + 16 * (t + 1)] = at(t, c);
      }
      this.rt.views().f32.set(f, this.address >>> 2);
      return;
    }
    const pairs = Math.ceil(taps / 2);
    const tileBytes = 64 + pairs * 64;
    this.byteLength = tiles * tileBytes;
    this.address = this.rt.alloc(this.byteLength, op);
    const words = new Int32Array(this.byteLength / 4);
    const halves = new Int16Array(words.buffer);
    for (let c = 0; c < oc; c++) {
      const tile = (c >> 4) * (tileBytes / 4);
      let sum = 0;
      for (let t = 0; t < taps; t++) {
        const v = at(t, c) - zp(c);
        sum += v;
        halves[2 * (tile + 16 + (t >> 1) * 16 + (c & 15)) + (t & 1)] = v;
      }
      words[tile + (c & 15)] = sum;
      this.wsum[c] = sum;
    }
    this.rt.views().i32.set(words, this.address >>> 2);
  }

  get disposed(): boolean {
    return this.address === 0;
  }

  /** Byte offset of the packed tiles (raw layer). Throws if disposed. */
  get ptr(): number {
    return this.checkAlive("ptr");
  }

  /** @internal */
  checkAlive(op: string): number {
    if (this.address === 0) throw new QkernError(op, "weights", `packed depthwise weights [${this.kh}x${this.kw}, C=${this.channels}] were disposed`);
    return this.address;
  }

  /** Frees the packed tiles and cached blocks. Idempotent. */
  dispose(): void {
    if (this.address !== 0) {
      this.rt.free(this.address);
      this.address = 0;
    }
    for (const p of this.cache.values()) this.rt.free(p);
    this.cache.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
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
