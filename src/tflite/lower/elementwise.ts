// ADD (same shapes), with TFLite's fused activation.

import { QkernError } from "../../errors.js";
import { add } from "../../ops/add.js";
import { clamp } from "../steps.js";
import type { Lowering } from "./context.js";

const op = "loadModel";

export const addOp: Lowering = {
  lower(cx, o, where) {
    const out = cx.act(o.outputs[0]!);
    const a = cx.act(o.inputs[0]!);
    const b = cx.act(o.inputs[1]!);
    if (a.size !== b.size || a.size !== out.size) throw new QkernError(op, where, `broadcasting ADD is not supported yet (${a}, ${b})`);
    const opts = { out, stage: cx.stage, ...clamp(o.options.activation ?? "none", out, where) };
    return () => void add(a, b, opts);
  },
};
