// Fuzzer command for invalid op calls: wrong dtypes, shapes, options, foreign instances, disposed
// inputs. Each must throw a QkernError naming the op, the argument and (for tensor arguments) the
// shape, and change nothing (tensor bytes and memoryStats, checked by expectRefused and the model).
import fc from "fast-check";
import {
  depthwiseConv2d, dequantize, dynamicQuantize, gemm, gemmInt4, packDepthwiseWeights, packGemmWeights, packInt4Weights, quantize, quantizeInt4, requantize,
  type PackedGemmWeights, type Tensor,
} from "../../src/index.js";
import { floats, intIn, ints, oneOf, rand, type Rand } from "./fuzz-data.js";
import { World, expectRefused, type Inst } from "./fuzz-model.js";
import { Step, makeTensor, type Cmd } from "./fuzz-commands-tensors.js";

type Case = [name: string, call: () => unknown, op: string, argument: string | RegExp, shape?: string];

function cases(w: World, inst: Inst, r: Rand): Array<() => Case | undefined> {
  const dims = (): number[] => [intIn(r, 1, 4), intIn(r, 1, 5)];
  const size = (d: number[]): number => d.reduce((a, b) => a * b, 1);
  const f32 = (d = dims()): Tensor => makeTensor(w, inst, "float32", d, floats(r, size(d), true));
  const i8 = (d = dims(), quant = true): Tensor => makeTensor(w, inst, "int8", d, ints(r, size(d), "int8"), quant ? { quant: { scale: 0.5, zeroPoint: 1 } } : undefined);
  const i32 = (d = dims(), quant = true): Tensor => makeTensor(w, inst, "int32", d, ints(r, size(d), "int32"), quant ? { quant: { scale: 0.01 } } : undefined);
  const other = w.insts.find((i) => i !== inst);
  return [
    () => { const x = i8(); return ["quantize int8", () => quantize(x, { dtype: "int8", scale: 1 }), "quantize", "x", `${x}`]; },
    () => { const x = f32(); const o = i8([x.shape[1]! + 1, x.shape[0]!]); return ["quantize out shape", () => quantize(x, o), "quantize", "out", `${o}`]; },
    () => { const x = f32(); const o = i8([...x.shape], false); return ["quantize out without quant", () => quantize(x, o), "quantize", "out", `${o}`]; },
    () => { const x = f32(); return ["quantize dtype", () => quantize(x, { dtype: "int16" as "int8", scale: 1 }), "quantize", "target.dtype"]; },
    () => { const x = f32(); return ["quantize scale", () => quantize(x, { dtype: "uint8", scale: oneOf(r, [0, -1, NaN, Infinity]) }), "empty", "options.quant.scale", `uint8[${x.shape.join(",")}]`]; },
    () => { const x = f32(); return ["dequantize float32", () => dequantize(x), "dequantize", "q", `${x}`]; },
    () => { const q = i8(dims(), false); return ["dequantize without quant", () => dequantize(q), "dequantize", "q", `${q}`]; },
    () => { const q = i8(); const o = f32([q.shape[0]!, q.shape[1]! + 1]); return ["dequantize out shape", () => dequantize(q, o), "dequantize", "out", `${o}`]; },
    () => { const q = i8(); const o = i32([...q.shape], false); return ["dequantize out dtype", () => dequantize(q, o), "dequantize", "out", `${o}`]; },
    () => { const x = i8(); return ["requantize int8", () => requantize(x, { dtype: "int8", scale: 1 }), "requantize", "acc", `${x}`]; },
    () => { const a = i32(dims(), false); return ["requantize without quant", () => requantize(a, { dtype: "int8", scale: 1 }), "requantize", "acc", `${a}`]; },
    () => { const a = i32(); return ["requantize dtype", () => requantize(a, { dtype: "int4" as "int8", scale: 1 }), "requantize", "target.dtype"]; },
    () => { const a = i32(); return ["requantize clampMin", () => requantize(a, { dtype: "int8", scale: 1 }, { clampMin: 1000 }), "requantize", "options.clampMin"]; },
    () => { const a = i32(); return ["requantize stage", () => requantize(a, { dtype: "int8", scale: 1 }, { stage: "float" as "fp32" }), "requantize", "options.stage"]; },
    () => { const a = i32(); return ["requantize activation", () => requantize(a, { dtype: "uint8", scale: 1 }, { activation: "gelu" as "relu" }), "requantize", "options.activation"]; },
    () => {
      if (!other) return undefined;
      const q = i8();
      const o = other.qk.empty("float32", q.shape);
      w.addSnapshot(other, o);
      return ["dequantize into another instance", () => dequantize(q, o), "dequantize", "out", `(${other.qk.isa})`];
    },
    () => { const x = f32(); return ["dynamicQuantize dtype", () => dynamicQuantize(x, { dtype: "int4" as "int8" }), "dynamicQuantize", "options.dtype"]; },
    () => { const x = i8(); return ["dynamicQuantize int8", () => dynamicQuantize(x), "dynamicQuantize", "x", `${x}`]; },
    () => {
      const b = i8([intIn(r, 1, 9), intIn(r, 1, 9)]);
      const a = i8([2, b.shape[0]! + 1]);
      return ["gemm K mismatch", () => { const p = packGemmWeights(b); try { return gemm(a, p); } finally { p.dispose(); } }, "gemm", "a", `${a}`];
    },
    () => { const a = i8(); return ["gemm weights not packed", () => gemm(a, a as unknown as PackedGemmWeights), "gemm", "weights"]; },
    () => { const b = makeTensor(w, inst, "int8", [5], ints(r, 5, "int8")); return ["packGemmWeights 1-D", () => packGemmWeights(b), "packGemmWeights", "b", `${b}`]; },
    () => { const b = i8(); return ["packGemmWeights bias", () => packGemmWeights(b, { bias: [1].concat(new Array(b.shape[1]!).fill(0)) }), "packGemmWeights", "options.bias"]; },
    () => { const b = i8(); return ["packGemmWeights layout", () => packGemmWeights(b, { layout: "mn" as "kn" }), "packGemmWeights", "options.layout"]; },
    () => { const wt = i8([3, 3, 2]); const x = i8([4, 4]); return ["depthwiseConv2d rank", () => { const p = packDepthwiseWeights(wt); try { return depthwiseConv2d(x, p); } finally { p.dispose(); } }, "depthwiseConv2d", "x", `${x}`]; },
    () => {
      const wt = i8([3, 3, 2]);
      const x = makeTensor(w, inst, "int8", [1, 4, 4, 2], ints(r, 32, "int8"), { quant: { scale: 1 } });
      return ["depthwiseConv2d padding", () => { const p = packDepthwiseWeights(wt); try { return depthwiseConv2d(x, p, { padding: "full" as "same" }); } finally { p.dispose(); } }, "depthwiseConv2d", "options.padding"];
    },
    () => { const wt = i8([3, 3, 2]); return ["packDepthwiseWeights bias", () => packDepthwiseWeights(wt, { bias: [2 ** 31, 0] }), "packDepthwiseWeights", "options.bias"]; },
    () => {
      const w4 = quantizeInt4(floats(r, 64 * 3, false), [64, 3], { blockSize: 32 });
      const x = f32([2, 63]);
      return ["gemmInt4 K mismatch", () => { const p = packInt4Weights(inst.qk, w4); try { return gemmInt4(x, p); } finally { p.dispose(); } }, "gemmInt4", "x", `${x}`];
    },
    () => ["packInt4Weights scales", () => packInt4Weights(inst.qk, { ...quantizeInt4(new Float32Array(32), [32, 1]), scales: Float32Array.of(NaN) }), "packInt4Weights", "w.scales"],
  ];
}

export class InvalidCall extends Step {
  constructor(readonly instSel: number, readonly which: number, readonly seed: number) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const all = cases(w, inst, rand(this.seed));
    const c = all[this.which % all.length]!();
    if (!c) return "invalid call: needs a second instance";
    const [name, call, op, argument, shape] = c;
    expectRefused(w, name, call, op, argument, shape);
    return `${name} refused`;
  }
}

export const invalidCommands: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(fc.nat(), fc.nat(), fc.integer()).map((a) => new InvalidCall(...a)),
];
