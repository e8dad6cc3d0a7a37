// The quantized network: a ModelSpec with int8/uint8 activations (parameters from calibration),
// per-channel int8 weights, every layer on qkern's integer kernels.

import { QkernError } from "../errors.js";
import { add } from "../ops/add.js";
import { concat } from "../ops/concat.js";
import { conv2d, packConvWeights, type PackedConvWeights } from "../ops/conv2d.js";
import { depthwiseConv2d } from "../ops/depthwise-conv2d.js";
import { dequantize } from "../ops/dequantize.js";
import { gemm } from "../ops/gemm.js";
import { globalAvgPool } from "../ops/global-avg-pool.js";
import { maxPool2d } from "../ops/max-pool2d.js";
import { PackedDepthwiseWeights, packDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import { packGemmWeights, type PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import { quantize } from "../ops/quantize.js";
import { prune } from "../prune.js";
import type { PerTensorQuant, QuantParams } from "../quant.js";
import type { GraphRunner } from "../graph/runner.js";
import type { Qkern } from "../qkern.js";
import { quantFor, type Tensor } from "../tensor.js";
import { Network } from "./network.js";
import { quantizeBias, quantizeChannels } from "./quantize-weights.js";
import { layerInputs, type LayerSpec, type ModelSpec } from "./spec.js";

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
  /**
   * ADD layers with TFLite's arithmetic (`add` with `numerics`) instead of `stage`: what a TFLite
   * runtime computes for the same graph (`tfliteFromSpec` + `loadModel`). Default: `stage`.
   */
  readonly addNumerics?: "litert" | "reference";
}

/** Per-tensor activation parameters chosen by calibration. */
export type ActivationParams = ReadonlyMap<string, PerTensorQuant>;

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
 * The int8 network: per-channel int8 weights, calibrated per-tensor activations, run by the graph
 * runner loaded models use: every activation is planned at the first run into one arena (tensors
 * whose lifetimes do not overlap share bytes: MobileNetV2 int8 about 1.5 MB instead of 7 MB) and
 * reused by later runs, until `dispose()`.
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
  /** TFLite numerics of the ADD layers, if any (QuantizeModelOptions.addNumerics). */
  readonly addNumerics: "litert" | "reference" | undefined;
  /** The quantized weights and biases of every conv / dwconv / fc layer, by layer name. */
  readonly quantized = new Map<string, QuantizedLayer>();
  private bytes = 0;

  constructor(qk: Qkern, spec: ModelSpec, params: ActivationParams, options: QuantizeModelOptions = {}) {
    super(qk, spec);
    this.params = params;
    this.dtype = options.activations ?? "int8";
    this.stage = options.stage ?? "fp32";
    this.addNumerics = options.addNumerics;
    const inScale = (l: LayerSpec): number => this.param(layerInputs(l)[0]!).scale;
    const reduceRange = options.reduceRange === true;
    const gemmQmax = reduceRange ? 63 : 127;
    for (const l of spec.layers) {
      if (l.op === "conv") {
        const [oc, kh, kw, ic] = l.shape;
        const { q, scales } = quantizeChannels(l.weights, oc, kh * kw * ic, gemmQmax);
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
        const { q, scales } = quantizeChannels(l.weights, c, 1);
        using t = qk.tensor(q, [kh, kw, c], { quant: { axis: 2, scale: scales } });
        const bias = quantizeBias(l.bias, inScale(l), scales);
        this.quantized.set(l.name, { name: l.name, weights: q, scales, bias });
        const packed = packDepthwiseWeights(t, { bias });
        this.bytes += packed.byteLength;
        this.packed.push(packed);
      } else if (l.op === "fc") {
        const [n, k] = l.shape;
        const { q, scales } = quantizeChannels(l.weights, n, k, gemmQmax);
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

  /** @internal */
  protected tensorType(name: string): { readonly dtype: "int8" | "uint8"; readonly quant: QuantParams } {
    return { dtype: this.dtype, quant: quantFor("QuantizedNetwork", this.dtype, [1], { quant: this.param(name) })! };
  }

  /** @internal */
  protected inputStep(input: Tensor, runner: GraphRunner): () => void {
    const image = runner.own(this.qk.empty("float32", [...this.spec.inputShape]));
    return () => {
      (image.data as Float32Array).set(this.currentImage());
      quantize(image, input);
    };
  }

  /** @internal */
  protected layerStep(l: LayerSpec, i: number, inputs: Tensor[], out: Tensor): () => void {
    const p = this.packed[i];
    const [x, y] = inputs as [Tensor, Tensor | undefined];
    const output = { dtype: this.dtype, ...this.param(l.name) };
    const base = { output, stage: this.stage, out };
    switch (l.op) {
      case "conv": { const o = { ...base, strides: l.stride, padding: l.padding, activation: l.activation }; return () => void conv2d(x, p as PackedConvWeights, o); }
      case "dwconv": { const o = { ...base, strides: l.stride, padding: l.padding, activation: l.activation }; return () => void depthwiseConv2d(x, p as PackedDepthwiseWeights, o); }
      case "fc": { const o = { ...base, activation: l.activation }; return () => void gemm(x, p as PackedGemmWeights, o); }
      case "add": {
        const o = this.addNumerics === undefined ? { ...base, activation: l.activation } : { output, out, numerics: this.addNumerics, activation: l.activation };
        return () => void add(x, y!, o);
      }
      case "concat": { const o = { output, out }; return () => void concat(inputs, o); }
      case "maxpool": { const o = { kernel: l.kernel, strides: l.stride, padding: l.padding, out }; return () => void maxPool2d(x, o); }
      case "gap": { const o = { output, out }; return () => void globalAvgPool(x, o); }
    }
  }

  protected logits(t: Tensor): Float32Array {
    using f = dequantize(t);
    return f.data.slice();
  }
}

