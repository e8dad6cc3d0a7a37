// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: weights packed once at load (int32 bias and
// per-channel scales as the file gives them), PADs before a VALID convolution folded into it, the
// fused activation as TFLite's quantized clamp bounds.

import { QkernError } from "../../errors.js";
import { conv2d, packConvWeights } from "../../ops/conv2d.js";
import { depthwiseConv2d } from "../../ops/depthwise-conv2d.js";
import { gemm } from "../../ops/gemm.js";
import { packDepthwiseWeights } from "../../ops/pack-depthwise-weights.js";
import { packGemmWeights } from "../../ops/pack-gemm-weights.js";
import { clamp, int32Data, int8Data, weightQuant } from "../steps.js";
import { optionalInput, type Lowering } from "./context.js";
import { groupedConvolution } from "./grouped-conv.js";

const op = "loadModel";

export const convolution: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const src = o.inputs[0]!;
    const pad = cx.pads.byTensor.get(src);
    const x = cx.act(pad ? pad.input : src);
    const wInfo = cx.constant(o.inputs[1]!);
    const bi = optionalInput(o, 2);
    const bias = bi === null ? undefined : int32Data(cx.constant(bi));
    const depthwise = o.op === "DEPTHWISE_CONV_2D";
    const common0 = {
      strides: [o.options.strideH!, o.options.strideW!] as [number, number], dilations: [o.options.dilationH ?? 1, o.options.dilationW ?? 1] as [number, number],
      padding: pad ? pad.pads : o.options.padding ?? "valid", stage: cx.stage, ...clamp(o.options.activation ?? "none", out, where),
    };
    // Grouped CONV_2D: the filter reads fewer channels than the input has (TFLite: groups = IC / filter IC).
    if (!depthwise && wInfo.shape.length === 4 && x.shape.length === 4 && wInfo.shape[3] !== x.shape[3]) return groupedConvolution(cx, x, out, wInfo, bias, common0, where);
    const wt = cx.own(cx.qk.tensor(int8Data(wInfo, where), wInfo.shape, { quant: weightQuant(wInfo, depthwise ? 3 : 0, where) }));
    const common = { ...common0, out };
    if (!depthwise) {
      const w = cx.own(packConvWeights(wt, { layout: "ohwi", ...(bias ? { bias } : {}) }));
      return () => void conv2d(x, w, common);
    }
    const w = cx.own(packDepthwiseWeights(wt, { layout: "hwc", ...(bias ? { bias } : {}) }));
    return () => void depthwiseConv2d(x, w, common);
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
    const bias = bi === null ? undefined : int32Data(cx.constant(bi));
    const wt = cx.own(cx.qk.tensor(int8Data(wInfo, where), [n, k], { quant: weightQuant(wInfo, 0, where) }));
    const w = cx.own(packGemmWeights(wt, { layout: "nk", ...(bias ? { bias } : {}) }));
    const m = xin.size / k;
    if (!Number.isInteger(m) || out.size !== m * n) throw new QkernError(op, where, `input ${xin} does not hold rows of K = ${k} for output ${out}`);
    // gemm takes A as [M, K] and C as [M, N]: the model's tensors seen in those shapes (no copy).
    const a2 = xin.shape.length === 2 ? xin : cx.reshaped(xin, [m, k]);
    const c2 = out.shape.length === 2 && out.shape[0] === m ? out : cx.reshaped(out, [m, n]);
    const opts = { out: c2, stage: cx.stage, ...clamp(o.options.activation ?? "none", out, where) };
    return () => void gemm(a2, w, opts);
  },
};
