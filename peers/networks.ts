// Whole networks for the peers, built from a qkern ModelSpec (src/models/spec.ts), for the `e2e`
// bench suite and test/peers/ort-network-parity.test.ts:
// - `qdqModel`: the ONNX QDQ graph of a QuantizedNetwork, from the very int8 weights, int32 biases
//   and calibrated activation parameters qkern runs: QuantizeLinear on the float image, then per
//   layer DequantizeLinear → Conv | Gemm | Add | Concat | MaxPool | GlobalAveragePool →
//   QuantizeLinear. Weights are int8 initializers with per-channel DequantizeLinear (axis 0 of the
//   ONNX layout: Conv [OC, IC, KH, KW], depthwise as group = C Conv [C, 1, KH, KW], Gemm B [N, K]
//   with transB = 1); biases are int32 initializers with scale sx·sw[c]. ONNX Runtime's graph
//   optimizer fuses each DQ → op → Q group into QLinearConv / QGemm / QLinearAdd / QLinearConcat /
//   QLinearGlobalAveragePool (or drops the Q/DQ pair around MaxPool). With int8 activations that
//   takes `int8Allowed` (session.qdqisint8allowed = 1): by default ORT on non-ARM targets (wasm
//   included) converts only int8 Q → DQ pairs whose Q feeds one DQ to uint8 and leaves every group
//   touching a tensor with two readers (residual branches; the pooled tensor before Flatten)
//   unfused, i.e. float32 Conv / Add / GlobalAveragePool between DQ and Q.
// - `floatModel`: the float32 ONNX graph of the spec (Conv, Relu / Clip, Add, Concat, MaxPool,
//   GlobalAveragePool, Gemm).
// - `tfjsNetwork`: the float32 network in tfjs-core ops (fused conv2d / depthwiseConv2d / matMul
//   with bias and activation, add, concat, maxPool, mean), NHWC like qkern.
// ONNX graphs are NCHW inside and take the image NCHW (`toNchw`); tfjs and qkern take it NHWC.
// Padding: 'same' is TFLite's (before = ⌊total/2⌋, the extra row/column after), written as
// explicit ONNX pads; 'valid' is no padding.
import type { Activation, ActivationParams, LayerSpec, ModelSpec, QuantizedLayer } from 'qkern';
import { graphModel, type OnnxNode, type OnnxValue, type Ort } from './ort.js';
import type { Tfjs } from './tfjs.js';

type Session = import('onnxruntime-web').InferenceSession;
type Q8 = 'int8' | 'uint8';
const RANGE: Readonly<Record<Q8, readonly [number, number]>> = { int8: [-128, 127], uint8: [0, 255] };

/** An encoded ONNX model and the names of its float32 NCHW input and its output. */
export interface OnnxNetwork {
  readonly model: Uint8Array;
  readonly input: string;
  /** NCHW [1, C, H, W]. */
  readonly inputShape: readonly number[];
  /** The logits: 8-bit (QDQ graphs: the last QuantizeLinear's output) or float32. */
  readonly output: string;
  /** Layers whose fused activation became a Relu / Clip node because their output range did not imply it. */
  readonly explicitActivations: readonly string[];
}

/** TFLite 'same' padding along one axis: [output size, pad before, pad after]; 'valid': no padding. */
export function axisPads(size: number, k: number, stride: number, padding: 'same' | 'valid'): [number, number, number] {
  if (padding === 'valid') return [Math.floor((size - k) / stride) + 1, 0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** NHWC [1, H, W, C] → NCHW (one image). */
export function toNchw<T extends Float32Array | Int8Array | Uint8Array>(src: T, h: number, w: number, c: number): T {
  const dst = new (src.constructor as new (n: number) => T)(src.length);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) dst[ch * h * w + p] = src[p * c + ch]!;
  return dst;
}

/** NCHW [1, C, H, W] → NHWC (one image). */
export function toNhwc<T extends Float32Array | Int8Array | Uint8Array>(src: T, h: number, w: number, c: number): T {
  const dst = new (src.constructor as new (n: number) => T)(src.length);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) dst[p * c + ch] = src[ch * h * w + p]!;
  return dst;
}

/** ONNX QuantizeLinear of one real value: saturate(roundHalfEven(f32(x / scale)) + zp). */
function quantizeValue(x: number, p: { readonly scale: number; readonly zeroPoint: number }, dtype: Q8): number {
  const v = Math.fround(x / p.scale);
  const r = Math.round(v) - (Math.abs(v % 1) === 0.5 && Math.round(v) % 2 !== 0 ? 1 : 0);
  const [lo, hi] = RANGE[dtype];
  return Math.min(hi, Math.max(lo, r + p.zeroPoint));
}

