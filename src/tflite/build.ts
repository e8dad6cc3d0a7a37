// A qkern ModelSpec (float32 weights) written as an int8 TFLite model, quantized as the TFLite
// converter quantizes and as QuantizedNetwork does: symmetric per-output-channel int8 weights in
// [−127, 127] (CONV_2D along axis 0 of [OC, KH, KW, IC], DEPTHWISE_CONV_2D along axis 3 of
// [1, KH, KW, C], FULLY_CONNECTED along axis 0 of [N, K]), int32 biases with scale
// inputScale · weightScale[c], per-tensor int8 activations from calibration (`calibrate`), fused
// activations in the options. Layers map to operators one to one: conv → CONV_2D, dwconv →
// DEPTHWISE_CONV_2D, fc → FULLY_CONNECTED, add → ADD, concat → CONCATENATION (channels),
// maxpool → MAX_POOL_2D, gap → MEAN over axes [1, 2] keeping dimensions. Pure TypeScript: no wasm.

import { QkernError } from "../errors.js";
import type { PerTensorQuant } from "../quant.js";
import { quantizeBias, quantizeChannels } from "../models/quantize-weights.js";
import type { ActivationParams } from "../models/quantized-network.js";
import { layerInputs, windowOutSize, type LayerSpec, type ModelSpec } from "../models/spec.js";
import { BUILTIN_OPS } from "./model.js";
import { encodeTflite, type TfliteModelInput, type TfliteOperatorInput, type TfliteTensorInput } from "./writer.js";

const op = "tfliteFromSpec";
const CODE: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(BUILTIN_OPS).map(([c, n]) => [n, Number(c)]));
/** Operator versions the TFLite converter gives these operators with int8 per-channel tensors. */
const VERSION: Readonly<Record<string, number>> = { CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, ADD: 2, CONCATENATION: 2, MAX_POOL_2D: 2, MEAN: 2 };

/** Options of `tfliteFromSpec`. */
export interface TfliteFromSpecOptions {
  /** The model's description field (default: `qkern <spec name>`). */
  readonly description?: string;
  /** Write a float32 model (float weights, biases and activations; `params` are not used) instead of int8. */
  readonly float?: boolean;
}

function littleEndian(a: Int8Array | Int32Array): Uint8Array {
  if (a instanceof Int8Array) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const v = new DataView(out.buffer);
  a.forEach((x, i) => v.setInt32(4 * i, x, true));
  return out;
}

const outSize = windowOutSize;

/**
 * The int8 TFLite graph of `spec` (the input of `encodeTflite`), with activation parameters from
 * `calibrate(qk, spec, images)` (int8 activations). Throws a QkernError naming the layer or tensor
 * when the spec or the parameters do not fit.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const params = calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]);
 * const graph = tfliteGraphFromSpec(spec, params);
 * console.log(graph.operators.length, 'operators'); // one per layer
 * ```
 */
