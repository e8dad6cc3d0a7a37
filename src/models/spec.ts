// Model descriptions: a network as a list of layers over named tensors, with float32 weights. The
// same description runs in float32 (FloatNetwork) and, after calibration, in int8 (QuantizedNetwork).
import { QkernError } from "../errors.js";


/** Fused activation of a layer. */
export type Activation = "none" | "relu" | "relu6";

/** One layer; `name` names its output tensor, `input`/`inputs` name earlier tensors ("input" is the image). */
export type LayerSpec =
  | {
      readonly op: "conv";
      readonly name: string;
      readonly input: string;
      /** [OC, KH, KW, IC] */
      readonly shape: readonly [number, number, number, number];
      readonly weights: Float32Array;
      readonly bias: Float32Array;
      readonly stride: number;
      readonly padding: "same" | "valid";
      readonly activation: Activation;
    }
  | {
      readonly op: "dwconv";
      readonly name: string;
      readonly input: string;
      /** [KH, KW, C] */
      readonly shape: readonly [number, number, number];
      readonly weights: Float32Array;
      readonly bias: Float32Array;
      readonly stride: number;
      readonly padding: "same" | "valid";
      readonly activation: Activation;
    }
  | { readonly op: "add"; readonly name: string; readonly inputs: readonly [string, string]; readonly activation: Activation }
  | { readonly op: "concat"; readonly name: string; readonly inputs: readonly string[] }
  | { readonly op: "maxpool"; readonly name: string; readonly input: string; readonly kernel: number; readonly stride: number; readonly padding: "same" | "valid" }
  | { readonly op: "gap"; readonly name: string; readonly input: string }
  | {
      readonly op: "fc";
      readonly name: string;
      readonly input: string;
      /** [N, K] (outputs, inputs) */
      readonly shape: readonly [number, number];
      readonly weights: Float32Array;
      readonly bias: Float32Array;
      readonly activation: Activation;
    };

/** A whole network. */
export interface ModelSpec {
  readonly name: string;
  /** NHWC input shape, [1, H, W, 3]. */
  readonly inputShape: readonly [number, number, number, number];
  readonly layers: readonly LayerSpec[];
  /** Name of the logits tensor. */
  readonly output: string;
}

/**
 * Inputs a layer reads.
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * const fire = spec.layers.find((l) => l.op === 'concat');
 * console.log(fire && layerInputs(fire)); // the names of the tensors the layer reads
 * ```
 */
export function layerInputs(l: LayerSpec): readonly string[] {
  return "inputs" in l ? l.inputs : [l.input];
}

/**
 * Number of float32 weights and biases.
 *
 * @example
 * ```ts
 * console.log(parameterCount(mobileNetV2())); // 3487816 (BatchNorm folded into the conv biases)
 * ```
 */
export function parameterCount(spec: ModelSpec): number {
  return spec.layers.reduce((s, l) => s + ("weights" in l ? l.weights.length + l.bias.length : 0), 0);
}

/** Deterministic weights: a xorshift generator and He-style Gaussian initialisation. */
export class SeededInit {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x12345678;
  }
  uniform(): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return ((this.s >>> 0) + 0.5) / 2 ** 32;
  }
  gauss(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
  /** n weights with standard deviation gain / sqrt(fanIn). */
  weights(n: number, fanIn: number, gain: number): Float32Array {
    const std = gain / Math.sqrt(fanIn);
    return Float32Array.from({ length: n }, () => this.gauss() * std);
  }
  bias(n: number, scale: number): Float32Array {
    return Float32Array.from({ length: n }, () => (this.uniform() - 0.5) * 2 * scale);
  }
}

