// Running a ModelSpec: FloatNetwork (float32 reference, qkern's float kernels) and
// QuantizedNetwork (int8/uint8 activations, per-channel int8 weights, calibrated activation
// ranges). Both pack weights once and time every layer of every run.

import { QkernError } from "../errors.js";
import { chooseQuantParams, type PerTensorQuant } from "../quant.js";
import { createObserver, type ObserverKind, type ObserverOptions, type Observer } from "../calibrate.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { add, type AddOptions } from "../ops/add.js";
import { concat } from "../ops/concat.js";
import { conv2d, packConvWeights, type PackedConvWeights } from "../ops/conv2d.js";
import { depthwiseConv2d, type DepthwiseConv2dOptions } from "../ops/depthwise-conv2d.js";
import { gemm, type GemmOptions } from "../ops/gemm.js";
import { PackedDepthwiseWeights, packDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import { packGemmWeights, type PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import { globalAvgPool, maxPool2d, type Pool2dOptions } from "../ops/pool.js";
import { quantize } from "../ops/quantize.js";
import { dequantize } from "../ops/dequantize.js";
import { prune } from "../prune.js";
import { layerInputs, type LayerSpec, type ModelSpec } from "./spec.js";

/** Time of one layer in one run. */
export interface LayerTiming {
  readonly name: string;
  readonly op: string;
  readonly shape: readonly number[];
  readonly ms: number;
}

/** Result of a run: the logits (float32) and per-layer timings. */
export interface RunResult {
  readonly logits: Float32Array;
  readonly layers: readonly LayerTiming[];
  readonly ms: number;
}

type Packed = PackedConvWeights | PackedDepthwiseWeights | PackedGemmWeights | null;

/** Last layer index reading each tensor, so intermediates are freed as soon as possible. */
function lastUse(spec: ModelSpec): Map<string, number> {
  const last = new Map<string, number>();
  spec.layers.forEach((l, i) => layerInputs(l).forEach((n) => last.set(n, i)));
  last.set(spec.output, spec.layers.length);
  return last;
}

abstract class Network {
  protected readonly packed: Packed[] = [];
  /** Whether layers write into output tensors kept from the first run (see `outs`). */
  protected reuseOutputs = false;
  /** Per layer, the output tensor kept across runs when reuseOutputs is set. */
  private readonly outs: (Tensor | undefined)[] = [];
  private readonly last: Map<string, number>;
  private readonly inputNames: (readonly string[])[];
  constructor(readonly qk: Qkern, readonly spec: ModelSpec) {
    this.last = lastUse(spec);
    this.inputNames = spec.layers.map((l) => layerInputs(l));
  }

  /** Bytes of packed weights (plus biases and scales) in the instance. */
  abstract get weightBytes(): number;

  protected abstract inputTensor(image: Float32Array): Tensor;
  /** Runs layer i; `out`, when given, is the tensor this layer produced in an earlier run. */
  protected abstract runLayer(l: LayerSpec, i: number, inputs: Tensor[], out?: Tensor): Tensor;
  protected abstract logits(t: Tensor): Float32Array;

  /** Runs one image [1, H, W, 3] (float32, NHWC); `onTensor` sees every output (float runs only). */
  run(image: Float32Array, onTensor?: (name: string, t: Tensor) => void): RunResult {
    const [, h, w, c] = this.spec.inputShape;
    if (image.length !== h * w * c) throw new QkernError("run", "image", `has ${image.length} values, the model takes [1, ${h}, ${w}, ${c}]`);
    const live = new Map<string, Tensor>();
    const last = this.last;
    // With reuseOutputs the layer outputs belong to the network; only the input is per run.
    const owned = (name: string): boolean => !this.reuseOutputs || name === "input";
    const timings: LayerTiming[] = [];
    const start = performance.now();
    try {
      const t0 = performance.now();
      live.set("input", this.inputTensor(image));
      timings.push({ name: "input", op: "quantize", shape: [1, h, w, c], ms: performance.now() - t0 });
      onTensor?.("input", live.get("input")!);
      this.spec.layers.forEach((l, i) => {
        const names = this.inputNames[i]!;
        const inputs = names.map((n) => {
          const t = live.get(n);
          if (!t) throw new QkernError("run", "spec", `layer ${l.name} reads ${n}, which no earlier layer produced`);
          return t;
        });
        const s = performance.now();
        const prev = this.reuseOutputs ? this.outs[i] : undefined;
        const out = this.runLayer(l, i, inputs, prev);
        timings.push({ name: l.name, op: l.op, shape: out.shape, ms: performance.now() - s });
        if (this.reuseOutputs) this.outs[i] = out;
        live.set(l.name, out);
        onTensor?.(l.name, out);
        for (const n of names) {
          if (last.get(n) === i) {
            if (owned(n)) live.get(n)?.dispose();
            live.delete(n);
          }
        }
      });
      const logits = this.logits(live.get(this.spec.output)!);
      return { logits, layers: timings, ms: performance.now() - start };
    } finally {
      for (const [name, t] of live) if (owned(name)) t.dispose();
    }
  }

  dispose(): void {
    for (const p of this.packed) p?.dispose();
    this.packed.length = 0;
    for (const t of this.outs) t?.dispose();
    this.outs.length = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * The float32 reference network (qkern's float GEMM, im2col and depthwise kernels).
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * using net = new FloatNetwork(qk, spec);
 * const { logits, ms } = net.run(syntheticImage(spec.inputShape, 1));
 * console.log(logits.length, topK(logits, 3), ms.toFixed(1) + ' ms');
 * ```
 */
export class FloatNetwork extends Network {
  constructor(qk: Qkern, spec: ModelSpec) {
    super(qk, spec);
    for (const l of spec.layers) {
      if (l.op !== "conv" && l.op !== "dwconv" && l.op !== "fc") {
        this.packed.push(null);
        continue;
      }
      // The float weights are only needed while packing.
      using t = qk.tensor(l.weights, [...l.shape]);
      if (l.op === "conv") this.packed.push(packConvWeights(t, { floatBias: l.bias }));
      else if (l.op === "dwconv") this.packed.push(packDepthwiseWeights(t, { bias: l.bias }));
      else this.packed.push(packGemmWeights(t, { layout: "nk", floatBias: l.bias }));
    }
  }

  get weightBytes(): number {
    return 4 * this.spec.layers.reduce((s, l) => s + ("weights" in l ? l.weights.length + l.bias.length : 0), 0);
  }

  protected inputTensor(image: Float32Array): Tensor {
    return this.qk.tensor(image, [...this.spec.inputShape]);
  }

  protected runLayer(l: LayerSpec, i: number, inputs: Tensor[]): Tensor {
    const p = this.packed[i];
    switch (l.op) {
      case "conv": return conv2d(inputs[0]!, p as PackedConvWeights, { strides: l.stride, padding: l.padding, activation: l.activation });
      case "dwconv": return depthwiseConv2d(inputs[0]!, p as PackedDepthwiseWeights, { strides: l.stride, padding: l.padding, activation: l.activation });
      case "fc": return gemm(inputs[0]!, p as PackedGemmWeights, { activation: l.activation });
      case "add": return add(inputs[0]!, inputs[1]!, { activation: l.activation });
      case "concat": return concat(inputs);
      case "maxpool": return maxPool2d(inputs[0]!, { kernel: l.kernel, strides: l.stride, padding: l.padding });
      case "gap": return globalAvgPool(inputs[0]!);
    }
  }

  protected logits(t: Tensor): Float32Array {
    return (t.data as Float32Array).slice();
  }
}

/** Options of calibration and of QuantizedNetwork. */
export interface QuantizeModelOptions {
  /** Activation storage type (default int8: zero point −128 after ReLU, as TFLite). */
  readonly activations?: "int8" | "uint8";
  /** Output stage of every layer (default fp32 = ONNX Runtime semantics). */
  readonly stage?: "fp32" | "fixedpoint";
  /** Prune 1×1 convolutions to this 1×4-block sparsity and run them on the sparse kernels (default: dense). */
  readonly pointwiseSparsity?: number;
  /**
   * 7-bit ("reduce range") weights for the GEMM layers (convolutions, pointwise included, and fully
   * connected): symmetric per channel in [−63, 63] (scale max|w| / 63), packed with `reduceRange`, so
   * the relaxed build runs its faster 7-bit kernels; one bit less precision. Depthwise weights stay
   * 8-bit. Default false.
   */
  readonly reduceRange?: boolean;
}

/** Per-tensor activation parameters chosen by calibration. */
export type ActivationParams = ReadonlyMap<string, PerTensorQuant>;

/**
 * Runs the float network on calibration images, feeds every tensor to an observer, and chooses
 * asymmetric per-tensor parameters for each (the input image included).
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * const params = calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)], { observer: 'minmax', activations: 'uint8' });
 * console.log(params.size, 'tensors with activation parameters', params.get('input')); // one { scale, zeroPoint } per tensor
 * ```
 */
export function calibrate(qk: Qkern, spec: ModelSpec, images: readonly Float32Array[], options: { readonly observer?: ObserverKind; readonly observerOptions?: ObserverOptions; readonly activations?: "int8" | "uint8"; readonly onProgress?: (done: number, total: number) => void } = {}): ActivationParams {
  const observers = new Map<string, Observer>();
  using net = new FloatNetwork(qk, spec);
  images.forEach((img, i) => {
    net.run(img, (name, t) => {
      let o = observers.get(name);
      if (!o) {
        o = createObserver(options.observer ?? "minmax", options.observerOptions);
        observers.set(name, o);
      }
      o.observe(t.data as Float32Array);
    });
    options.onProgress?.(i + 1, images.length);
  });
  const params = new Map<string, PerTensorQuant>();
  for (const [name, o] of observers) {
    const [lo, hi] = o.range();
    const p = chooseQuantParams(lo, hi, { dtype: options.activations ?? "int8" });
    params.set(name, { scale: p.scale, zeroPoint: p.zeroPoint });
  }
  // Max pooling keeps its input's parameters (it only selects values).
  for (const l of spec.layers) if (l.op === "maxpool") params.set(l.name, params.get(l.input)!);
  return params;
}

/** Symmetric per-output-channel int8 weights in [−qmax, qmax] (127, or 63 for 7-bit), channel by `channelOf`. */
function quantizeWeights(w: Float32Array, channels: number, channelOf: (i: number) => number, qmax = 127): { q: Int8Array; scales: Float32Array } {
  const amax = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) amax[channelOf(i)] = Math.max(amax[channelOf(i)]!, Math.abs(w[i]!));
  const scales = Float32Array.from(amax, (a) => (a > 0 ? Math.fround(a / qmax) : 1));
  const q = Int8Array.from(w, (v, i) => Math.max(-qmax, Math.min(qmax, Math.round(Math.fround(v / scales[channelOf(i)]!)))));
  return { q, scales };
}

function quantizeBias(b: Float32Array, inScale: number, wScales: Float32Array): Int32Array {
  return Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / (inScale * wScales[c]!)))));
}

