// The float32 reference network: a ModelSpec run on qkern's float GEMM, im2col and depthwise kernels.

import { add } from "../ops/add.js";
import { concat } from "../ops/concat.js";
import { conv2d, packConvWeights, type PackedConvWeights } from "../ops/conv2d.js";
import { depthwiseConv2d } from "../ops/depthwise-conv2d.js";
import { gemm } from "../ops/gemm.js";
import { globalAvgPool } from "../ops/global-avg-pool.js";
import { maxPool2d } from "../ops/max-pool2d.js";
import { PackedDepthwiseWeights, packDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import { packGemmWeights, type PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { Network } from "./network.js";
import type { LayerSpec, ModelSpec } from "./spec.js";

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

  /** @internal */
  protected tensorType(): { readonly dtype: "float32"; readonly quant: null } {
    return { dtype: "float32", quant: null };
  }

  /** @internal */
  protected inputStep(input: Tensor): () => void {
    return () => (input.data as Float32Array).set(this.currentImage());
  }

  /** @internal */
  protected layerStep(l: LayerSpec, i: number, inputs: Tensor[], out: Tensor): () => void {
    const p = this.packed[i];
    const [x, y] = inputs as [Tensor, Tensor | undefined];
    switch (l.op) {
      case "conv": { const o = { strides: l.stride, padding: l.padding, activation: l.activation, out }; return () => void conv2d(x, p as PackedConvWeights, o); }
      case "dwconv": { const o = { strides: l.stride, padding: l.padding, activation: l.activation, out }; return () => void depthwiseConv2d(x, p as PackedDepthwiseWeights, o); }
      case "fc": { const o = { activation: l.activation, out }; return () => void gemm(x, p as PackedGemmWeights, o); }
      case "add": { const o = { activation: l.activation, out }; return () => void add(x, y!, o); }
      case "concat": return () => void concat(inputs, { out });
      case "maxpool": { const o = { kernel: l.kernel, strides: l.stride, padding: l.padding, out }; return () => void maxPool2d(x, o); }
      case "gap": return () => void globalAvgPool(x, { out });
    }
  }

  protected logits(t: Tensor): Float32Array {
    return (t.data as Float32Array).slice();
  }
}
