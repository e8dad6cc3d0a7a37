// Running a decoded TFLite model on qkern's ops: every weight packed once, every activation planned
// once at load into one arena (tensors whose lifetimes do not overlap share bytes; src/graph/arena.ts),
// every operator turned into one call of a public op with a caller-provided output (the lowerings in
// ./lower/, one per operator family). A run allocates nothing. Numerics: 'litert' requantizes through
// float32 (qkern's `fp32` stage: what LiteRT / TFLite with XNNPACK compute), 'reference' uses gemmlowp
// fixed point (the `fixedpoint` stage: TFLite's reference kernels). Operators whose arithmetic is not
// exact under the chosen numerics are refused at load, never approximated.

import { QkernError } from "../errors.js";
import type { Qkern } from "../qkern.js";
import { GraphRunner, type RunnerMemory, type RunnerStep } from "../graph/runner.js";
import { checkValues, Tensor } from "../tensor.js";
import type { LowerContext } from "./lower/context.js";
import { LOWERINGS, SUPPORTED_OPS } from "./lower/index.js";
import { decodeTflite, type TfliteModel, type TfliteTensor } from "./model.js";
import { encodeTflite, type TfliteModelInput } from "./writer.js";
import { findBlocks } from "./fuse.js";
import { lowerBlock } from "./lower/block.js";
import { planTflite } from "./plan.js";
import { activationDtype, checkFloatUse, foldablePads, perTensor, type PadFolds } from "./steps.js";

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** `litert` (default): LiteRT / TFLite with XNNPACK (float32 requantization). `reference`: TFLite's reference kernels (fixed point). */
  readonly numerics?: "litert" | "reference";
  /**
   * Run inverted-residual blocks (expand 1×1 → depthwise → project 1×1 [+ ADD]) whose expanded
   * activation is large as one step over row tiles, so that it stays in cache; `timings` then lists
   * such a block as one entry. The bytes are the same either way. Default false: measured on Zen 4
   * (real MobileNetV2, simd128) the tiles' extra calls cost what the cache saves (0.96–1.00× the
   * unfused run), so it stays opt-in until the block runs as one kernel.
   */
  readonly fuse?: boolean;
  /** @internal Tests: fuse blocks from this many expanded bytes on, with tiles of about `tileBytes`. */
  readonly fuseTuning?: { readonly minBytes: number; readonly tileBytes: number };
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
  /** Activation memory (the arena holding every intermediate tensor, and the inputs and outputs). */
  readonly memory: RunnerMemory;
  private readonly runner: GraphRunner;
  private readonly inputTensors: Tensor[];
  private readonly outputTensors: Tensor[];
  private alive = true;

  /** The instance the model lives in. */
  readonly qk: Qkern;
  /** The decoded model (tensors, operators with their options, inputs, outputs): what `timings[i].index` refers to. */
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
    checkFloatUse(graph);
    const pads = foldablePads(graph);
    const fuse = options.fuse ?? false;
    if (typeof fuse !== "boolean") throw new QkernError(op, "options.fuse", `must be true or false, got ${String(fuse)}`);
    const plan = planTflite(graph, LOWERINGS, pads, qk.rt.guards !== null, fuse ? findBlocks(graph, pads, options.fuseTuning?.minBytes) : []);
    this.runner = new GraphRunner(qk, plan.graph, op);
    try {
      this.memory = this.runner.memory;
      const cx = this.context(pads);
      plan.planned.forEach((p, k) => this.runner.bind(k, p.block
        ? lowerBlock(cx, p.block, `operator ${(p.block.add ?? p.block.project).index} (inverted-residual block)`, options.fuseTuning?.tileBytes)
        : LOWERINGS[p.operator.op]!.lower(cx, p.operator, `operator ${p.operator.index} (${p.operator.op})`)));
      this.operations = operationsOf(graph);
      this.inputTensors = graph.inputs.map((i) => cx.act(i));
      this.outputTensors = graph.outputs.map((i) => cx.act(i));
      this.inputs = graph.inputs.map((i) => info(graph.tensors[i]!));
      this.outputs = graph.outputs.map((i) => info(graph.tensors[i]!));
      // One run on zero-point inputs before the model is handed out: whatever an operator's call
      // checks (shapes, strides, scales the output stage cannot represent) is refused now, at load,
      // naming the operator, never in a user's run. It also sizes the scratch workspace.
      for (const t of this.inputTensors) (t.data as Int8Array | Uint8Array).fill(t.quant === null ? 0 : (t.quant as { zeroPoint: number }).zeroPoint);
      this.runner.execute(describe);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Per-operator times of the last run (folded operators, e.g. a PAD merged into its convolution or a RESHAPE, are not listed). */
  get timings(): readonly OperatorTiming[] {
    return this.runner.timings;
  }

  /**
   * Runs the model on one set of inputs and returns copies of the outputs. Inputs by position (an
   * array) or by name (an object keyed by the inputs' names); each a typed array or plain array of
   * the input's element count in its dtype (values are checked unless the array's own type is the
   * dtype's: Int8Array for int8, Uint8Array for uint8), or a qkern tensor of the input's dtype and
   * size. `inspect`, for debugging and tests, sees every operator's output after it ran (a live
   * view: copy what you keep; arena bytes are reused by later operators).
   */
  run(
    inputs: readonly (ArrayLike<number> | Tensor)[] | Readonly<Record<string, ArrayLike<number> | Tensor>>,
    options: { readonly inspect?: (op: OperatorTiming & { readonly tensor: string }, bytes: Int8Array | Uint8Array | Float32Array) => void } = {},
  ): Array<Int8Array | Uint8Array | Float32Array> {
    if (!this.alive) throw new QkernError("run", "model", "was disposed");
    const list = this.inputList(inputs);
    this.inputTensors.forEach((t, i) => {
      const v = list[i]!;
      const arg = Array.isArray(inputs) ? `inputs[${i}]` : `inputs.${this.inputs[i]!.name}`;
      if (v instanceof Tensor) {
        if (v.dtype !== t.dtype || v.size !== t.size) throw new QkernError("run", arg, `is ${v}; ${this.inputs[i]!.name} is ${t}`);
        (t.data as Int8Array | Uint8Array | Float32Array).set(v.data as Int8Array | Uint8Array | Float32Array);
        return;
      }
      if (v === null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") throw new QkernError("run", arg, `must be an array, a typed array or a tensor, got ${String(v)}`);
      if (v.length !== t.size) throw new QkernError("run", arg, `has ${v.length} values; ${this.inputs[i]!.name} is ${t}`);
      checkValues("run", t.dtype, v);
      (t.data as Int8Array | Uint8Array | Float32Array).set(v);
    });
    const inspect = options.inspect;
    this.runner.execute(describe, inspect === undefined ? undefined : (s, _k, ms) => {
      const out = s.writes[0]!;
      inspect({ index: s.index, op: s.op, ms, tensor: this.graph.tensors[out]!.name }, this.runner.tensor(out).data as Int8Array | Uint8Array | Float32Array);
    });
    return this.outputTensors.map((t) => (t.data as Int8Array | Uint8Array | Float32Array).slice());
  }

  private inputList(inputs: unknown): ReadonlyArray<ArrayLike<number> | Tensor> {
    const n = this.inputTensors.length;
    if (Array.isArray(inputs)) {
      if (inputs.length !== n) throw new QkernError("run", "inputs", `must hold ${n} arrays (one per model input: ${this.inputs.map((i) => i.name).join(", ")}), got ${inputs.length}`);
      return inputs;
    }
    if (inputs === null || typeof inputs !== "object" || ArrayBuffer.isView(inputs) || inputs instanceof Tensor) {
      throw new QkernError("run", "inputs", `must be an array (by position) or an object keyed by input name, got ${String(inputs)}`);
    }
    const byName = inputs as Record<string, ArrayLike<number> | Tensor>;
    const names = this.inputs.map((i) => i.name);
    const unknown = Object.keys(byName).filter((k) => !names.includes(k));
    if (unknown.length > 0 || names.some((k) => !(k in byName))) {
      throw new QkernError("run", "inputs", `must name exactly the model's inputs (${names.join(", ")}), got ${Object.keys(byName).join(", ") || "none"}`);
    }
    return names.map((k) => byName[k]!);
  }

  /** Frees every packed weight and activation. Idempotent. */
  dispose(): void {
    this.alive = false;
    this.runner?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** What the lowerings see (src/tflite/lower/context.ts). */
  private context(pads: PadFolds): LowerContext {
    const g = this.graph;
    const qk = this.qk;
    const runner = this.runner;
    const constants = new Map<number, Tensor>();
    return {
      qk, graph: g, numerics: this.numerics, stage: this.numerics === "litert" ? "fp32" : "fixedpoint", pads,
      act: (i) => {
        if (runner.has(i)) return runner.tensor(i);
        let t = constants.get(i);
        if (t) return t;
        const info = g.tensors[i];
        if (info === undefined || info.data === null) throw new QkernError(op, `tensor ${i}`, "has no activation (an internal planning error)");
        // A constant read where an activation is expected (ADD with a constant operand, a constant graph output).
        const dtype = activationDtype(info);
        t = runner.adopt(qk.tensor(dtype === "int8" ? new Int8Array(info.data.buffer, info.data.byteOffset, info.data.byteLength) : info.data.slice(), info.shape, { dtype, quant: perTensor(info) }));
        constants.set(i, t);
        return t;
      },
      constant: (i) => {
        const t = g.tensors[i];
        if (!t || t.data === null) throw new QkernError(op, `tensor ${i}`, "must be a constant here");
        return t;
      },
      own: (x) => runner.own(x),
      scratch: (like, shape) => runner.own(qk.empty(like.dtype, shape, like.quant === null ? {} : { quant: like.quant })),
      reshaped: (t, shape) => runner.reshaped(t, shape),
    };
  }
}

const describe = (s: RunnerStep): string => `operator ${s.index} (${s.op})`;

/**
 * Loads a TFLite model into `qk`: the bytes of a `.tflite` file, or a graph built in code (the shape
 * `decodeTflite` returns: explicit tensors, int8 weights, quantization parameters and operators;
 * it is encoded and decoded, so it gets every check a file gets). Decodes and validates the whole
 * model, packs every weight, plans every activation into one arena and runs the model once on
 * zero-point inputs, so that anything it cannot run is refused now. Synchronous. Refuses
 * (QkernError) malformed files and operators it cannot run (the supported ones: docs/ops.md,
 * "TFLite models").
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
 * using model = loadModel(qk, bytes, { numerics: 'litert' });   // or a .tflite file's bytes
 * console.log(model.inputs[0]!.dtype, model.outputs[0]!.shape); // int8 [ 1, 1000 ]
 *
 * // A graph written in code: y = relu(x + x), int8, scale 0.5.
 * const q = { scale: [0.5], zeroPoint: [0] };
 * using tiny = loadModel(qk, {
 *   tensors: [{ name: 'x', shape: [4], type: 'int8', quant: q }, { name: 'y', shape: [4], type: 'int8', quant: q }],
 *   inputs: [0], outputs: [1],
 *   operators: [{ code: 0, inputs: [0, 0], outputs: [1], options: { activation: 'relu' } }],
 * });
 * console.log(tiny.run([Int8Array.of(-3, 1, 2, 100)])[0]); // Int8Array(4) [ 0, 2, 4, 127 ]
 * ```
 */
export function loadModel(qk: Qkern, model: Uint8Array | TfliteModelInput, options: LoadModelOptions = {}): Model {
  const bytes = model instanceof Uint8Array ? model : encodeTflite(model);
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

