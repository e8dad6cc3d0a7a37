// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: weights packed once at load (int32 bias and
// per-channel scales as the file gives them), PADs before a VALID convolution folded into it, the
// fused activation as TFLite's quantized clamp bounds.

import { QkernError } from "../../errors.js";
import { conv2d, packConvWeights, type PackedConvWeights } from "../../ops/conv2d.js";
import { depthwiseConv2d } from "../../ops/depthwise-conv2d.js";
import { gemm } from "../../ops/gemm.js";
import { packDepthwiseWeights, type PackedDepthwiseWeights } from "../../ops/pack-depthwise-weights.js";
import { packGemmWeights } from "../../ops/pack-gemm-weights.js";
import { activationDtype, clamp, float32Data, floatActivation, int32Data, int8Data, perTensor, weightQuant } from "../steps.js";
import type { Tensor } from "../../tensor.js";
import type { TfliteOperator } from "../model.js";
import { optionalInput, type LowerContext, type Lowering } from "./context.js";
import { groupedConvolution } from "./grouped-conv.js";

const op = "loadModel";

/** A CONV_2D or DEPTHWISE_CONV_2D prepared for running: its input tensor (after a folded PAD), packed weights, and options without `out`. */
export interface PreparedConv {
  readonly input: number;
  readonly depthwise: boolean;
  readonly w: PackedConvWeights | PackedDepthwiseWeights;
  readonly options: {
    readonly strides: [number, number]; readonly dilations: [number, number];
    readonly padding: "same" | "valid" | readonly [number, number, number, number];
    readonly stage: "fp32" | "fixedpoint"; readonly clampMin?: number; readonly clampMax?: number; readonly activation?: "none" | "relu" | "relu6";
  };
}

/** Packs a convolution's weights (owned by the model) and works out its options. */
export function prepareConv(cx: LowerContext, o: TfliteOperator, where: string): PreparedConv {
  // The output as the graph declares it (inside a fused block it is never a whole tensor).
  const info = cx.graph.tensors[o.outputs[0]!]!;
  const src = o.inputs[0]!;
  const pad = cx.pads.byTensor.get(src);
  const wInfo = cx.constant(o.inputs[1]!);
  const bi = optionalInput(o, 2);
  const depthwise = o.op === "DEPTHWISE_CONV_2D";
  const geometry = {
    strides: [o.options.strideH!, o.options.strideW!] as [number, number], dilations: [o.options.dilationH ?? 1, o.options.dilationW ?? 1] as [number, number],
    padding: pad ? pad.pads : o.options.padding ?? "valid", stage: cx.stage,
  };
  if (info.type === "float32") {
    // A float model: float32 weights and bias on qkern's float kernels.
    const wt = cx.own(cx.qk.tensor(float32Data(wInfo, where), wInfo.shape));
    const bias = bi === null ? undefined : float32Data(cx.constant(bi), where);
    const w = depthwise ? cx.own(packDepthwiseWeights(wt, { layout: "hwc", ...(bias ? { bias } : {}) })) : cx.own(packConvWeights(wt, { layout: "ohwi", ...(bias ? { floatBias: bias } : {}) }));
    return { input: pad ? pad.input : src, depthwise, w, options: { ...geometry, ...floatActivation(o.options.activation ?? "none", where) } };
  }
  const out = { dtype: activationDtype(info), quant: perTensor(info) };
  const bias = bi === null ? undefined : int32Data(cx.constant(bi));
  const wt = cx.own(cx.qk.tensor(int8Data(wInfo, where), wInfo.shape, { quant: weightQuant(wInfo, depthwise ? 3 : 0, where) }));
  const options = { ...geometry, ...clamp(o.options.activation ?? "none", out, where) };
  const w = depthwise ? cx.own(packDepthwiseWeights(wt, { layout: "hwc", ...(bias ? { bias } : {}) })) : cx.own(packConvWeights(wt, { layout: "ohwi", ...(bias ? { bias } : {}) }));
  return { input: pad ? pad.input : src, depthwise, w, options };
}

