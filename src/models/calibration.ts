// Calibration: activation ranges of a ModelSpec observed on the float network, turned into
// per-tensor quantization parameters for QuantizedNetwork.

import { createObserver, type Observer, type ObserverKind, type ObserverOptions } from "../calibrate.js";
import { chooseQuantParams, type PerTensorQuant } from "../quant.js";
import type { Qkern } from "../qkern.js";
import { FloatNetwork } from "./float-network.js";
import type { ActivationParams } from "./quantized-network.js";
import type { ModelSpec } from "./spec.js";

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