/**
 * Whether quantizing to `p` already applies a fused activation, so the QDQ graph needs no Relu /
 * Clip node: ReLU when Q(0) = zp is the lowest code (zp = qmin), ReLU6 also when Q(6) saturates
 * to qmax. Quantization is monotone, so Q(max(x, 0)) = max(Q(x), Q(0)) and Q(min(x, 6)) =
 * min(Q(x), Q(6)); both clamps are then no-ops (and qkern's clamp bounds are [qmin, qmax]).
 */
export function activationImplied(activation: Activation, p: { readonly scale: number; readonly zeroPoint: number }, dtype: Q8): boolean {
  const [qmin, qmax] = RANGE[dtype];
  if (activation === 'none') return true;
  if (quantizeValue(0, p, dtype) !== qmin) return false;
  return activation === 'relu' || quantizeValue(6, p, dtype) >= qmax;
}

const f32 = (name: string, shape: readonly number[], values: ArrayLike<number>): OnnxValue => ({ name, dtype: 'float32', shape, values });

/** ONNX weights of a conv / dwconv / fc layer from the spec layout: [OC, IC, KH, KW], [C, 1, KH, KW] or [N, K]. */
function onnxWeights<T extends Float32Array | Int8Array>(l: LayerSpec, w: T): { values: T; shape: number[] } {
  const out = new (w.constructor as new (n: number) => T)(w.length);
  if (l.op === 'conv') {
    const [oc, kh, kw, ic] = l.shape;
    for (let o = 0; o < oc; o++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ic; i++) {
      out[((o * ic + i) * kh + y) * kw + x] = w[((o * kh + y) * kw + x) * ic + i]!;
    }
    return { values: out, shape: [oc, ic, kh, kw] };
  }
  if (l.op === 'dwconv') {
    const [kh, kw, c] = l.shape;
    for (let t = 0; t < kh * kw; t++) for (let ch = 0; ch < c; ch++) out[ch * kh * kw + t] = w[t * c + ch]!;
    return { values: out, shape: [c, 1, kh, kw] };
  }
  if (l.op === 'fc') return { values: w, shape: [...l.shape] };
  throw new Error(`layer ${l.name} (${l.op}) has no weights`);
}

/**
 * Walks the spec in NCHW, tracking shapes: `emit` gets each layer with the names and NCHW shapes
 * of its inputs, its output shape and its ONNX attributes (pads, strides, kernel, group; transB).
 */
function walk(spec: ModelSpec, emit: (l: LayerSpec, inputs: readonly string[], shapes: readonly (readonly number[])[], outShape: readonly number[], attrs: Record<string, number | number[]>) => void): Map<string, readonly number[]> {
  const [, h, w, c] = spec.inputShape;
  const shapes = new Map<string, readonly number[]>([['input', [1, c, h, w]]]);
  for (const l of spec.layers) {
    const names = 'inputs' in l ? [...l.inputs] : [l.input];
    const ins = names.map((n) => {
      const s = shapes.get(n);
      if (s === undefined) throw new Error(`layer ${l.name} reads ${n}, which no earlier layer produced`);
      return s;
    });
    const [, ic, ih, iw] = ins[0]! as [number, number, number, number];
    let out: number[];
    let attrs: Record<string, number | number[]> = {};
    if (l.op === 'conv' || l.op === 'dwconv' || l.op === 'maxpool') {
      const [kh, kw, oc, group] = l.op === 'conv' ? [l.shape[1], l.shape[2], l.shape[0], 1]
        : l.op === 'dwconv' ? [l.shape[0], l.shape[1], l.shape[2], l.shape[2]] : [l.kernel, l.kernel, ic, 0];
      const [oh, pt, pb] = axisPads(ih, kh, l.stride, l.padding);
      const [ow, pl, pr] = axisPads(iw, kw, l.stride, l.padding);
      out = [1, oc, oh, ow];
      attrs = { kernel_shape: [kh, kw], strides: [l.stride, l.stride], pads: [pt, pl, pb, pr], ...(group > 0 ? { group } : {}) };
    } else if (l.op === 'add') out = [...ins[0]!];
    else if (l.op === 'concat') out = [1, ins.reduce((s, x) => s + x[1]!, 0), ih, iw];
    else if (l.op === 'gap') out = [1, ic, 1, 1];
    else {
      if (ih * iw !== 1) throw new Error(`fc layer ${l.name} reads ${names[0]} of ${ih}×${iw} pixels; only 1×1 (after global pooling) is supported`);
      out = [1, l.shape[0]];
      attrs = { transB: 1 };
    }
    emit(l, names, ins, out, attrs);
    shapes.set(l.name, out);
  }
  return shapes;
}