export function tfliteGraphFromSpec(spec: ModelSpec, params: ActivationParams, options: TfliteFromSpecOptions = {}): TfliteModelInput {
  const tensors: TfliteTensorInput[] = [];
  const operators: TfliteOperatorInput[] = [];
  const byName = new Map<string, number>();
  const float = options.float === true;
  const param = (name: string): PerTensorQuant => {
    if (float) return { scale: 1, zeroPoint: 0 };
    const p = params.get(name);
    if (!p) throw new QkernError(op, "params", `has no calibrated parameters for tensor ${name}`);
    if (!(Number.isInteger(p.zeroPoint) && p.zeroPoint >= -128 && p.zeroPoint <= 127)) {
      throw new QkernError(op, "params", `tensor ${name} has zero point ${p.zeroPoint}: int8 activations are written (calibrate with activations 'int8')`);
    }
    return p;
  };
  const add = (t: TfliteTensorInput): number => tensors.push(t) - 1;
  const activation = (name: string, shape: number[]): number => {
    const p = param(name);
    const i = add(float ? { name, shape, type: "float32" } : { name, shape, type: "int8", quant: { scale: [p.scale], zeroPoint: [p.zeroPoint] } });
    byName.set(name, i);
    return i;
  };
  const shapeOf = (name: string, l: LayerSpec): number[] => {
    const i = byName.get(name);
    if (i === undefined) throw new QkernError(op, `layer ${l.name}`, `reads ${name}, which no earlier layer produces`);
    return [...tensors[i]!.shape];
  };
  const weights = (l: LayerSpec & { weights: Float32Array; bias: Float32Array }, shape: number[], axis: number, channels: number, inner: number, inScale: number): [number, number] => {
    if (l.bias.length !== channels) throw new QkernError(op, `layer ${l.name}`, `has ${l.bias.length} biases for ${channels} channels`);
    if (float) {
      const bytes = (a: Float32Array): Uint8Array => {
        const out = new Uint8Array(4 * a.length);
        const v = new DataView(out.buffer);
        a.forEach((x, i) => v.setFloat32(4 * i, x, true));
        return out;
      };
      return [add({ name: `${l.name}/weights`, shape, type: "float32", data: bytes(l.weights) }), add({ name: `${l.name}/bias`, shape: [channels], type: "float32", data: bytes(l.bias) })];
    }
    const { q, scales } = quantizeChannels(l.weights, channels, inner);
    const zeros = new Array<number>(channels).fill(0);
    const w = add({ name: `${l.name}/weights`, shape, type: "int8", data: littleEndian(q), quant: { scale: scales, zeroPoint: zeros, axis } });
    const biasScale = Float32Array.from(scales, (s) => Math.fround(inScale) * s); // the input tensor's (float32) scale times the weights'
    const b = add({ name: `${l.name}/bias`, shape: [channels], type: "int32", data: littleEndian(quantizeBias(l.bias, inScale, scales)), quant: { scale: biasScale, zeroPoint: zeros, axis: 0 } });
    return [w, b];
  };
  const operator = (name: string, inputs: number[], output: number, opts: TfliteOperatorInput["options"]): void => {
    operators.push({ code: CODE[name]!, version: VERSION[name] ?? 1, inputs, outputs: [output], options: opts ?? {} });
  };

  const [n, h, w, c] = spec.inputShape;
  activation("input", [n, h, w, c]);
  for (const l of spec.layers) {
    if (byName.has(l.name)) throw new QkernError(op, `layer ${l.name}`, "writes a tensor name an earlier layer or the input already has");
    const ins = layerInputs(l);
    const xs = ins.map((name) => shapeOf(name, l));
    const x = xs[0]!;
    const inIdx = ins.map((name) => byName.get(name)!);
    const inScale = param(ins[0]!).scale;
    const where = `layer ${l.name} (${l.op})`;
    if ((l.op === "conv" || l.op === "dwconv" || l.op === "maxpool") && x.length !== 4) throw new QkernError(op, where, `reads [${x.join(", ")}]; NHWC expected`);
    switch (l.op) {
      case "conv": {
        const [oc, kh, kw, ic] = l.shape;
        if (x[3] !== ic) throw new QkernError(op, where, `has ${ic} input channels; its input is [${x.join(", ")}]`);
        const [wi, bi] = weights(l, [oc, kh, kw, ic], 0, oc, kh * kw * ic, inScale);
        const out = activation(l.name, [x[0]!, outSize(x[1]!, kh, l.stride, l.padding), outSize(x[2]!, kw, l.stride, l.padding), oc]);
        operator("CONV_2D", [inIdx[0]!, wi, bi], out, { padding: l.padding, strideW: l.stride, strideH: l.stride, dilationW: 1, dilationH: 1, activation: l.activation });
        break;
      }
      case "dwconv": {
        const [kh, kw, ch] = l.shape;
        if (x[3] !== ch) throw new QkernError(op, where, `has ${ch} channels; its input is [${x.join(", ")}]`);
        const [wi, bi] = weights(l, [1, kh, kw, ch], 3, ch, 1, inScale);
        const out = activation(l.name, [x[0]!, outSize(x[1]!, kh, l.stride, l.padding), outSize(x[2]!, kw, l.stride, l.padding), ch]);
        operator("DEPTHWISE_CONV_2D", [inIdx[0]!, wi, bi], out, {
          padding: l.padding, strideW: l.stride, strideH: l.stride, depthMultiplier: 1, dilationW: 1, dilationH: 1, activation: l.activation,
        });
        break;
      }
      case "fc": {
        const [nOut, k] = l.shape;
        const size = x.reduce((a, b) => a * b, 1);
        if (x[x.length - 1] !== k) throw new QkernError(op, where, `takes K = ${k}; its input is [${x.join(", ")}]`);
        const [wi, bi] = weights(l, [nOut, k], 0, nOut, k, inScale);
        const out = activation(l.name, [size / k, nOut]);
        operator("FULLY_CONNECTED", [inIdx[0]!, wi, bi], out, { activation: l.activation, keepNumDims: false });
        break;
      }
      case "add": {
        if (xs[1]!.join() !== x.join()) throw new QkernError(op, where, `adds [${x.join(", ")}] and [${xs[1]!.join(", ")}]`);
        operator("ADD", inIdx, activation(l.name, x), { activation: l.activation });
        break;
      }
      case "concat": {
        const last = x.length - 1;
        if (xs.some((s) => s.length !== x.length || s.some((d, i) => i !== last && d !== x[i]))) throw new QkernError(op, where, "joins tensors whose shapes differ outside the channels");
        const out = activation(l.name, [...x.slice(0, last), xs.reduce((s, t) => s + t[last]!, 0)]);
        operator("CONCATENATION", inIdx, out, { axis: last, activation: "none" });
        break;
      }
      case "maxpool": {
        const k = l.kernel;
        const out = activation(l.name, [x[0]!, outSize(x[1]!, k, l.stride, l.padding), outSize(x[2]!, k, l.stride, l.padding), x[3]!]);
        operator("MAX_POOL_2D", inIdx, out, { padding: l.padding, strideW: l.stride, strideH: l.stride, filterW: k, filterH: k, activation: "none" });
        break;
      }
      case "gap": {
        if (x.length !== 4) throw new QkernError(op, where, `reads [${x.join(", ")}]; NHWC expected`);
        const axes = add({ name: `${l.name}/axes`, shape: [2], type: "int32", data: littleEndian(Int32Array.of(1, 2)) });
        operator("MEAN", [inIdx[0]!, axes], activation(l.name, [x[0]!, 1, 1, x[3]!]), { keepDims: true });
        break;
      }
      default:
        throw new QkernError(op, `layer ${(l as LayerSpec).name}`, `has op ${String((l as LayerSpec).op)}`);
    }
  }
  const output = byName.get(spec.output);
  if (output === undefined) throw new QkernError(op, "spec.output", `names ${spec.output}, which no layer produces`);
  return { description: options.description ?? `qkern ${spec.name}${float ? " float32" : ""}`, tensors, inputs: [0], outputs: [output], operators };
}

