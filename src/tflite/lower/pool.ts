// MEAN over H and W, AVERAGE_POOL_2D and SOFTMAX: TFLite's integer arithmetic under either numerics
// (the public ops take `numerics`).

import { QkernError } from "../../errors.js";
import { avgPool2d } from "../../ops/avg-pool2d.js";
import { globalAvgPool } from "../../ops/global-avg-pool.js";
import { softmax } from "../../ops/softmax.js";
import { int32Data } from "../steps.js";
import type { Lowering } from "./context.js";

const op = "loadModel";

export const mean: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const x = cx.act(o.inputs[0]!);
    const axes = Array.from(int32Data(cx.constant(o.inputs[1]!))).map((a) => (a < 0 ? a + x.shape.length : a)).sort();
    if (x.shape.length !== 4 || axes.join(",") !== "1,2") throw new QkernError(op, where, `MEAN over axes [${axes.join(", ")}] of ${x} is not supported (only over H and W of NHWC)`);
    const c4 = out.shape.length === 4 ? out : cx.reshaped(out, [x.shape[0]!, 1, 1, x.shape[3]!]);
    if (out.dtype === "float32") return () => void globalAvgPool(x, { out: c4 }); // float model: the mean in float32
    const q = out.quant as { scale: number; zeroPoint: number };
    const opts = { out: c4, output: { scale: q.scale, zeroPoint: q.zeroPoint }, numerics: cx.numerics, keepDims: o.options.keepDims ?? false };
    return () => void globalAvgPool(x, opts);
  },
};

export const averagePool: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const x = cx.act(o.inputs[0]!);
    if (out.dtype === "float32") {
      const geometry = { kernel: [o.options.filterH!, o.options.filterW!] as [number, number], strides: [o.options.strideH!, o.options.strideW!] as [number, number], padding: o.options.padding ?? "valid", out };
      if ((o.options.activation ?? "none") !== "none") throw new QkernError(op, where, "a fused activation on a float32 AVERAGE_POOL_2D is not supported");
      return () => void avgPool2d(x, geometry);
    }
    const opts = {
      kernel: [o.options.filterH!, o.options.filterW!] as [number, number], strides: [o.options.strideH!, o.options.strideW!] as [number, number],
      padding: o.options.padding ?? "valid", out, numerics: cx.numerics, activation: o.options.activation ?? "none",
    } as const;
    return () => void avgPool2d(x, opts as Parameters<typeof avgPool2d>[1]);
  },
};

export const softmaxOp: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const x = cx.act(o.inputs[0]!);
    if (out.dtype === "float32") {
      if ((o.options.beta ?? 1) !== 1) throw new QkernError(op, where, `a float32 SOFTMAX with beta ${o.options.beta} is not supported (beta 1 is)`);
      return () => void softmax(x, { out });
    }
    const opts = { output: out.dtype, numerics: cx.numerics, beta: o.options.beta ?? 1, out } as const;
    return () => void softmax(x, opts as Parameters<typeof softmax>[1]);
  },
};
