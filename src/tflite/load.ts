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
import { globalAvgPool } from "../ops/global-avg-pool.js";
import { packDepthwiseWeights, type PackedDepthwiseWeights } from "../ops/pack-depthwise-weights.js";
import { packGemmWeights, type PackedGemmWeights } from "../ops/pack-gemm-weights.js";
import type { ClampOptions } from "../output-stage.js";
import type { Qkern } from "../qkern.js";
import type { Tensor } from "../tensor.js";
import { decodeTflite, type TfliteActivation, type TfliteModel, type TfliteOperator, type TfliteTensor } from "./model.js";

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

const SUPPORTED = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MEAN", "PAD", "TRANSPOSE", "RESHAPE", "SQUEEZE"] as const;
const op = "loadModel";

type Step = { readonly index: number; readonly op: string; readonly run: () => void };

/** A TFLite model loaded into one qkern instance. Dispose when done. */
export class Model {
  readonly inputs: readonly ModelTensorInfo[];
  readonly outputs: readonly ModelTensorInfo[];
  readonly numerics: "litert" | "reference";
  /** Per-operator times of the last run (folded operators, e.g. a PAD merged into its convolution, are not listed). */
  timings: readonly OperatorTiming[] = [];
  private readonly steps: Step[] = [];
  private readonly owned: Array<Tensor | PackedConvWeights | PackedDepthwiseWeights | PackedGemmWeights> = [];
  private readonly inputTensors: Tensor[];
  private readonly outputTensors: Tensor[];
  private alive = true;

