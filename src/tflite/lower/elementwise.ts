// ADD, SUB and MUL with TFLite's broadcasting and fused activation, on the public ops with the
// model's numerics (add / sub / mul with `numerics`: src/ops/binary.ts).

import { add } from "../../ops/add.js";
import { mul } from "../../ops/mul.js";
import { sub } from "../../ops/sub.js";
import { QkernError } from "../../errors.js";
import type { TfliteBinaryOptions } from "../../ops/binary.js";
import type { Tensor } from "../../tensor.js";
import type { Lowering } from "./context.js";
import { checked } from "./tensor-ops.js";
import { floatActivation } from "../steps.js";

const op = "loadModel";
const OPS: Record<string, (a: Tensor, b: Tensor, o: TfliteBinaryOptions) => Tensor> = { ADD: add, SUB: sub, MUL: mul };

export const binaryOp: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const a = cx.act(o.inputs[0]!);
    const b = cx.act(o.inputs[1]!);
    const activation = o.options.activation ?? "none";
    if (activation !== "none" && activation !== "relu" && activation !== "relu6" && activation !== "relu_n1_to_1") throw new QkernError(op, where, `fused activation ${activation} is not supported`);
    if (out.dtype === "float32") {
      // A float model's ADD (checkFloatUse admits no other float binary operator): float32, same shapes.
      if (a.size !== out.size || b.size !== out.size) throw new QkernError(op, where, `a float32 ADD with broadcasting is not supported (${a}, ${b})`);
      const fopts = { out, ...floatActivation(activation, where) };
      return checked(where, () => add(a, b, fopts));
    }
    const fn = OPS[o.op]!;
    const opts = { out, numerics: cx.numerics, activation } as const;
    return checked(where, () => fn(a, b, opts));
  },
};