/** Runs a prepared convolution from `x` into `out`. */
export function convStep(p: PreparedConv, x: Tensor, out: Tensor): () => void {
  const opts = { ...p.options, out };
  if (p.depthwise) {
    const w = p.w as PackedDepthwiseWeights;
    return () => void depthwiseConv2d(x, w, opts);
  }
  const w = p.w as PackedConvWeights;
  return () => void conv2d(x, w, opts);
}

export const convolution: Lowering = {
  lower(cx, o, where) {
    const wInfo = cx.constant(o.inputs[1]!);
    const src = o.inputs[0]!;
    const pad = cx.pads.byTensor.get(src);
    const x = cx.act(pad ? pad.input : src);
    // Grouped CONV_2D: the filter reads fewer channels than the input has (TFLite: groups = IC / filter IC).
    if (o.op === "CONV_2D" && wInfo.shape.length === 4 && x.shape.length === 4 && wInfo.shape[3] !== x.shape[3]) {
      if (x.dtype === "float32") throw new QkernError(op, where, "grouped float32 convolution is not supported (8-bit grouped CONV_2D is)");
      const out = cx.act(o.outputs[0]!);
      const bi = optionalInput(o, 2);
      const bias = bi === null ? undefined : int32Data(cx.constant(bi));
      const common = {
        strides: [o.options.strideH!, o.options.strideW!] as [number, number], dilations: [o.options.dilationH ?? 1, o.options.dilationW ?? 1] as [number, number],
        padding: pad ? pad.pads : o.options.padding ?? "valid", stage: cx.stage, ...clamp(o.options.activation ?? "none", out, where),
      };
      return groupedConvolution(cx, x, out, wInfo, bias, common, where);
    }
    const p = prepareConv(cx, o, where);
    return convStep(p, x, cx.act(o.outputs[0]!));
  },
};

export const fullyConnected: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const xin = cx.act(o.inputs[0]!);
    const wInfo = cx.constant(o.inputs[1]!);
    if (wInfo.shape.length !== 2) throw new QkernError(op, where, `weights ${wInfo.name} must be 2-D [N, K], got [${wInfo.shape.join(", ")}]`);
    const [n, k] = wInfo.shape as [number, number];
    const bi = optionalInput(o, 2);
    const float = out.dtype === "float32";
    let w;
    if (float) {
      const wt = cx.own(cx.qk.tensor(float32Data(wInfo, where), [n, k]));
      const bias = bi === null ? undefined : float32Data(cx.constant(bi), where);
      w = cx.own(packGemmWeights(wt, { layout: "nk", ...(bias ? { floatBias: bias } : {}) }));
    } else {
      const bias = bi === null ? undefined : int32Data(cx.constant(bi));
      const wt = cx.own(cx.qk.tensor(int8Data(wInfo, where), [n, k], { quant: weightQuant(wInfo, 0, where) }));
      w = cx.own(packGemmWeights(wt, { layout: "nk", ...(bias ? { bias } : {}) }));
    }
    const m = xin.size / k;
    if (!Number.isInteger(m) || out.size !== m * n) throw new QkernError(op, where, `input ${xin} does not hold rows of K = ${k} for output ${out}`);
    // gemm takes A as [M, K] and C as [M, N]: the model's tensors seen in those shapes (no copy).
    const a2 = xin.shape.length === 2 ? xin : cx.reshaped(xin, [m, k]);
    const c2 = out.shape.length === 2 && out.shape[0] === m ? out : cx.reshaped(out, [m, n]);
    const act = o.options.activation ?? "none";
    const opts = { out: c2, stage: cx.stage, ...(float ? floatActivation(act, where) : clamp(act, out, where)) };
    return () => void gemm(a2, w, opts);
  },
};
