// Running a decoded TFLite model on qkern's ops: every weight packed once, every activation planned
// once at load into one arena (tensors whose lifetimes do not overlap share bytes; src/graph/arena.ts),
// every operator turned into one call of a public op with a caller-provided output (the lowerings in
// ./lower/, one per operator family). A run allocates nothing. Numerics: 'litert' requantizes through
// float32 (qkern's `fp32` stage: what LiteRT / TFLite with XNNPACK compute), 'reference' uses gemmlowp
// fixed point (the `fixedpoint` stage: TFLite's reference kernels). Operators whose arithmetic is not
// exact under the chosen numerics are refused at load, never approximated.

import { QkernError } from "../errors.js";
import type { Qkern } from "../qkern.js";
import { quantFor, viewOf, type Tensor } from "../tensor.js";
import type { LowerContext } from "./lower/context.js";
import { LOWERINGS, SUPPORTED_OPS } from "./lower/index.js";
import { decodeTflite, type TfliteModel, type TfliteTensor } from "./model.js";
import { planTflite, type TflitePlan } from "./plan.js";
import { activationDtype, checkFloatUse, foldablePads, perTensor, type PadFolds } from "./steps.js";

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** `litert` (default): LiteRT / TFLite with XNNPACK (float32 requantization). `reference`: TFLite's reference kernels (fixed point). */
  readonly numerics?: "litert" | "reference";
}

/** An input or output of a loaded model. */
export interface ModelTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  /** float32 for a quantized model's float inputs (read by QUANTIZE) and outputs (written by DEQUANTIZE). */
  readonly dtype: "int8" | "uint8" | "float32";
  /** Quantization of 8-bit tensors; 1 and 0 for float32 ones (their values are the real numbers). */
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Time of one operator in the last run. */
export interface OperatorTiming {
  readonly index: number;
  readonly op: string;
  readonly ms: number;
}

const op = "loadModel";

type Step = { readonly index: number; readonly op: string; readonly run: () => void };

/**
 * A TFLite model loaded into one qkern instance (`loadModel`). Dispose when done.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
 * using model = loadModel(qk, bytes);
 * const [input] = model.inputs;
 * const [logits] = model.run([new Int8Array(input!.shape.reduce((a, b) => a * b, 1)).fill(input!.zeroPoint)]);
 * console.log(input!.shape, logits!.length, model.timings.length); // [ 1, 224, 224, 3 ] 1000 ...
 * ```
 */
export class Model {
  /** The model's inputs: name, shape, dtype and quantization. */
  readonly inputs: readonly ModelTensorInfo[];
  /** The model's outputs. */
  readonly outputs: readonly ModelTensorInfo[];
  /** Which TFLite numerics the model computes. */
  readonly numerics: "litert" | "reference";
  /** Operations per inference: 2 · the multiply-adds of its CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED operators (for GOPS). */
  readonly operations: number;
  /**
   * Activation memory: `arenaBytes` hold every intermediate tensor (shared by tensors whose lifetimes
   * do not overlap; `unsharedBytes` without sharing), `ioBytes` the inputs and outputs.
   */
  readonly memory: { readonly arenaBytes: number; readonly unsharedBytes: number; readonly ioBytes: number };
  /** Per-operator times of the last run (folded operators, e.g. a PAD merged into its convolution or a RESHAPE, are not listed). */
  timings: readonly OperatorTiming[] = [];
  private readonly steps: Step[] = [];
  private readonly owned: Array<{ dispose(): void }> = [];
  private readonly inputTensors: Tensor[];
  private readonly outputTensors: Tensor[];
  private alive = true;
  /** Activation tensors by TFLite tensor index. */
  private readonly acts = new Map<number, Tensor>();
  /** Where each activation's bytes are (for reshaped views). */
  private readonly slots = new Map<Tensor, { base: Tensor; offset: number }>();

  /** The instance the model lives in. */
  readonly qk: Qkern;
  /** @internal The decoded graph. */
  readonly graph: TfliteModel;