/** Builds layers with a running name counter and seeded weights. */
export class Builder {
  readonly layers: LayerSpec[] = [];
  private count = 0;
  constructor(readonly init: SeededInit) {}
  private next(prefix: string): string {
    return `${prefix}${this.count++}`;
  }
  conv(input: string, ic: number, oc: number, k: number, stride: number, activation: Activation, padding: "same" | "valid" = "same", name?: string): string {
    const n = name ?? this.next("conv");
    const gain = activation === "none" ? 1 : Math.SQRT2;
    this.layers.push({ op: "conv", name: n, input, shape: [oc, k, k, ic], weights: this.init.weights(oc * k * k * ic, k * k * ic, gain), bias: this.init.bias(oc, 0.05), stride, padding, activation });
    return n;
  }
  dwconv(input: string, c: number, k: number, stride: number, activation: Activation): string {
    const n = this.next("dw");
    this.layers.push({ op: "dwconv", name: n, input, shape: [k, k, c], weights: this.init.weights(k * k * c, k * k, Math.SQRT2), bias: this.init.bias(c, 0.05), stride, padding: "same", activation });
    return n;
  }
  add(a: string, b: string): string {
    const n = this.next("add");
    this.layers.push({ op: "add", name: n, inputs: [a, b], activation: "none" });
    return n;
  }
  concat(inputs: string[]): string {
    const n = this.next("concat");
    this.layers.push({ op: "concat", name: n, inputs });
    return n;
  }
  maxpool(input: string, kernel: number, stride: number): string {
    const n = this.next("pool");
    this.layers.push({ op: "maxpool", name: n, input, kernel, stride, padding: "valid" });
    return n;
  }
  gap(input: string): string {
    const n = this.next("gap");
    this.layers.push({ op: "gap", name: n, input });
    return n;
  }
  fc(input: string, k: number, nOut: number, name?: string): string {
    const n = name ?? this.next("fc");
    this.layers.push({ op: "fc", name: n, input, shape: [nOut, k], weights: this.init.weights(nOut * k, k, 1), bias: this.init.bias(nOut, 0.05), activation: "none" });
    return n;
  }
}

/** Output size of a window of `k` along an axis of `size` (TFLite's `same` / `valid` rules). */
export function windowOutSize(size: number, k: number, stride: number, padding: "same" | "valid"): number {
  return padding === "same" ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
}

/**
 * The shape of every tensor of `spec` ("input" and each layer's output), as qkern's ops produce them
 * (NHWC; a global average pool keeps [N, 1, 1, C]; a fully connected layer keeps the leading
 * dimensions of its input). A QkernError names a layer that reads a tensor no earlier layer wrote.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * console.log(layerShapes(spec).get(spec.output)); // [ 1, 1, 1, 1000 ]
 * ```
 */
export function layerShapes(spec: ModelSpec): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>([["input", spec.inputShape]]);
  for (const l of spec.layers) {
    const xs = layerInputs(l).map((n) => {
      const s = shapes.get(n);
      if (s === undefined) throw new QkernError("ModelSpec", `layer ${l.name}`, `reads ${n}, which no earlier layer writes`);
      return s;
    });
    const x = xs[0]!;
    const [n, h, w, c] = x as [number, number, number, number];
    switch (l.op) {
      case "conv": shapes.set(l.name, [n, windowOutSize(h, l.shape[1], l.stride, l.padding), windowOutSize(w, l.shape[2], l.stride, l.padding), l.shape[0]]); break;
      case "dwconv": shapes.set(l.name, [n, windowOutSize(h, l.shape[0], l.stride, l.padding), windowOutSize(w, l.shape[1], l.stride, l.padding), c]); break;
      case "maxpool": shapes.set(l.name, [n, windowOutSize(h, l.kernel, l.stride, l.padding), windowOutSize(w, l.kernel, l.stride, l.padding), c]); break;
      case "fc": shapes.set(l.name, [...x.slice(0, -1), l.shape[0]]); break;
      case "add": shapes.set(l.name, x); break;
      case "concat": shapes.set(l.name, [...x.slice(0, -1), xs.reduce((s, t) => s + t[t.length - 1]!, 0)]); break;
      case "gap": shapes.set(l.name, [n, 1, 1, c]); break;
    }
  }
  return shapes;
}