/** What QuantizedNetwork computes for one weighted layer: enough to rebuild it elsewhere (e.g. an ONNX QDQ graph). */
export interface QuantizedLayer {
  readonly name: string;
  /** int8 weights in the layer's layout ([OC, KH, KW, IC], [KH, KW, C] or [N, K]); for pruned layers, after pruning. */
  readonly weights: Int8Array;
  /** Per-output-channel weight scales (zero points are 0). */
  readonly scales: Float32Array;
  /** int32 bias = round(bias / (inputScale · scale[c])). */
  readonly bias: Int32Array;
}

/**
 * The int8 network: per-channel int8 weights, calibrated per-tensor activations. Every layer's
 * output tensor is allocated in the first run and reused by later runs (as an inference runtime
 * would), so an instance holds all its activations (MobileNetV2 int8: about 7 MB) until `dispose()`.
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * const image = syntheticImage(spec.inputShape, 1);
 * const params = calibrate(qk, spec, [image]);
 * using int8 = new QuantizedNetwork(qk, spec, params, { stage: 'fixedpoint' });
 * console.log(topK(int8.run(image).logits, 5), int8.modelBytes, 'bytes stored');
 * ```
 */
export class QuantizedNetwork extends Network {
  readonly params: ActivationParams;
  readonly dtype: "int8" | "uint8";
  readonly stage: "fp32" | "fixedpoint";
  /** The quantized weights and biases of every conv / dwconv / fc layer, by layer name. */
  readonly quantized = new Map<string, QuantizedLayer>();
  private bytes = 0;
  private readonly layerOptions: (GemmOptions | DepthwiseConv2dOptions | AddOptions | Pool2dOptions | Parameters<typeof concat>[1] | undefined)[] = [];