/**
 * Activation parameters as the TFLite converter constrains them: the inputs of a concat take the
 * concat's parameters (TFLite's int8 CONCATENATION requires equal ones, so the converter moves them
 * onto the layers that produce the inputs), and a max pool's output keeps its input's. Use the result
 * for both `tfliteFromSpec` and QuantizedNetwork when they must agree byte for byte. Returns a new map.
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * const params = tfliteParams(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
 * using model = loadModel(qk, tfliteFromSpec(spec, params));
 * ```
 */
export function tfliteParams(spec: ModelSpec, params: ActivationParams): Map<string, PerTensorQuant> {
  const out = new Map<string, PerTensorQuant>(params);
  const get = (name: string): PerTensorQuant => {
    const p = out.get(name);
    if (!p) throw new QkernError("tfliteParams", "params", `has no calibrated parameters for tensor ${name}`);
    return p;
  };
  for (const l of [...spec.layers].reverse()) if (l.op === "concat") for (const i of layerInputs(l)) out.set(i, get(l.name));
  for (const l of spec.layers) if (l.op === "maxpool") out.set(l.name, get(layerInputs(l)[0]!));
  for (const l of spec.layers) {
    if (l.op === "concat" && layerInputs(l).some((i) => get(i) !== get(l.name))) throw new QkernError("tfliteParams", `layer ${l.name}`, "joins a max pool whose input is also constrained elsewhere; parameters cannot be unified");
  }
  return out;
}

/**
 * `spec` as an int8 TFLite file (see `tfliteGraphFromSpec`), ready for `loadModel` or any TFLite runtime.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
 * using model = loadModel(qk, bytes);
 * ```
 */
export function tfliteFromSpec(spec: ModelSpec, params: ActivationParams, options: TfliteFromSpecOptions = {}): Uint8Array {
  return encodeTflite(tfliteGraphFromSpec(spec, params, options));
}
