// QUANTIZE, DEQUANTIZE, the standalone RELU / RELU6 / RELU_N1_TO_1, CONCATENATION and MAX_POOL_2D on
// the public ops with the model's numerics (quantize / relu / concat with `numerics`, dequantize,
// maxPool2d with TFLite's fused activation). QUANTIZE reads and DEQUANTIZE writes the only float32
// tensors a model may have (its float32 inputs and outputs).

import { QkernError } from "../../errors.js";
import { concat } from "../../ops/concat.js";
import { dequantize } from "../../ops/dequantize.js";
import { maxPool2d } from "../../ops/max-pool2d.js";
import { quantize } from "../../ops/quantize.js";
import { relu } from "../../ops/relu.js";
import type { TfliteFusedActivation } from "../../ops/tflite-arith.js";
import type { Tensor } from "../../tensor.js";
import { sameQuant } from "../steps.js";
import type { LowerContext, Lowering } from "./context.js";

const op = "loadModel";

/** Runs `fn` once at load (validation: a QkernError names the operator) and returns it as the step. */
export function checked(where: string, fn: () => unknown): () => void {
  try {
    fn();
  } catch (e) {
    if (e instanceof QkernError) throw new QkernError(op, where, e.message);
    throw e;
  }
  return () => void fn();
}

export const quantizeOp: Lowering = {
  lower(cx, o, where) {
    const x = cx.act(o.inputs[0]!);
    const out = cx.act(o.outputs[0]!);
    const opts = { numerics: cx.numerics };
    return checked(where, () => quantize(x, out, opts));
  },
};

export const dequantizeOp: Lowering = {
  lower(cx, o, where) {
    const x = cx.act(o.inputs[0]!);
    const out = cx.act(o.outputs[0]!);
    if (out.dtype !== "float32") throw new QkernError(op, where, `writes ${out}; DEQUANTIZE gives float32`);
    return checked(where, () => dequantize(x, out));
  },
};

const RELUS: Record<string, "relu" | "relu6" | "relu_n1_to_1"> = { RELU: "relu", RELU6: "relu6", RELU_N1_TO_1: "relu_n1_to_1" };

export const reluOp: Lowering = {
  lower(cx, o, where) {
    const x = cx.act(o.inputs[0]!);
    const out = cx.act(o.outputs[0]!);
    const opts = { fn: RELUS[o.op]!, numerics: cx.numerics, out };
    return checked(where, () => relu(x, opts));
  },
};

function fused(o: { options: { activation?: string } }, where: string): TfliteFusedActivation {
  const a = o.options.activation ?? "none";
  if (a !== "none" && a !== "relu" && a !== "relu6" && a !== "relu_n1_to_1") throw new QkernError(op, where, `fused activation ${a} is not supported`);
  return a;
}

export const concatenation: Lowering = {
  lower(cx: LowerContext, o, where) {
    const xs: Tensor[] = o.inputs.map((i) => cx.act(i));
    const out = cx.act(o.outputs[0]!);
    if (fused(o, where) !== "none") throw new QkernError(op, where, `a fused activation on CONCATENATION is not supported`);
    const opts = out.dtype === "float32" ? { axis: o.options.axis ?? 0, out } : { axis: o.options.axis ?? 0, numerics: cx.numerics, out };
    return checked(where, () => concat(xs, opts));
  },
};

export const maxPool: Lowering = {
  lower(cx, o, where) {
    const x = cx.act(o.inputs[0]!);
    const out = cx.act(o.outputs[0]!);
    const g = cx.graph;
    if (!sameQuant(g.tensors[o.inputs[0]!]!, g.tensors[o.outputs[0]!]!)) throw new QkernError(op, where, "MAX_POOL_2D needs equal input and output quantization (as TFLite)");
    const opts = {
      kernel: [o.options.filterH!, o.options.filterW!] as [number, number], strides: [o.options.strideH!, o.options.strideW!] as [number, number],
      padding: o.options.padding ?? "valid", activation: fused(o, where), out,
    } as const;
    return checked(where, () => maxPool2d(x, opts));
  },
};
