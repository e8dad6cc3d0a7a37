// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on 8-bit NHWC data through the public `resize` (its
// numerics follow the model's). The size input must be a constant; input and output must share
// their quantization (TFLite's kernels copy or blend raw values, they never requantize).

import { QkernError } from "../../errors.js";
import { resize } from "../../ops/resize.js";
import { int32Data, sameQuant } from "../steps.js";
import type { Lowering } from "./context.js";

const op = "loadModel";

function resizeLowering(mode: "bilinear" | "nearest"): Lowering {
  return {
    lower(cx, o, where) {
      const x = cx.act(o.inputs[0]!);
      const out = cx.act(o.outputs[0]!);
      const size = Array.from(int32Data(cx.constant(o.inputs[1]!)));
      const [xi, yi] = [cx.graph.tensors[o.inputs[0]!]!, cx.graph.tensors[o.outputs[0]!]!];
      if (!sameQuant(xi, yi)) throw new QkernError(op, where, `needs the same quantization on input and output (${xi.name}, ${yi.name}); TFLite does not requantize in a resize`);
      if (size.length !== 2 || x.shape.length !== 4 || out.shape.length !== 4 || out.shape[1] !== size[0] || out.shape[2] !== size[1]) {
        throw new QkernError(op, where, `resizes ${x} to size [${size.join(", ")}], but the output is ${out}`);
      }
      const opts = {
        size: size as [number, number], mode, alignCorners: o.options.alignCorners ?? false, halfPixelCenters: o.options.halfPixelCenters ?? false, numerics: cx.numerics, out,
      } as const;
      return () => void resize(x, opts);
    },
  };
}

export const resizeBilinear = resizeLowering("bilinear");
export const resizeNearest = resizeLowering("nearest");