  /** @internal */
  constructor(readonly qk: Qkern, readonly graph: TfliteModel, options: LoadModelOptions) {
    const numerics = options.numerics ?? "litert";
    if (numerics !== "litert" && numerics !== "reference") throw new QkernError(op, "options.numerics", `must be 'litert' or 'reference', got ${String(numerics)}`);
    this.numerics = numerics;
    try {
      const acts = new Map<number, Tensor>();
      const act = (i: number): Tensor => {
        let t = acts.get(i);
        if (!t) {
          const info = graph.tensors[i]!;
          t = qk.empty(activationDtype(info), info.shape, { quant: perTensor(info) });
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
      this.inputTensors = graph.inputs.map(act);
      this.outputTensors = graph.outputs.map(act);
      this.inputs = graph.inputs.map((i) => info(graph.tensors[i]!));
      this.outputs = graph.outputs.map((i) => info(graph.tensors[i]!));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Runs the model on one set of inputs (typed arrays by position, in the inputs' dtypes); returns copies of the outputs. */
  run(inputs: readonly ArrayLike<number>[]): Array<Int8Array | Uint8Array> {
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
    for (const s of this.steps) {
      const t0 = performance.now();
      s.run();
      timings.push({ index: s.index, op: s.op, ms: performance.now() - t0 });
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
          padding, out, stage, ...clamp(o.options.activation ?? "none", where),
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
        const opts = { out: c2, stage, ...clamp(o.options.activation ?? "none", where) };
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
        const opts = { out, stage, ...clamp(o.options.activation ?? "none", where) };
        return () => void add(a, b, opts);
      }
      case "MEAN": {
        if (this.numerics === "reference") throw new QkernError(op, where, "MEAN is not yet exact under 'reference' numerics (TFLite's fixed-point mean); load with numerics 'litert'");
        const x = act(o.inputs[0]!);
        const axes = Array.from(int32Data(this.constant(o.inputs[1]!))).sort();
        if (x.shape.length !== 4 || axes.join(",") !== "1,2") throw new QkernError(op, where, `MEAN over axes [${axes.join(", ")}] of ${x} is not supported (only over H and W of NHWC)`);
        const c4 = out.shape.length === 4 ? out : this.scratch(out, [x.shape[0]!, 1, 1, x.shape[3]!]);
        const opts = { out: c4, output: { scale: (out.quant as { scale: number }).scale, zeroPoint: (out.quant as { zeroPoint: number }).zeroPoint } };
        return () => {
          globalAvgPool(x, opts);
          if (c4 !== out) copyBytes(c4, out);
        };
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
 * operators it cannot run exactly under the chosen numerics.
 */
export function loadModel(qk: Qkern, bytes: Uint8Array, options: LoadModelOptions = {}): Model {
  return new Model(qk, decodeTflite(bytes), options);
}

type PadFold = { readonly input: number; readonly pads: [number, number, number, number] };
/** Folded PADs by their output tensor (for the convolution reading it) and by operator index (to skip them). */
type PadFolds = { readonly byTensor: Map<number, PadFold>; readonly byOp: Set<number> };

/** PADs of NHWC height/width by the zero point whose only reader is a VALID convolution: the convolution pads instead. */
function foldablePads(g: TfliteModel): PadFolds {
  const readers = new Map<number, TfliteOperator[]>();
  for (const o of g.operators) for (const i of o.inputs) if (i >= 0) readers.set(i, [...(readers.get(i) ?? []), o]);
  const byTensor = new Map<number, PadFold>();
  const byOp = new Set<number>();
  for (const o of g.operators) {
    if (o.op !== "PAD") continue;
    const out = o.outputs[0]!;
    const rs = readers.get(out) ?? [];
    const padT = g.tensors[o.inputs[1]!];
    if (rs.length !== 1 || g.outputs.includes(out) || !padT?.data) continue;
    const r = rs[0]!;
    if ((r.op !== "CONV_2D" && r.op !== "DEPTHWISE_CONV_2D") || r.inputs[0] !== out || r.options.padding !== "valid") continue;
    const p = Array.from(int32Data(padT));
    const [inT, outT] = [g.tensors[o.inputs[0]!]!, g.tensors[out]!];
    if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) continue;
    if (!sameQuant(inT, outT)) continue;
    byTensor.set(out, { input: o.inputs[0]!, pads: [p[2]!, p[4]!, p[3]!, p[5]!] });
    byOp.add(o.index);
  }
  return { byTensor, byOp };
}

function sameQuant(a: TfliteTensor, b: TfliteTensor): boolean {
  return a.type === b.type && a.quant !== null && b.quant !== null && a.quant.scale[0] === b.quant.scale[0] && a.quant.zeroPoint[0] === b.quant.zeroPoint[0];
}

function activationDtype(t: TfliteTensor): "int8" | "uint8" {
  if (t.type !== "int8" && t.type !== "uint8") throw new QkernError(op, `tensor ${t.index} (${t.name})`, `is ${t.type}; only int8/uint8 activations are supported yet`);
  return t.type;
}

function perTensor(t: TfliteTensor): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (q === null || q.scale.length !== 1) throw new QkernError(op, `tensor ${t.index} (${t.name})`, "activations need per-tensor quantization parameters");
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
}

function info(t: TfliteTensor): ModelTensorInfo {
  const q = perTensor(t);
  return { name: t.name, shape: t.shape, dtype: activationDtype(t), scale: q.scale, zeroPoint: q.zeroPoint };
}

function weightQuant(t: TfliteTensor, axis: number, where: string): { axis: number; scale: Float32Array; zeroPoint: Int32Array } | { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (q === null) throw new QkernError(op, where, `weights ${t.name} have no quantization parameters`);
  if (q.scale.length === 1) return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
  if (q.axis !== axis) throw new QkernError(op, where, `weights ${t.name} are quantized along axis ${q.axis}; expected ${axis}`);
  return { axis, scale: q.scale, zeroPoint: q.zeroPoint };
}

function int8Data(t: TfliteTensor, where: string): Int8Array {
  if (t.type !== "int8") throw new QkernError(op, where, `weights ${t.name} are ${t.type}; int8 weights are supported`);
  return new Int8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength);
}

function int32Data(t: TfliteTensor): Int32Array {
  if (t.type !== "int32") throw new QkernError(op, `tensor ${t.index} (${t.name})`, `must be int32, got ${t.type}`);
  const d = t.data!;
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return Int32Array.from({ length: d.byteLength / 4 }, (_, i) => v.getInt32(4 * i, true));
}

function clamp(a: TfliteActivation, where: string): ClampOptions {
  if (a === "none") return {};
  if (a === "relu" || a === "relu6") return { activation: a };
  if (a === "relu_n1_to_1") return { clampMin: -1, clampMax: 1 };
  throw new QkernError(op, where, `fused activation ${a} is not supported`);
}

function copyBytes(from: Tensor, to: Tensor): void {
  (to.data as Uint8Array).set(new Uint8Array((from.data as Int8Array).buffer, from.ptr, from.byteLength));
}

function padStep(x: Tensor, out: Tensor, pads: number[], where: string): () => void {
  if (x.shape.length !== 4 || pads.length !== 8 || pads[0] !== 0 || pads[1] !== 0 || pads[6] !== 0 || pads[7] !== 0) {
    throw new QkernError(op, where, `PAD of ${x} by [${pads.join(", ")}] is not supported (NHWC height and width only)`);
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [top, left] = [pads[2]!, pads[4]!];
  const [oh, ow] = [out.shape[1]!, out.shape[2]!];
  const zp = (out.quant as { zeroPoint: number }).zeroPoint;
  return () => {
    const src = x.data as Int8Array;
    const dst = out.data as Int8Array;
    dst.fill(zp);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const from = ((b * h + y) * w) * c;
        dst.set(src.subarray(from, from + w * c), ((b * oh + y + top) * ow + left) * c);
      }
    }
  };
}

function transposeStep(x: Tensor, out: Tensor, perm: number[], where: string): () => void {
  const r = x.shape.length;
  if (perm.length !== r || [...perm].sort().join() !== Array.from({ length: r }, (_, i) => i).join()) throw new QkernError(op, where, `permutation [${perm.join(", ")}] does not fit ${x}`);
  const inStrides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // As 4-D (leading 1s added): for each output index (a, b, c, d), source offset = a·s0 + b·s1 + c·s2 + d·s3.
  const pad4 = <T>(v: T[], fill: T): T[] => [...new Array<T>(4 - r).fill(fill), ...v];
  if (r > 4) throw new QkernError(op, where, `TRANSPOSE of rank ${r} is not supported`);
  const [d0, d1, d2, d3] = pad4(perm.map((p) => x.shape[p]!), 1) as [number, number, number, number];
  const [s0, s1, s2, s3] = pad4(perm.map((p) => inStrides[p]!), 0) as [number, number, number, number];
  return () => {
    const src = x.data as Int8Array;
    const dst = out.data as Int8Array;
    let o = 0;
    for (let a = 0; a < d0; a++) {
      for (let b = 0; b < d1; b++) {
        for (let c = 0; c < d2; c++) {
          let s = a * s0 + b * s1 + c * s2;
          for (let d = 0; d < d3; d++, s += s3) dst[o++] = src[s]!;
        }
      }
    }
  };
}
