// LOGISTIC, TANH and HARD_SWISH: the 256-entry table of the chosen numerics is built once at load
// (tfliteActivationTable, the same table the public `activation(x, fn, { numerics })` uses) and each
// run is one x8_lut pass over the bytes.

import { QkernError } from "../../errors.js";
import { x8Lut } from "../../kernels/x8_lut.js";
import { tfliteActivationTable, type TfliteActivationFn } from "../../ops/activation-tflite.js";
import type { Lowering } from "./context.js";

const op = "loadModel";

function lutLowering(fn: TfliteActivationFn): Lowering {
  return {
    lower(cx, o, where) {
      const x = cx.act(o.inputs[0]!);
      const out = cx.act(o.outputs[0]!);
      if (x.dtype !== out.dtype || x.size !== out.size) throw new QkernError(op, where, `needs input and output of one dtype and size, got ${x} and ${out}`);
      const qx = x.quant as { scale: number; zeroPoint: number };
      const qy = out.quant as { scale: number; zeroPoint: number };
      const bytes = tfliteActivationTable(op, where, fn, cx.numerics, x.dtype as "int8" | "uint8", qx, qy);
      const table = cx.own(cx.qk.tensor(bytes, [256], { dtype: "uint8" }));
      const lut = x8Lut(cx.qk.rt);
      return () => lut.map(x.ptr, out.ptr, x.size, table.ptr);
    },
  };
}

export const logistic = lutLowering("sigmoid");
export const tanh = lutLowering("tanh");
export const hardSwish = lutLowering("hardSwish");