  constructor(qk: Qkern, spec: ModelSpec, params: ActivationParams, options: QuantizeModelOptions = {}) {
    super(qk, spec);
    this.reuseOutputs = true;
    this.params = params;
    this.dtype = options.activations ?? "int8";
    this.stage = options.stage ?? "fp32";
    const inScale = (l: LayerSpec): number => this.param(layerInputs(l)[0]!).scale;
    const reduceRange = options.reduceRange === true;
    const gemmQmax = reduceRange ? 63 : 127;
    for (const l of spec.layers) {
      if (l.op === "conv") {
        const [oc, kh, kw, ic] = l.shape;
        const { q, scales } = quantizeWeights(l.weights, oc, (i) => Math.floor(i / (kh * kw * ic)), gemmQmax);
        const pointwise = kh === 1 && kw === 1 && options.pointwiseSparsity !== undefined;
        const values = pointwise ? prune(q, [oc, ic], { sparsity: options.pointwiseSparsity!, structure: "block1x4", layout: "nk" }).weights : q;
        using t = qk.tensor(values, [oc, kh, kw, ic], { quant: { axis: 0, scale: scales } });
        const bias = quantizeBias(l.bias, inScale(l), scales);
        this.quantized.set(l.name, { name: l.name, weights: values, scales, bias });
        const packed = packConvWeights(t, { bias, sparse: pointwise ? true : false, reduceRange });
        this.bytes += packed.gemm.byteLength;
        this.packed.push(packed);
      } else if (l.op === "dwconv") {
        const [kh, kw, c] = l.shape;
        const { q, scales } = quantizeWeights(l.weights, c, (i) => i % c);
        using t = qk.tensor(q, [kh, kw, c], { quant: { axis: 2, scale: scales } });
        const bias = quantizeBias(l.bias, inScale(l), scales);
        this.quantized.set(l.name, { name: l.name, weights: q, scales, bias });
        const packed = packDepthwiseWeights(t, { bias });
        this.bytes += packed.byteLength;
        this.packed.push(packed);
      } else if (l.op === "fc") {
        const [n, k] = l.shape;
        const { q, scales } = quantizeWeights(l.weights, n, (i) => Math.floor(i / k), gemmQmax);
        using t = qk.tensor(q, [n, k], { quant: { axis: 0, scale: scales } });
        const bias = quantizeBias(l.bias, inScale(l), scales);
        this.quantized.set(l.name, { name: l.name, weights: q, scales, bias });
        const packed = packGemmWeights(t, { layout: "nk", bias, sparse: false, reduceRange });
        this.bytes += packed.byteLength;
        this.packed.push(packed);
      } else this.packed.push(null);
    }
  }

