// Running a decoded TFLite model on qkern's ops: every weight packed once, every activation tensor
// allocated once at load (a run allocates nothing), every operator turned into one call of a public
// op with a caller-provided output. Numerics: 'litert' requantizes through float32 (qkern's `fp32`
// stage: what LiteRT / TFLite with XNNPACK compute), 'reference' uses gemmlowp fixed point (the
// `fixedpoint` stage: TFLite's reference kernels). Operators whose arithmetic is not yet exact under
// the chosen numerics are refused at load, never approximated.
//
// Work in progress (issue 15): the operators of the int8 MobileNetV2 and hello_world models run;
// the others are refused by name. Not yet: an activation arena planned from tensor lifetimes (each
// activation has its own tensor today), the remaining operators, float32 models.

import { QkernError } from "../errors.js";
import { add } from "../ops/add.js";
import { conv2d, packConvWeights, type PackedConvWeights } from "../ops/conv2d.js";
import { depthwiseConv2d } from "../ops/depthwise-conv2d.js";
import { gemm } from "../ops/gemm.js";
import { avgPool2d } from "../ops/avg-pool2d.js";
import { globalAvgPool } from "../ops/global-avg-pool.js";
import { softmax } from "../ops/softmax.js";
import { packDepthwiseWeights, type PackedDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import { packGemmWeights, type PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { decodeTflite, type TfliteModel, type TfliteOperator, type TfliteTensor } from "./model.js";
import {
  activationDtype, clamp, copyBytes, foldablePads, int32Data, int8Data, padStep, perTensor, transposeStep, weightQuant, type PadFolds,
} from "./steps.js";

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** `litert` (default): LiteRT / TFLite with XNNPACK (float32 requantization). `reference`: TFLite's reference kernels (fixed point). */
  readonly numerics?: "litert" | "reference";
}

/** An input or output of a loaded model. */
export interface ModelTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: "int8" | "uint8";
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Time of one operator in the last run. */
export interface OperatorTiming {
  readonly index: number;
  readonly op: string;
  readonly ms: number;
}

const SUPPORTED = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MEAN", "AVERAGE_POOL_2D", "SOFTMAX", "PAD", "TRANSPOSE", "RESHAPE", "SQUEEZE"] as const;
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
  /** Per-operator times of the last run (folded operators, e.g. a PAD merged into its convolution, are not listed). */
  timings: readonly OperatorTiming[] = [];
  private readonly steps: Step[] = [];
  private readonly owned: Array<Tensor | PackedConvWeights | PackedDepthwiseWeights | PackedGemmWeights> = [];
  private readonly inputTensors: Tensor[];
  private readonly outputTensors: Tensor[];
  private alive = true;
  /** Activation tensors by TFLite tensor index. */
  private readonly acts = new Map<number, Tensor>();

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
    try {
      const acts = this.acts;
      const act = (i: number): Tensor => {
        let t = acts.get(i);
        if (!t) {
          const info = graph.tensors[i]!;
          const dtype = activationDtype(info);
          // A constant read where an activation is expected (e.g. ADD with a constant operand, a
          // constant graph output): a tensor holding its data.
          t = info.data === null ? qk.empty(dtype, info.shape, { quant: perTensor(info) })
            : qk.tensor(dtype === "int8" ? new Int8Array(info.data.buffer, info.data.byteOffset, info.data.byteLength) : info.data.slice(), info.shape, { dtype, quant: perTensor(info) });
          acts.set(i, t);
          this.owned.push(t);
        }
        return t;
      };
      for (const o of graph.operators) {
        if (!(SUPPORTED as readonly string[]).includes(o.op)) {
          throw new QkernError(op, `operator ${o.index} (${o.op})`, `is not supported yet; supported: ${SUPPORTED.join(", ")}`);
        }
      }
      const folded = foldablePads(graph);
      for (const o of graph.operators) {
        if (folded.byOp.has(o.index)) continue;
        this.steps.push({ index: o.index, op: o.op, run: this.plan(o, act, folded) });
      }
      this.operations = operationsOf(graph);
      this.inputTensors = graph.inputs.map(act);
      this.outputTensors = graph.outputs.map(act);
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
   * it ran (a live view: copy what you keep).
   */
  run(inputs: readonly ArrayLike<number>[], options: { readonly inspect?: (op: OperatorTiming & { readonly tensor: string }, bytes: Int8Array | Uint8Array) => void } = {}): Array<Int8Array | Uint8Array> {
    if (!this.alive) throw new QkernError("run", "model", "was disposed");
    if (!Array.isArray(inputs) || inputs.length !== this.inputTensors.length) {
      throw new QkernError("run", "inputs", `must hold ${this.inputTensors.length} arrays (one per model input), got ${Array.isArray(inputs) ? inputs.length : String(inputs)}`);
    }
    this.inputTensors.forEach((t, i) => {
      const v = inputs[i]!;
      if (v.length !== t.size) throw new QkernError("run", `inputs[${i}]`, `has ${v.length} values; ${this.inputs[i]!.name} is ${t}`);
      (t.data as Int8Array | Uint8Array).set(v);
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
        inspect({ ...timing, tensor: this.graph.tensors[out]!.name }, this.activation(out).data as Int8Array | Uint8Array);
      }
    }
    this.timings = timings;
    return this.outputTensors.map((t) => (t.data as Int8Array | Uint8Array).slice());
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

  private activation(i: number): Tensor {
    const t = this.acts.get(i);
    if (!t) throw new QkernError("run", "model", `tensor ${i} has no activation`);
    return t;
  }

  private constant(i: number): TfliteTensor {
    const t = this.graph.tensors[i];
    if (!t || t.data === null) throw new QkernError(op, `tensor ${i}`, "must be a constant here");
    return t;
  }

  private stage(): "fp32" | "fixedpoint" {
    return this.numerics === "litert" ? "fp32" : "fixedpoint";
  }

  /** The run closure of one operator. */
  private plan(o: TfliteOperator, act: (i: number) => Tensor, folded: PadFolds): () => void {
    const qk = this.qk;
    const where = `operator ${o.index} (${o.op})`;
    const out = act(o.outputs[0]!);
    const stage = this.stage();
    switch (o.op) {
      case "CONV_2D":
      case "DEPTHWISE_CONV_2D": {
        const src = o.inputs[0]!;
        const pad = folded.byTensor.get(src);
        const x = act(pad ? pad.input : src);
        const wInfo = this.constant(o.inputs[1]!);
        const bias = o.inputs[2] !== undefined && o.inputs[2] !== -1 ? int32Data(this.constant(o.inputs[2]!)) : undefined;
        const wt = qk.tensor(int8Data(wInfo, where), wInfo.shape, { quant: weightQuant(wInfo, o.op === "CONV_2D" ? 0 : 3, where) });
        this.owned.push(wt);
        const padding = pad ? pad.pads : o.options.padding ?? "valid";
        const common = {
          strides: [o.options.strideH!, o.options.strideW!] as [number, number], dilations: [o.options.dilationH ?? 1, o.options.dilationW ?? 1] as [number, number],
          padding, out, stage, ...clamp(o.options.activation ?? "none", out, where),
        };
        if (o.op === "CONV_2D") {
          const w = packConvWeights(wt, { layout: "ohwi", ...(bias ? { bias } : {}) });
          this.owned.push(w);
          return () => void conv2d(x, w, common);
        }
        const w = packDepthwiseWeights(wt, { layout: "hwc", ...(bias ? { bias } : {}) });
        this.owned.push(w);
        return () => void depthwiseConv2d(x, w, common);
      }
      case "FULLY_CONNECTED": {
        const xin = act(o.inputs[0]!);
        const wInfo = this.constant(o.inputs[1]!);
        const [n, k] = wInfo.shape as [number, number];
        const bias = o.inputs[2] !== undefined && o.inputs[2] !== -1 ? int32Data(this.constant(o.inputs[2]!)) : undefined;
        const wt = qk.tensor(int8Data(wInfo, where), [n, k], { quant: weightQuant(wInfo, 0, where) });
        this.owned.push(wt);
        const w = packGemmWeights(wt, { layout: "nk", ...(bias ? { bias } : {}) });
        this.owned.push(w);
        const m = xin.size / k;
        if (!Number.isInteger(m)) throw new QkernError(op, where, `input ${xin} does not hold rows of K = ${k}`);
        // gemm wants A as [M, K] and C as [M, N]: stage through 2-D tensors when the model's shapes differ.
        const a2 = xin.shape.length === 2 ? xin : this.scratch(xin, [m, k]);
        const c2 = out.shape.length === 2 && out.shape[0] === m ? out : this.scratch(out, [m, n]);
        const opts = { out: c2, stage, ...clamp(o.options.activation ?? "none", out, where) };
        return () => {
          if (a2 !== xin) copyBytes(xin, a2);
          gemm(a2, w, opts);
          if (c2 !== out) copyBytes(c2, out);
        };
      }
      case "ADD": {
        const a = act(o.inputs[0]!);
        const b = act(o.inputs[1]!);
        if (a.size !== b.size || a.size !== out.size) throw new QkernError(op, where, `broadcasting ADD is not supported yet (${a}, ${b})`);
        const opts = { out, stage, ...clamp(o.options.activation ?? "none", out, where) };
        return () => void add(a, b, opts);
      }
      case "MEAN": {
        const x = act(o.inputs[0]!);
        const axes = Array.from(int32Data(this.constant(o.inputs[1]!))).sort();
        if (x.shape.length !== 4 || axes.join(",") !== "1,2") throw new QkernError(op, where, `MEAN over axes [${axes.join(", ")}] of ${x} is not supported (only over H and W of NHWC)`);
        const c4 = out.shape.length === 4 ? out : this.scratch(out, [x.shape[0]!, 1, 1, x.shape[3]!]);
        const q = out.quant as { scale: number; zeroPoint: number };
        const opts = { out: c4, output: { scale: q.scale, zeroPoint: q.zeroPoint }, numerics: this.numerics, keepDims: o.options.keepDims ?? false };
        return () => {
          globalAvgPool(x, opts);
          if (c4 !== out) copyBytes(c4, out);
        };
      }
      case "AVERAGE_POOL_2D": {
        const x = act(o.inputs[0]!);
        const opts = {
          kernel: [o.options.filterH!, o.options.filterW!] as [number, number], strides: [o.options.strideH!, o.options.strideW!] as [number, number],
          padding: o.options.padding ?? "valid", out, numerics: this.numerics, activation: o.options.activation ?? "none",
        } as const;
        return () => void avgPool2d(x, opts as Parameters<typeof avgPool2d>[1]);
      }
      case "SOFTMAX": {
        const x = act(o.inputs[0]!);
        const opts = { output: out.dtype, numerics: this.numerics, beta: o.options.beta ?? 1, out } as const;
        return () => void softmax(x, opts as Parameters<typeof softmax>[1]);
      }
      case "PAD": {
        const x = act(o.inputs[0]!);
        const pads = Array.from(int32Data(this.constant(o.inputs[1]!)));
        return padStep(x, out, pads, where);
      }
      case "TRANSPOSE": {
        const x = act(o.inputs[0]!);
        const perm = Array.from(int32Data(this.constant(o.inputs[1]!)));
        return transposeStep(x, out, perm, where);
      }
      case "RESHAPE":
      case "SQUEEZE": {
        const x = act(o.inputs[0]!);
        if (x.size !== out.size) throw new QkernError(op, where, `reshapes ${x} into ${out}`);
        return () => copyBytes(x, out);
      }
      default:
        throw new QkernError(op, where, `is not supported yet; supported: ${SUPPORTED.join(", ")}`);
    }
  }

  /** A tensor of another shape over the same element type and quantization, owned by the model. */
  private scratch(like: Tensor, shape: readonly number[]): Tensor {
    const t = this.qk.empty(like.dtype, shape, like.quant === null ? {} : { quant: like.quant });
    this.owned.push(t);
    return t;
  }
}

/**
 * Loads a TFLite flatbuffer (int8 models) into `qk`: decodes and validates the whole file, packs every
 * weight and allocates every activation once. Synchronous. Refuses (QkernError) malformed files and
 * operators it cannot run. Supported operators (int8): CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
 * ADD, MEAN, AVERAGE_POOL_2D, SOFTMAX, PAD, TRANSPOSE, RESHAPE, SQUEEZE.
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
  const q = perTensor(t);
  return { name: t.name, shape: t.shape, dtype: activationDtype(t), scale: q.scale, zeroPoint: q.zeroPoint };
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