/** Multiply-accumulates of one image: conv, depthwise conv and fc layers (adds and pooling not counted). */
export function networkMacs(spec: ModelSpec): number {
  let macs = 0;
  walk(spec, (l, _names, _shapes, out) => {
    const pixels = (out[2] ?? 1) * (out[3] ?? 1);
    if (l.op === 'conv') macs += pixels * l.shape[0] * l.shape[1] * l.shape[2] * l.shape[3];
    else if (l.op === 'dwconv') macs += pixels * l.shape[0] * l.shape[1] * l.shape[2];
    else if (l.op === 'fc') macs += l.shape[0] * l.shape[1];
  });
  return macs;
}

const ONNX_OP: Readonly<Record<LayerSpec['op'], string>> = { conv: 'Conv', dwconv: 'Conv', fc: 'Gemm', add: 'Add', concat: 'Concat', maxpool: 'MaxPool', gap: 'GlobalAveragePool' };

/** Relu or Clip(0, 6) node from `x` to `y` (float32), none for 'none'. */
function activationNodes(act: Activation, name: string, x: OnnxValue, y: OnnxValue): OnnxNode[] {
  if (act === 'relu') return [{ op: 'Relu', inputs: [x], outputs: [y] }];
  if (act === 'relu6') return [{ op: 'Clip', inputs: [x, f32(`${name}.min`, [], [0]), f32(`${name}.max`, [], [6])], outputs: [y] }];
  return [];
}

/**
 * The ONNX QDQ graph of a calibrated QuantizedNetwork (`params`, `quantized`, activation type
 * `dtype`). `extraOutputs` names tensors (spec names) whose 8-bit values become graph outputs too,
 * as `<name>.q` (NCHW), to locate differences layer by layer.
 */
export function qdqModel(spec: ModelSpec, params: ActivationParams, quantized: ReadonlyMap<string, QuantizedLayer>, dtype: Q8, extraOutputs: readonly string[] = []): OnnxNetwork {
  const nodes: OnnxNode[] = [];
  const qValues = new Map<string, OnnxValue>();
  const explicit: string[] = [];
  const param = (t: string) => {
    const p = params.get(t);
    if (p === undefined) throw new Error(`no calibrated parameters for tensor ${t}`);
    return p;
  };
  const scaleZp = (t: string): [OnnxValue, OnnxValue] => {
    const p = param(t);
    return [f32(`${t}.scale`, [], [p.scale]), { name: `${t}.zp`, dtype, shape: [], values: [p.zeroPoint] }];
  };
  const quantize = (t: string, x: OnnxValue, shape: readonly number[]): void => {
    const y: OnnxValue = { name: `${t}.q`, dtype, shape };
    nodes.push({ op: 'QuantizeLinear', inputs: [x, ...scaleZp(t)], outputs: [y] });
    qValues.set(t, y);
  };
  // One DequantizeLinear per consumer: ORT's QDQ selectors want a DQ node to feed one node.
  const dequantize = (t: string, consumer: string, q: OnnxValue = qValues.get(t)!): OnnxValue => {
    const y: OnnxValue = { name: `${t}.dq.${consumer}`, dtype: 'float32', shape: q.shape };
    nodes.push({ op: 'DequantizeLinear', inputs: [q, ...scaleZp(t)], outputs: [y] });
    return y;
  };
  const [, h, w, c] = spec.inputShape;
  const image: OnnxValue = { name: 'image', dtype: 'float32', shape: [1, c, h, w] };
  quantize('input', image, image.shape);

  walk(spec, (l, names, shapes, outShape, attrs) => {
    const inputs: OnnxValue[] = [];
    if (l.op === 'fc') {
      // [1, K, 1, 1] → [1, K] on the 8-bit tensor (Flatten moves bytes; no requantization).
      const flat: OnnxValue = { name: `${names[0]}.flat.${l.name}`, dtype, shape: [1, shapes[0]![1]!] };
      nodes.push({ op: 'Flatten', inputs: [qValues.get(names[0]!)!], outputs: [flat], attributes: { axis: 1 } });
      inputs.push(dequantize(names[0]!, l.name, flat));
    } else inputs.push(...names.map((n) => dequantize(n, l.name)));
    if (l.op === 'conv' || l.op === 'dwconv' || l.op === 'fc') {
      const ql = quantized.get(l.name);
      if (ql === undefined) throw new Error(`no quantized weights for layer ${l.name}`);
      const wt = onnxWeights(l, ql.weights);
      const oc = ql.scales.length;
      const sx = param(names[0]!).scale;
      const wq: OnnxValue = { name: `${l.name}.w`, dtype: 'int8', shape: wt.shape, values: wt.values };
      const wf: OnnxValue = { name: `${l.name}.wf`, dtype: 'float32', shape: wt.shape };
      nodes.push({ op: 'DequantizeLinear', inputs: [wq, f32(`${l.name}.w_scale`, [oc], ql.scales), { name: `${l.name}.w_zp`, dtype: 'int8', shape: [oc], values: new Int8Array(oc) }], outputs: [wf], attributes: { axis: 0 } });
      const bq: OnnxValue = { name: `${l.name}.b`, dtype: 'int32', shape: [oc], values: ql.bias };
      const bf: OnnxValue = { name: `${l.name}.bf`, dtype: 'float32', shape: [oc] };
      const bScale = Float32Array.from(ql.scales, (s) => Math.fround(sx * s));
      nodes.push({ op: 'DequantizeLinear', inputs: [bq, f32(`${l.name}.b_scale`, [oc], bScale), { name: `${l.name}.b_zp`, dtype: 'int32', shape: [oc], values: new Int32Array(oc) }], outputs: [bf], attributes: { axis: 0 } });
      inputs.push(wf, bf);
    }
    let y: OnnxValue = { name: `${l.name}.f`, dtype: 'float32', shape: outShape };
    nodes.push({ op: ONNX_OP[l.op], inputs, outputs: [y], attributes: l.op === 'concat' ? { axis: 1 } : attrs });
    const act: Activation = 'activation' in l ? l.activation : 'none';
    if (!activationImplied(act, param(l.name), dtype)) {
      explicit.push(l.name);
      const z: OnnxValue = { name: `${l.name}.act`, dtype: 'float32', shape: outShape };
      nodes.push(...activationNodes(act, l.name, y, z));
      y = z;
    }
    quantize(l.name, y, outShape);
  });
  const extras = extraOutputs.map((n) => {
    const v = qValues.get(n);
    if (v === undefined) throw new Error(`no tensor ${n} in ${spec.name}`);
    return v;
  });
  return { model: graphModel(nodes, 13, extras), input: image.name, inputShape: image.shape, output: `${spec.output}.q`, explicitActivations: explicit };
}