  /** @internal */
  constructor(qk: Qkern, graph: TfliteModel, options: LoadModelOptions) {
    this.qk = qk;
    this.graph = graph;
    const numerics = options.numerics ?? "litert";
    if (numerics !== "litert" && numerics !== "reference") throw new QkernError(op, "options.numerics", `must be 'litert' or 'reference', got ${String(numerics)}`);
    this.numerics = numerics;
    for (const o of graph.operators) {
      if (LOWERINGS[o.op] === undefined) throw new QkernError(op, `operator ${o.index} (${o.op})`, `is not supported yet; supported: ${SUPPORTED_OPS.join(", ")}`);
    }
    try {
      checkFloatUse(graph);
      const pads = foldablePads(graph);
      const plan = planTflite(graph, LOWERINGS, pads, qk.rt.guards !== null);
      this.allocate(plan);
      this.memory = {
        arenaBytes: plan.arena.bytes, unsharedBytes: plan.arena.unshared,
        ioBytes: plan.pinned.reduce((s, r) => s + this.acts.get(r)!.byteLength, 0),
      };
      const cx = this.context(pads);
      for (const o of plan.steps) {
        const where = `operator ${o.index} (${o.op})`;
        this.steps.push({ index: o.index, op: o.op, run: LOWERINGS[o.op]!.lower(cx, o, where) });
      }
      this.operations = operationsOf(graph);
      this.inputTensors = graph.inputs.map((i) => cx.act(i));
      this.outputTensors = graph.outputs.map((i) => cx.act(i));
      this.inputs = graph.inputs.map((i) => info(graph.tensors[i]!));
      this.outputs = graph.outputs.map((i) => info(graph.tensors[i]!));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * Runs the model on one set of inputs (typed arrays by position, in the inputs' dtypes); returns
   * copies of the outputs. `inspect`, for debugging and tests, sees every operator's output after
   * it ran (a live view: copy what you keep; arena bytes are reused by later operators).
   */
  run(inputs: readonly ArrayLike<number>[], options: { readonly inspect?: (op: OperatorTiming & { readonly tensor: string }, bytes: Int8Array | Uint8Array | Float32Array) => void } = {}): Array<Int8Array | Uint8Array | Float32Array> {
    if (!this.alive) throw new QkernError("run", "model", "was disposed");
    if (!Array.isArray(inputs) || inputs.length !== this.inputTensors.length) {
      throw new QkernError("run", "inputs", `must hold ${this.inputTensors.length} arrays (one per model input), got ${Array.isArray(inputs) ? inputs.length : String(inputs)}`);
    }
    this.inputTensors.forEach((t, i) => {
      const v = inputs[i]!;
      if (v.length !== t.size) throw new QkernError("run", `inputs[${i}]`, `has ${v.length} values; ${this.inputs[i]!.name} is ${t}`);
      (t.data as Int8Array | Uint8Array | Float32Array).set(v);
    });
    const timings: OperatorTiming[] = [];
    const inspect = options.inspect;
    for (const s of this.steps) {
      const t0 = performance.now();
      s.run();
      const timing = { index: s.index, op: s.op, ms: performance.now() - t0 };
      timings.push(timing);
      if (inspect) {
        const out = this.graph.operators[s.index]!.outputs[0]!;
        inspect({ ...timing, tensor: this.graph.tensors[out]!.name }, this.acts.get(out)!.data as Int8Array | Uint8Array | Float32Array);
      }
    }
    this.timings = timings;
    return this.outputTensors.map((t) => (t.data as Int8Array | Uint8Array | Float32Array).slice());
  }

  /** Frees every packed weight and activation. Idempotent. */
  dispose(): void {
    this.alive = false;
    for (const x of this.owned) x.dispose();
    this.owned.length = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Every activation tensor: pinned ones in allocations of their own, the rest as views into one arena, aliases as views of their root. */
  private allocate(plan: TflitePlan): void {
    const g = this.graph;
    const quantOf = (i: number, shape: readonly number[]) => {
      const t = g.tensors[i]!;
      const dtype = activationDtype(t, true);
      return dtype === "float32" ? null : quantFor(op, dtype, shape, { quant: perTensor(t) });
    };
    for (const r of plan.pinned) {
      const t = g.tensors[r]!;
      const dtype = activationDtype(t, true);
      const x = this.own(dtype === "float32" ? this.qk.empty("float32", t.shape) : this.qk.empty(dtype, t.shape, { quant: perTensor(t) }));
      this.acts.set(r, x);
      this.slots.set(x, { base: x, offset: 0 });
    }
    if (plan.shared.length > 0) {
      const arena = this.own(this.qk.empty("uint8", [plan.arena.bytes]));
      plan.shared.forEach((r, k) => {
        const t = g.tensors[r]!;
        const offset = plan.arena.offsets[k]!;
        const x = viewOf(arena, offset, activationDtype(t, true), t.shape, quantOf(r, t.shape), op);
        this.acts.set(r, x);
        this.slots.set(x, { base: arena, offset });
      });
    }
    for (const [i, r] of plan.root) {
      if (i === r) continue;
      const t = g.tensors[i]!;
      const slot = this.slots.get(this.acts.get(r)!)!;
      const x = viewOf(slot.base, slot.offset, activationDtype(t, true), t.shape, quantOf(i, t.shape), op);
      this.acts.set(i, x);
      this.slots.set(x, slot);
    }
  }

  private own<T extends { dispose(): void }>(x: T): T {
    this.owned.push(x);
    return x;
  }

  /** What the lowerings see (src/tflite/lower/context.ts). */
  private context(pads: PadFolds): LowerContext {
    const g = this.graph;
    const qk = this.qk;
    return {
      qk, graph: g, numerics: this.numerics, stage: this.numerics === "litert" ? "fp32" : "fixedpoint", pads,
      act: (i) => {
        let t = this.acts.get(i);
        if (t) return t;
        const info = g.tensors[i];
        if (info === undefined || info.data === null) throw new QkernError(op, `tensor ${i}`, "has no activation (an internal planning error)");
        // A constant read where an activation is expected (ADD with a constant operand, a constant graph output).
        const dtype = activationDtype(info);
        t = this.own(qk.tensor(dtype === "int8" ? new Int8Array(info.data.buffer, info.data.byteOffset, info.data.byteLength) : info.data.slice(), info.shape, { dtype, quant: perTensor(info) }));
        this.acts.set(i, t);
        this.slots.set(t, { base: t, offset: 0 });
        return t;
      },
      constant: (i) => {
        const t = g.tensors[i];
        if (!t || t.data === null) throw new QkernError(op, `tensor ${i}`, "must be a constant here");
        return t;
      },
      own: (x) => this.own(x),
      scratch: (like, shape) => this.own(qk.empty(like.dtype, shape, like.quant === null ? {} : { quant: like.quant })),
      reshaped: (t, shape) => {
        const slot = this.slots.get(t);
        if (slot === undefined) throw new QkernError(op, "reshape", `${t} is not an activation of this model`);
        const x = viewOf(slot.base, slot.offset, t.dtype, shape, t.quant /* activations are per-tensor: any shape */, op);
        this.slots.set(x, slot);
        return x;
      },
    };
  }
}

/**
 * Loads a TFLite flatbuffer (int8 models) into `qk`: decodes and validates the whole file, packs every
 * weight and allocates every activation once. Synchronous. Refuses (QkernError) malformed files and
 * operators it cannot run (the supported ones: docs/ops.md, "TFLite models").
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
 * using model = loadModel(qk, bytes, { numerics: 'litert' });   // or a .tflite file's bytes
 * console.log(model.inputs[0]!.dtype, model.outputs[0]!.shape); // int8 [ 1, 1000 ]
 * ```
 */
export function loadModel(qk: Qkern, bytes: Uint8Array, options: LoadModelOptions = {}): Model {
  return new Model(qk, decodeTflite(bytes), options);
}

function info(t: TfliteTensor): ModelTensorInfo {
  const dtype = activationDtype(t, true);
  const q = dtype === "float32" ? { scale: 1, zeroPoint: 0 } : perTensor(t);
  return { name: t.name, shape: t.shape, dtype, scale: q.scale, zeroPoint: q.zeroPoint };
}

/** 2 · multiply-adds of the compute operators. */
function operationsOf(g: TfliteModel): number {
  let sum = 0;
  for (const o of g.operators) {
    const outSize = g.tensors[o.outputs[0]!]!.shape.reduce((a, b) => a * b, 1);
    const w = o.inputs[1] !== undefined && o.inputs[1] >= 0 ? g.tensors[o.inputs[1]]! : null;
    if (w === null) continue;
    if (o.op === "CONV_2D") sum += outSize * w.shape[1]! * w.shape[2]! * w.shape[3]!;
    else if (o.op === "DEPTHWISE_CONV_2D") sum += outSize * w.shape[1]! * w.shape[2]!;
    else if (o.op === "FULLY_CONNECTED") sum += outSize * w.shape[1]!;
  }
  return 2 * sum;
}

