// Running a ModelSpec: the base both networks share (float32 reference: float-network.ts;
// int8/uint8: quantized-network.ts). A network is a graph of the same runner that loaded model files
// go through (src/graph/runner.ts): the input and every layer output planned once (the input and the
// logits pinned, every other tensor in one arena shared across lifetimes), weights packed once, one
// step per layer writing into its planned output, per-layer timings.

import { QkernError } from "../errors.js";
import type { DType } from "../dtype.js";
import { GraphRunner, type RunnerMemory, type RunnerStep, type RunnerTensor } from "../graph/runner.js";
import type { PackedConvWeights } from "../ops/conv2d.js";
import type { PackedDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import type { PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import type { QuantParams } from "../quant.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { layerInputs, layerShapes, type LayerSpec, type ModelSpec } from "./spec.js";

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

/**
 * What FloatNetwork and QuantizedNetwork share: weights packed once, layer-by-layer runs through the
 * graph runner with per-layer timings, every activation planned at the first run (no allocation in
 * later runs), `dispose()` for everything.
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
  private runner: GraphRunner | null = null;
  private image: Float32Array | null = null;
  private readonly shapes: Map<string, readonly number[]>;
  constructor(readonly qk: Qkern, readonly spec: ModelSpec) {
    this.shapes = layerShapes(spec);
    if (!this.shapes.has(spec.output)) throw new QkernError("Network", "spec.output", `names ${spec.output}, which no layer writes`);
  }

  /** Bytes of packed weights (plus biases and scales) in the instance. */
  abstract get weightBytes(): number;

  /** Activation memory (planned at the first run; null before). */
  get memory(): RunnerMemory | null {
    return this.runner?.memory ?? null;
  }

  /** @internal Storage of tensor `name` ("input" or a layer's output). */
  protected abstract tensorType(name: string): { readonly dtype: DType; readonly quant: QuantParams | null };
  /** @internal The step writing the network's input tensor `input` from the float image the run was given (`image()`). */
  protected abstract inputStep(input: Tensor, runner: GraphRunner): () => void;
  /** @internal The step running layer i from `inputs` into `out`. */
  protected abstract layerStep(l: LayerSpec, i: number, inputs: Tensor[], out: Tensor): () => void;
  protected abstract logits(t: Tensor): Float32Array;

  /** The float image of the current run. */
  protected currentImage(): Float32Array {
    return this.image!;
  }

  /** Runs one image [1, H, W, 3] (float32, NHWC); `onTensor` sees every tensor once written (a live view: copy what you keep). */
  run(image: Float32Array, onTensor?: (name: string, t: Tensor) => void): RunResult {
    const [, h, w, c] = this.spec.inputShape;
    if (image.length !== h * w * c) throw new QkernError("run", "image", `has ${image.length} values, the model takes [1, ${h}, ${w}, ${c}]`);
    const runner = this.runner ?? this.plan();
    const names = ["input", ...this.spec.layers.map((l) => l.name)];
    const ops = ["quantize", ...this.spec.layers.map((l) => l.op)];
    const timings: LayerTiming[] = [];
    const start = performance.now();
    this.image = image;
    try {
      runner.execute(describeLayer(names), (s, k, ms) => {
        const t = runner.tensor(s.writes[0]!);
        timings.push({ name: names[k]!, op: ops[k]!, shape: t.shape, ms });
        onTensor?.(names[k]!, t);
      });
    } finally {
      this.image = null;
    }
    const logits = this.logits(runner.tensor(names.indexOf(this.spec.output)));
    return { logits, layers: timings, ms: performance.now() - start };
  }

  /** Tensors: 0 = input, i + 1 = layer i's output; step k writes tensor k. */
  private plan(): GraphRunner {
    const names = ["input", ...this.spec.layers.map((l) => l.name)];
    const index = new Map(names.map((n, i) => [n, i]));
    const tensors: RunnerTensor[] = names.map((name) => ({ name, shape: this.shapes.get(name)!, ...this.tensorType(name) }));
    const steps: RunnerStep[] = [
      { index: 0, op: "quantize", reads: [], writes: [0] },
      ...this.spec.layers.map((l, i) => ({ index: i + 1, op: l.op, reads: layerInputs(l).map((n) => index.get(n)!), writes: [i + 1] })),
    ];
    const runner = new GraphRunner(this.qk, { tensors, steps, pinned: [0, index.get(this.spec.output)!], separate: this.qk.rt.guards !== null }, "run");
    try {
      runner.bind(0, this.inputStep(runner.tensor(0), runner));
      this.spec.layers.forEach((l, i) => runner.bind(i + 1, this.layerStep(l, i, layerInputs(l).map((n) => runner.tensor(index.get(n)!)), runner.tensor(i + 1))));
    } catch (e) {
      runner.dispose();
      throw e;
    }
    this.runner = runner;
    return runner;
  }

  dispose(): void {
    for (const p of this.packed) p?.dispose();
    this.packed.length = 0;
    this.runner?.dispose();
    this.runner = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const describeLayer = (names: readonly string[]) => (s: RunnerStep): string => `layer ${names[s.index]} (${s.op})`;
