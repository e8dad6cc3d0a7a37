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