/** The float32 ONNX graph of the spec (Relu / Clip(0, 6) nodes for fused activations). */
export function floatModel(spec: ModelSpec): OnnxNetwork {
  const nodes: OnnxNode[] = [];
  const values = new Map<string, OnnxValue>();
  const [, h, w, c] = spec.inputShape;
  const image: OnnxValue = { name: 'image', dtype: 'float32', shape: [1, c, h, w] };
  values.set('input', image);
  walk(spec, (l, names, shapes, outShape, attrs) => {
    const inputs: OnnxValue[] = [];
    if (l.op === 'fc') {
      const flat: OnnxValue = { name: `${names[0]}.flat.${l.name}`, dtype: 'float32', shape: [1, shapes[0]![1]!] };
      nodes.push({ op: 'Flatten', inputs: [values.get(names[0]!)!], outputs: [flat], attributes: { axis: 1 } });
      inputs.push(flat);
    } else inputs.push(...names.map((n) => values.get(n)!));
    if (l.op === 'conv' || l.op === 'dwconv' || l.op === 'fc') {
      const wt = onnxWeights(l, l.weights);
      inputs.push(f32(`${l.name}.w`, wt.shape, wt.values), f32(`${l.name}.b`, [l.bias.length], l.bias));
    }
    const act: Activation = 'activation' in l ? l.activation : 'none';
    const y: OnnxValue = { name: act === 'none' ? l.name : `${l.name}.pre`, dtype: 'float32', shape: outShape };
    nodes.push({ op: ONNX_OP[l.op], inputs, outputs: [y], attributes: l.op === 'concat' ? { axis: 1 } : attrs });
    const z: OnnxValue = { name: l.name, dtype: 'float32', shape: outShape };
    nodes.push(...activationNodes(act, l.name, y, z));
    values.set(l.name, act === 'none' ? y : z);
  });
  return { model: graphModel(nodes, 13), input: image.name, inputShape: image.shape, output: spec.output, explicitActivations: [] };
}

/**
 * An ORT session (wasm execution provider, all graph optimizations: QDQ groups fuse) for a network.
 * `int8Allowed` sets ORT's session.qdqisint8allowed (see the notes at the top of this file).
 */
