// Running a ModelSpec: the base both networks share (float32 reference: float-network.ts;
// int8/uint8: quantized-network.ts). Both pack weights once and time every layer of every run.

import { QkernError } from "../errors.js";
import type { PackedConvWeights } from "../ops/conv2d.js";
import type { PackedDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import type { PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
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

export type Packed = PackedConvWeights | PackedDepthwiseWeights | PackedGemmWeights | null;

/** Last layer index reading each tensor, so intermediates are freed as soon as possible. */
function lastUse(spec: ModelSpec): Map<string, number> {
  const last = new Map<string, number>();
  spec.layers.forEach((l, i) => layerInputs(l).forEach((n) => last.set(n, i)));
  last.set(spec.output, spec.layers.length);
  return last;
}

/**
 * What FloatNetwork and QuantizedNetwork share: weights packed once, layer-by-layer runs with
 * per-layer timings, intermediates freed after their last use, `dispose()` for everything packed.
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * const nets: Network[] = [new FloatNetwork(qk, spec)];
 * console.log(nets[0]!.run(syntheticImage(spec.inputShape, 1)).logits.length); // 1000
 * nets.forEach((n) => n.dispose());
 * ```
 */
export abstract class Network {
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

