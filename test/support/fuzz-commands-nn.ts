// Fuzzer command for the network ops on 8-bit NHWC data: conv2d (packed, run and disposed within
// the step), add, table activations, maxPool2d, globalAvgPool and concat, each against its
// reference in `qkern/reference`, with caller-provided outputs half the time.
import fc from "fast-check";
import { expect } from "vitest";
import { activation, add, concat, conv2d, globalAvgPool, maxPool2d, packConvWeights, type ActivationFn, type Tensor } from "../../src/index.js";
import { conv2dInteger, convOutputSize, qaddFixedpoint, qaddFp32, qaverage, qfunction } from "../../src/reference/index.js";
import { intIn, ints, oneOf, rand, scale, zeroPoint } from "./fuzz-data.js";
import { World, encode, withCacheAccounting } from "./fuzz-model.js";
import { Step, makeTensor, type Cmd } from "./fuzz-commands-tensors.js";

type Q8 = "int8" | "uint8";
const FNS: Record<ActivationFn, (x: number) => number> = {
  relu: (x) => Math.max(0, x), relu6: (x) => Math.min(6, Math.max(0, x)), sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hardSigmoid: (x) => Math.min(1, Math.max(0, x / 6 + 0.5)), swish: (x) => x / (1 + Math.exp(-x)),
  hardSwish: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6, tanh: Math.tanh,
};
const OPS = ["conv2d", "add", "activation", "maxPool2d", "globalAvgPool", "concat"] as const;

export class NetworkOp extends Step {
  constructor(readonly instSel: number, readonly op: (typeof OPS)[number], readonly seed: number, readonly dtype: Q8, readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const [n, h, wd, c] = [intIn(r, 1, 2), intIn(r, 1, 6), intIn(r, 1, 6), oneOf(r, [1, 2, 3, 4, 8, 16, 17])];
    const qx = { scale: Math.fround(scale(r)), zeroPoint: zeroPoint(r, this.dtype) };
    const qy = { scale: Math.fround(scale(r)), zeroPoint: zeroPoint(r, this.dtype) };
    const xv = ints(r, n * h * wd * c, this.dtype);
    const x = makeTensor(w, inst, this.dtype, [n, h, wd, c], xv, { quant: qx });
    const [lo, hi] = this.dtype === "int8" ? [-128, 127] : [0, 255];
    const at = (b: number, y: number, xx: number, ch: number): number => xv[((b * h + y) * wd + xx) * c + ch]!;
    let shape: number[];
    let want: number[];
    let run: (out: Tensor | undefined) => Tensor;
    let outQuant: { scale: number; zeroPoint: number } | undefined = qy;
    switch (this.op) {
      case "conv2d": {
        const [oc, k] = [intIn(r, 1, 9), Math.min(intIn(r, 1, 3), h, wd)];
        const wv = ints(r, oc * k * k * c, "int8").map((v) => Math.max(-127, v));
        const bias = Array.from({ length: oc }, () => intIn(r, -1000, 1000));
        const g = { n, h, w: wd, c, oc, kh: k, kw: k, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const };
        shape = [n, ...convOutputSize(g), oc];
        want = Array.from(conv2dInteger(g, xv, qx.zeroPoint, wv, new Array(oc).fill(0), bias));
        outQuant = undefined;
        run = (out) => {
          using wt = makeTensor(w, inst, "int8", [oc, k, k, c], wv, { quant: { scale: 0.01 } });
          using packed = packConvWeights(wt, { bias, sparse: false });
          w.tensors = w.tensors.filter((t) => t.t !== wt);
          return conv2d(x, packed, out ? { out } : {});
        };
        break;
      }
      case "add": {
        const qb = { scale: Math.fround(scale(r)), zeroPoint: zeroPoint(r, this.dtype) };
        const bv = ints(r, xv.length, this.dtype);
        const b = makeTensor(w, inst, this.dtype, [n, h, wd, c], bv, { quant: qb });
        const stage = r() < 0.5 ? "fp32" as const : "fixedpoint" as const;
        const ref = stage === "fp32" ? qaddFp32 : qaddFixedpoint;
        shape = [n, h, wd, c];
        want = xv.map((v, i) => ref(v, bv[i]!, qx, qb, qy, lo, hi));
        run = (out) => add(x, b, out ? { out, stage } : { output: qy, stage });
        break;
      }
      case "activation": {
        const fn = oneOf(r, Object.keys(FNS) as ActivationFn[]);
        shape = [n, h, wd, c];
        want = xv.map((v) => qfunction(v, FNS[fn], qx, qy, this.dtype));
        run = (out) => activation(x, fn, out ? { out } : { output: qy });
        break;
      }
      case "maxPool2d": {
        const [k, s] = [Math.min(intIn(r, 1, 3), h, wd), intIn(r, 1, 2)];
        const [oh, ow] = [Math.floor((h - k) / s) + 1, Math.floor((wd - k) / s) + 1];
        shape = [n, oh, ow, c];
        want = [];
        for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, at(b, y * s + i, xx * s + j, ch));
          want.push(m);
        }
        outQuant = qx;
        run = (out) => maxPool2d(x, { kernel: k, strides: s, ...(out ? { out } : {}) });
        break;
      }
      case "globalAvgPool": {
        shape = [n, 1, 1, c];
        want = [];
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) want.push(qaverage(Array.from({ length: h * wd }, (_, p) => at(b, Math.floor(p / wd), p % wd, ch)), qx, qy, this.dtype));
        run = (out) => globalAvgPool(x, out ? { out } : { output: qy });
        break;
      }
      case "concat": {
        const cb = intIn(r, 1, 9);
        const qb = { scale: Math.fround(scale(r)), zeroPoint: zeroPoint(r, this.dtype) };
        const bv = ints(r, n * h * wd * cb, this.dtype);
        const b = makeTensor(w, inst, this.dtype, [n, h, wd, cb], bv, { quant: qb });
        shape = [n, h, wd, c + cb];
        want = [];
        for (let p = 0; p < n * h * wd; p++) {
          for (let ch = 0; ch < c; ch++) want.push(qfunction(xv[p * c + ch]!, (v) => v, qx, qy, this.dtype));
          for (let ch = 0; ch < cb; ch++) want.push(qfunction(bv[p * cb + ch]!, (v) => v, qb, qy, this.dtype));
        }
        run = (out) => concat([x, b], out ? { out } : { output: qy });
        break;
      }
    }
    const outDtype = outQuant ? this.dtype : "int32";
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty(outDtype, shape, outQuant ? { quant: outQuant } : undefined)) : undefined;
    const y = withCacheAccounting(inst, undefined, () => run(out?.t), (t) => (out ? [] : [t]));
    expect(y.shape, this.op).toEqual(shape);
    if (out) out.expect = encode(outDtype, want);
    else w.add(inst, y, encode(outDtype, want));
    return `${this.op}(${x})${out ? " into out" : ""}`;
  }
}

export function nnCommand(): fc.Arbitrary<Cmd> {
  return fc.tuple(fc.nat(), fc.constantFrom(...OPS), fc.integer(), fc.constantFrom<Q8>("int8", "uint8"), fc.boolean()).map((a) => new NetworkOp(...a));
}

