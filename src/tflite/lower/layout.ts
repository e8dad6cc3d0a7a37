// Operators that only move bytes: PAD (when not folded into a convolution), TRANSPOSE, and RESHAPE /
// SQUEEZE (an alias of their input: no step at all, unless the quantization differs).

import { QkernError } from "../../errors.js";
import type { TfliteModel, TfliteOperator } from "../model.js";
import { copyBytes, int32Data, padStep, sameQuant, transposeStep } from "../steps.js";
import type { Lowering } from "./context.js";

const op = "loadModel";

export const pad: Lowering = {
  lower(cx, o, where) {
    return padStep(cx.act(o.inputs[0]!), cx.act(o.outputs[0]!), Array.from(int32Data(cx.constant(o.inputs[1]!))), where);
  },
};

export const transpose: Lowering = {
  lower(cx, o, where) {
    return transposeStep(cx.act(o.inputs[0]!), cx.act(o.outputs[0]!), Array.from(int32Data(cx.constant(o.inputs[1]!))), where);
  },
};

export const reshape: Lowering = {
  alias(g: TfliteModel, o: TfliteOperator) {
    const [x, y] = [g.tensors[o.inputs[0]!]!, g.tensors[o.outputs[0]!]!];
    return x.data === null && sameQuant(x, y) && size(x.shape) === size(y.shape);
  },
  lower(cx, o, where) {
    const x = cx.act(o.inputs[0]!);
    const out = cx.act(o.outputs[0]!);
    if (x.size !== out.size) throw new QkernError(op, where, `reshapes ${x} into ${out}`);
    return () => copyBytes(x, out);
  },
};

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
