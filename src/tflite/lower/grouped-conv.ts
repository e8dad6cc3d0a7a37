// Grouped CONV_2D (TFLite infers groups = input channels / the filter's input channels): each group is
// the same integer convolution as an ungrouped CONV_2D on its slice of channels, so it runs exactly
// under either numerics as
// - a depthwise convolution when every group reads one channel (the filter [OC, KH, KW, 1] is
//   ONNX's depthwise layout [C·multiplier, 1, KH, KW] as it is), or
// - one conv2d per group: its input channels gathered into a scratch tensor, the packed per-group
//   weights (per-channel scales and bias sliced), its output channels scattered into the output
//   (x8_lut's strided copy).

import { QkernError } from "../../errors.js";
import { x8Lut } from "../../kernels/x8_lut.js";
import { conv2d, packConvWeights } from "../../ops/conv2d.js";
import { depthwiseConv2d } from "../../ops/depthwise-conv2d.js";
import { packDepthwiseWeights } from "../../ops/pack-depthwise-weights.js";
import type { Tensor } from "../../tensor.js";
import type { TfliteTensor } from "../model.js";
import { int8Data, weightQuant } from "../steps.js";
import type { LowerContext } from "./context.js";

const op = "loadModel";

/** Geometry and output stage of the convolution, as conv2d / depthwiseConv2d take them (minus `out`). */
interface ConvCommon {
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly padding: "same" | "valid" | readonly [number, number, number, number];
  readonly stage: "fp32" | "fixedpoint";
  readonly clampMin?: number;
  readonly clampMax?: number;
}

/** The run closure of a CONV_2D whose filter [OC, KH, KW, IC / groups] reads a slice of the input channels. */
export function groupedConvolution(cx: LowerContext, x: Tensor, out: Tensor, wInfo: TfliteTensor, bias: Int32Array | undefined, common: ConvCommon, where: string): () => void {
  const [oc, kh, kw, icg] = wInfo.shape as [number, number, number, number];
  const ic = x.shape[3]!;
  const groups = ic / icg;
  if (!Number.isInteger(groups) || oc % groups !== 0) {
    throw new QkernError(op, where, `filter ${wInfo.name} [${wInfo.shape.join(", ")}] does not divide ${x} into groups (input channels ${ic}, output channels ${oc})`);
  }
  const ocg = oc / groups;
  const data = int8Data(wInfo, where);
  const quant = weightQuant(wInfo, 0, where);
  if (icg === 1) {
    const wt = cx.own(cx.qk.tensor(data, [oc, 1, kh, kw], { quant }));
    const w = cx.own(packDepthwiseWeights(wt, { layout: "onnx", ...(bias ? { bias } : {}) }));
    const opts = { ...common, out };
    return () => void depthwiseConv2d(x, w, opts);
  }
  const packed = Array.from({ length: groups }, (_, g) => {
    const rows = [g * ocg, (g + 1) * ocg] as const;
    const q = "axis" in quant ? { axis: 0, scale: quant.scale.subarray(...rows), zeroPoint: quant.zeroPoint.subarray(...rows) } : quant;
    using wt = cx.qk.tensor(data.subarray(rows[0] * kh * kw * icg, rows[1] * kh * kw * icg), [ocg, kh, kw, icg], { quant: q });
    return cx.own(packConvWeights(wt, { layout: "ohwi", ...(bias ? { bias: bias.subarray(...rows) } : {}) }));
  });
  const [n, h, w] = x.shape as [number, number, number];
  const xg = cx.scratch(x, [n, h, w, icg]);
  const yg = cx.scratch(out, [out.shape[0]!, out.shape[1]!, out.shape[2]!, ocg]);
  const opts = { ...common, out: yg };
  const lut = x8Lut(cx.qk.rt);
  const pixelsIn = n * h * w;
  const pixelsOut = out.size / oc;
  return () => {
    for (let g = 0; g < groups; g++) {
      const u8 = cx.qk.rt.views().u8;
      for (let p = 0, s = x.ptr + g * icg, d = xg.ptr; p < pixelsIn; p++, s += ic, d += icg) u8.copyWithin(d, s, s + icg);
      conv2d(xg, packed[g]!, opts);
      lut.strided(yg.ptr, out.ptr + g * ocg, pixelsOut, ocg, oc, 0);
    }
  };
}