  /** Bytes of the packed, in-memory weights (kernel layouts: padding, int16 depthwise weights, folded headers). */
  get weightBytes(): number {
    return this.bytes;
  }

  /** Stored model size: int8 weights, int32 biases, float32 per-channel scales. */
  get modelBytes(): number {
    return this.spec.layers.reduce((s, l) => s + ("weights" in l ? l.weights.length + 4 * l.bias.length + 4 * l.bias.length : 0), 0);
  }

  private param(name: string): PerTensorQuant {
    const p = this.params.get(name);
    if (!p) throw new QkernError("QuantizedNetwork", "params", `no calibrated parameters for tensor ${name}`);
    return p;
  }

  protected inputTensor(image: Float32Array): Tensor {
    using x = this.qk.tensor(image, [...this.spec.inputShape]);
    return quantize(x, { dtype: this.dtype, ...this.param("input") });
  }

  protected runLayer(l: LayerSpec, i: number, inputs: Tensor[], out?: Tensor): Tensor {
    const p = this.packed[i];
    // The op's options depend only on the layer and its kept output: built once per layer.
    let opts = this.layerOptions[i];
    if (opts === undefined || opts.out !== out) {
      const output = { dtype: this.dtype, ...this.param(l.name) };
      const base = { output, stage: this.stage, out };
      switch (l.op) {
        case "conv": case "dwconv": opts = { ...base, strides: l.stride, padding: l.padding, activation: l.activation }; break;
        case "fc": case "add": opts = { ...base, activation: l.activation }; break;
        case "concat": case "gap": opts = { output, out }; break;
        case "maxpool": opts = { kernel: l.kernel, strides: l.stride, padding: l.padding, out }; break;
      }
      this.layerOptions[i] = opts;
    }
    switch (l.op) {
      case "conv": return conv2d(inputs[0]!, p as PackedConvWeights, opts as GemmOptions);
      case "dwconv": return depthwiseConv2d(inputs[0]!, p as PackedDepthwiseWeights, opts as DepthwiseConv2dOptions);
      case "fc": return gemm(inputs[0]!, p as PackedGemmWeights, opts as GemmOptions);
      case "add": return add(inputs[0]!, inputs[1]!, opts as AddOptions);
      case "concat": return concat(inputs, opts as Parameters<typeof concat>[1]);
      case "maxpool": return maxPool2d(inputs[0]!, opts as Pool2dOptions);
      case "gap": return globalAvgPool(inputs[0]!, opts as Parameters<typeof globalAvgPool>[1]);
    }
  }

  protected logits(t: Tensor): Float32Array {
    using f = dequantize(t);
    return f.data.slice();
  }
}

/**
 * Indices of the k largest values.
 *
 * @example
 * ```ts
 * console.log(topK([0.1, 0.7, 0.2, 0.9], 2)); // [ 3, 1 ]: indices of the largest values
 * ```
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[b] as number) - (values[a] as number) || a - b).slice(0, k);
}

/**
 * Signal-to-noise ratio (dB) of `approx` against `reference`.
 *
 * @example
 * ```ts
 * console.log(sqnr([1, 2, 3, 4], [1, 2, 3, 4.1]).toFixed(1)); // signal-to-quantization-noise ratio in dB
 * ```
 */
export function sqnr(reference: ArrayLike<number>, approx: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < reference.length; i++) {
    s += (reference[i] as number) ** 2;
    e += ((reference[i] as number) - (approx[i] as number)) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}