export function networkSession(ort: Ort, net: OnnxNetwork, options: { readonly int8Allowed?: boolean } = {}): Promise<Session> {
  const extra = options.int8Allowed === undefined ? {} : { extra: { session: { qdqisint8allowed: options.int8Allowed ? '1' : '0' } } };
  return ort.InferenceSession.create(net.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...extra });
}

/** A float32 network in tfjs ops with its weights uploaded once. */
export interface TfjsNetwork {
  /** Runs one NHWC image; returns the logits (the output tensor, flattened). */
  run(image: Float32Array): Float32Array;
  dispose(): void;
}

/**
 * The spec in tfjs-core ops, NHWC: conv filters [KH, KW, IC, OC], depthwise [KH, KW, C, 1], fc
 * weights [K, N]; conv / dwconv / fc are tfjs's fused ops (bias and activation in one kernel, as
 * XNNPACK runs them), global average pooling is `mean` over H and W.
 */
export function tfjsNetwork(tf: Tfjs, spec: ModelSpec): TfjsNetwork {
  type T4 = import('@tensorflow/tfjs-core').Tensor4D;
  type T2 = import('@tensorflow/tfjs-core').Tensor2D;
  const weights = new Map<string, { w: T4 | T2; b: import('@tensorflow/tfjs-core').Tensor1D }>();
  for (const l of spec.layers) {
    if (l.op === 'conv') {
      const [oc, kh, kw, ic] = l.shape;
      const w = new Float32Array(l.weights.length);
      for (let o = 0; o < oc; o++) for (let t = 0; t < kh * kw; t++) for (let i = 0; i < ic; i++) w[(t * ic + i) * oc + o] = l.weights[(o * kh * kw + t) * ic + i]!;
      weights.set(l.name, { w: tf.tensor4d(w, [kh, kw, ic, oc]), b: tf.tensor1d(l.bias) });
    } else if (l.op === 'dwconv') {
      const [kh, kw, c] = l.shape;
      weights.set(l.name, { w: tf.tensor4d(l.weights, [kh, kw, c, 1]), b: tf.tensor1d(l.bias) });
    } else if (l.op === 'fc') {
      const [n, k] = l.shape;
      const w = new Float32Array(l.weights.length);
      for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) w[i * n + o] = l.weights[o * k + i]!;
      weights.set(l.name, { w: tf.tensor2d(w, [k, n]), b: tf.tensor1d(l.bias) });
    }
  }
  const fusedAct = (a: Activation): 'linear' | 'relu' | 'relu6' => (a === 'none' ? 'linear' : a);
  const forward = (x: T4): import('@tensorflow/tfjs-core').Tensor => {
    const live = new Map<string, T4>([['input', x]]);
    for (const l of spec.layers) {
      const get = (n: string): T4 => live.get(n)!;
      let y: T4;
      switch (l.op) {
        case 'conv': {
          const p = weights.get(l.name)!;
          y = tf.fused.conv2d({ x: get(l.input), filter: p.w as T4, bias: p.b, strides: l.stride, pad: l.padding, activation: fusedAct(l.activation) });
          break;
        }
        case 'dwconv': {
          const p = weights.get(l.name)!;
          y = tf.fused.depthwiseConv2d({ x: get(l.input), filter: p.w as T4, bias: p.b, strides: l.stride, pad: l.padding, activation: fusedAct(l.activation) });
          break;
        }
        case 'fc': {
          const p = weights.get(l.name)!;
          const a = get(l.input);
          const m = tf.fused.matMul({ a: tf.reshape(a, [1, a.size]) as T2, b: p.w as T2, bias: p.b, activation: fusedAct(l.activation) });
          y = tf.reshape(m, [1, 1, 1, l.shape[0]]);
          break;
        }
        case 'add': {
          const s = tf.add<T4>(get(l.inputs[0]), get(l.inputs[1]));
          y = l.activation === 'relu' ? tf.relu(s) : l.activation === 'relu6' ? tf.relu6(s) : s;
          break;
        }
        case 'concat': y = tf.concat(l.inputs.map(get), 3); break;
        case 'maxpool': y = tf.maxPool(get(l.input), l.kernel, l.stride, l.padding); break;
        case 'gap': y = tf.mean(get(l.input), [1, 2], true); break;
      }
      live.set(l.name, y);
    }
    return live.get(spec.output)!;
  };
  const shape = [...spec.inputShape] as [number, number, number, number];
  return {
    run(image) {
      const out = tf.tidy(() => forward(tf.tensor4d(image, shape)));
      try {
        return out.dataSync() as Float32Array;
      } finally {
        out.dispose();
      }
    },
    dispose() {
      for (const p of weights.values()) {
        p.w.dispose();
        p.b.dispose();
      }
      weights.clear();
    },
  };
}
