// Fuzzer commands for the quantization ops (quantize, dequantize, dynamicQuantize, requantize),
// valid and invalid, with the expected bytes from `qkern/reference`.
import fc from "fast-check";
import { expect } from "vitest";
import { dequantize, dynamicQuantize, isPerAxisQuant, quantize, requantize, type DType, type QuantDType, type QuantParams, type Tensor } from "../../src/index.js";
import {
  channelOf, dequantizeLinear, dynamicParamsS8, dynamicParamsU8, fp32Multiplier, quantizeLinear, quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32,
  type RefQuant,
} from "../../src/reference/index.js";
import { RANGE, floats, intIn, ints, oneOf, quantFor, rand, scale, shape, zeroPoint, type Rand } from "./fuzz-data.js";
import { MAX_ALLOCATION } from "../../src/runtime/runtime.js";
import { World, encode, expectRefused, valuesOf, withCacheAccounting, type Inst, type TRec } from "./fuzz-model.js";
import { Step, makeTensor, type Cmd } from "./fuzz-commands-tensors.js";

export function refQuant(q: QuantParams): RefQuant {
  return isPerAxisQuant(q) ? { axis: q.axis, scale: q.scale, zeroPoint: q.zeroPoint } : { scale: q.scale, zeroPoint: q.zeroPoint };
}

/** An existing tensor of `inst` that satisfies `ok` (when `reuse`), else a fresh one from `make`. */
export function input(w: World, inst: Inst, sel: number, reuse: boolean, ok: (t: Tensor) => boolean, make: () => Tensor): TRec {
  const found = reuse ? w.pick(inst, sel, ok) : undefined;
  if (found) return found;
  const t = make();
  return w.tensors.find((r) => r.t === t)!;
}

/** A fresh float32 tensor of a random shape (or `dims`). */
export function freshFloat(w: World, inst: Inst, r: Rand, hostile: boolean, dims = shape(r)): Tensor {
  return makeTensor(w, inst, "float32", dims, floats(r, dims.reduce((a, b) => a * b, 1), hostile));
}

/** [qmin, qmax] of an 8-bit output after activation and clamps, as README "The two output stages" defines them; null if empty. */
export function clampModel(dtype: "int8" | "uint8", zp: number, outScale: number, o: { activation?: string; clampMin?: number; clampMax?: number }): [number, number] | null {
  let [lo, hi] = RANGE[dtype];
  if (o.activation === "relu" || o.activation === "relu6") lo = Math.max(lo, zp);
  if (o.activation === "relu6") hi = Math.min(hi, zp + Math.round(6 / outScale));
  if (o.clampMin !== undefined) lo = Math.max(lo, o.clampMin);
  if (o.clampMax !== undefined) hi = Math.min(hi, o.clampMax);
  return lo <= hi ? [lo, hi] : null;
}

/** Random activation / clamp options for an 8-bit output. */
export function clampOptions(r: Rand, dtype: "int8" | "uint8"): { activation?: "none" | "relu" | "relu6"; clampMin?: number; clampMax?: number } {
  const [lo, hi] = RANGE[dtype];
  return {
    ...(r() < 0.4 ? { activation: oneOf(r, ["none", "relu", "relu6"] as const) } : {}),
    ...(r() < 0.2 ? { clampMin: intIn(r, lo, hi) } : {}),
    ...(r() < 0.2 ? { clampMax: intIn(r, lo, hi) } : {}),
  };
}

export class Quantize extends Step {
  constructor(readonly instSel: number, readonly sel: number, readonly reuse: boolean, readonly seed: number, readonly dtype: QuantDType, readonly perAxis: boolean, readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const x = input(w, inst, this.sel, this.reuse, (t) => t.dtype === "float32", () => freshFloat(w, inst, r, true));
    const spec = { dtype: this.dtype, ...quantFor(r, this.dtype, x.t.shape, this.perAxis, true) };
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty(this.dtype, x.t.shape, { quant: spec })) : undefined;
    const y = withCacheAccounting(inst, undefined, () => quantize(x.t, out ? out.t : spec), (y) => (out ? [] : [y]));
    expect(y.shape).toEqual(x.t.shape);
    const want = encode(this.dtype, quantizeLinear(valuesOf(x), x.t.shape, this.dtype, refQuant(y.quant!)));
    if (out) out.expect = want;
    else w.add(inst, y, want);
    return `quantize ${x.t} → ${y}${out ? " (into out)" : ""}`;
  }
}

export class Dequantize extends Step {
  constructor(readonly instSel: number, readonly sel: number, readonly reuse: boolean, readonly seed: number, readonly dtype: Exclude<DType, "float32">, readonly perAxis: boolean, readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const q = input(w, inst, this.sel, this.reuse, (t) => t.dtype !== "float32" && t.quant !== null, () => {
      const dims = shape(r);
      return makeTensor(w, inst, this.dtype, dims, ints(r, dims.reduce((a, b) => a * b, 1), this.dtype), { quant: quantFor(r, this.dtype, dims, this.perAxis, true) });
    });
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty("float32", q.t.shape)) : undefined;
    const y = withCacheAccounting(inst, undefined, () => dequantize(q.t, out?.t), (y) => (out ? [] : [y]));
    const want = encode("float32", dequantizeLinear(valuesOf(q), q.t.shape, refQuant(q.t.quant!)));
    if (out) out.expect = want;
    else w.add(inst, y, want);
    return `dequantize ${q.t}`;
  }
}

export class DynamicQuantize extends Step {
  constructor(readonly instSel: number, readonly sel: number, readonly reuse: boolean, readonly seed: number, readonly dtype: "int8" | "uint8", readonly perRow: boolean, readonly hostile: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const x = input(w, inst, this.sel, this.reuse, (t) => t.dtype === "float32", () => freshFloat(w, inst, r, this.hostile, r() < 0.6 ? [intIn(r, 0, 6), intIn(r, 0, 40)] : shape(r)));
    const vals = valuesOf(x) as Float32Array;
    const desc = `dynamicQuantize(${x.t}, ${this.dtype}${this.perRow ? ", perRow" : ""})`;
    const options = { dtype: this.dtype, perRow: this.perRow };
    if (this.perRow && x.t.shape.length !== 2) {
      expectRefused(w, desc, () => dynamicQuantize(x.t, options), "dynamicQuantize", "x", `${x.t}`);
      return `${desc} refused (not 2-D)`;
    }
    const rows = this.perRow ? x.t.shape[0]! : 1;
    const cols = this.perRow ? x.t.shape[1]! : x.t.size;
    if (16 * rows > MAX_ALLOCATION) {
      // A zero-size [huge, 0] tensor: its per-row parameters (16 bytes of scratch each) cannot exist.
      expectRefused(w, desc, () => dynamicQuantize(x.t, options), "dynamicQuantize", "size");
      return `${desc} refused (too many rows)`;
    }
    const params = Array.from({ length: rows }, (_, i) => {
      const row = vals.subarray(i * cols, (i + 1) * cols);
      if (row.some((v) => !Number.isFinite(v))) return null;
      const p = this.dtype === "uint8" ? dynamicParamsU8(row) : dynamicParamsS8(row);
      return Number.isFinite(p.scale) && p.scale > 0 ? p : null;
    });
    if (params.includes(null)) {
      expectRefused(w, desc, () => dynamicQuantize(x.t, options), "dynamicQuantize", "x", `${x.t}`);
      return `${desc} refused (NaN, infinity or overflowing range)`;
    }
    const y = withCacheAccounting(inst, undefined, () => dynamicQuantize(x.t, options), (y) => [y]);
    const q: RefQuant = this.perRow ? { axis: 0, scale: params.map((p) => p!.scale), zeroPoint: params.map((p) => p!.zeroPoint) } : params[0]!;
    w.add(inst, y, encode(this.dtype, quantizeLinear(vals, x.t.shape, this.dtype, q)));
    expect(refQuant(y.quant!)).toEqual(this.perRow ? { axis: 0, scale: Float32Array.from(q.scale as number[]), zeroPoint: Int32Array.from(q.zeroPoint as number[]) } : q);
    return desc;
  }
}

export class Requantize extends Step {
  constructor(readonly instSel: number, readonly sel: number, readonly reuse: boolean, readonly seed: number, readonly dtype: "int8" | "uint8", readonly stage: "fp32" | "fixedpoint", readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const acc = input(w, inst, this.sel, this.reuse, (t) => t.dtype === "int32" && t.quant !== null, () => {
      const dims = shape(r);
      const q = quantFor(r, "int32", dims, r() < 0.5, true);
      return makeTensor(w, inst, "int32", dims, ints(r, dims.reduce((a, b) => a * b, 1), "int32"), { quant: q });
    });
    const oq = { scale: scale(r, true), zeroPoint: zeroPoint(r, this.dtype) };
    const opts = { stage: this.stage, ...clampOptions(r, this.dtype) };
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty(this.dtype, acc.t.shape, { quant: oq })) : undefined;
    const target = out ? out.t : { dtype: this.dtype, ...oq };
    const desc = `requantize(${acc.t} → ${this.dtype} scale ${oq.scale}, ${JSON.stringify(opts)})`;
    const outScale = Math.fround(oq.scale);
    const bounds = clampModel(this.dtype, oq.zeroPoint, outScale, opts);
    if (bounds === null) {
      expectRefused(w, desc, () => requantize(acc.t, target, opts), "requantize", /^options/);
      return `${desc} refused (empty clamp)`;
    }
    const ref = refQuant(acc.t.quant!);
    const scales = typeof ref.scale === "number" ? [ref.scale] : Array.from(ref.scale);
    const mult = scales.map((s) => (this.stage === "fp32" ? fp32Multiplier(s, 1, outScale) : quantizeMultiplierRef(s / outScale)));
    if (mult.some((m) => typeof m === "number" && !Number.isFinite(m))) {
      expectRefused(w, desc, () => requantize(acc.t, target, opts), "requantize", out ? "out" : "target.scale", `${acc.t}`);
      return `${desc} refused (multiplier overflows float32)`;
    }
    const y = withCacheAccounting(inst, undefined, () => requantize(acc.t, target, opts), (y) => (out ? [] : [y]));
    const ch = channelOf(acc.t.shape, ref.axis);
    const [lo, hi] = bounds;
    const want = Array.from(valuesOf(acc), (v, i) => {
      const m = mult[ch(i)]!;
      return typeof m === "number" ? requantizeFp32(v, m, oq.zeroPoint, lo, hi) : requantizeFixedpoint(v, m.multiplier, m.shift, oq.zeroPoint, lo, hi);
    });
    if (out) out.expect = encode(this.dtype, want);
    else w.add(inst, y, encode(this.dtype, want));
    return desc;
  }
}

const quantDTypes = fc.constantFrom<QuantDType>("int8", "uint8", "int4", "uint4");
const base = fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.integer());

export const quantCommands: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(base, quantDTypes, fc.boolean(), fc.boolean()).map(([b, d, a, o]) => new Quantize(...b, d, a, o)),
  fc.tuple(base, fc.constantFrom<Exclude<DType, "float32">>("int8", "uint8", "int4", "uint4", "int32"), fc.boolean(), fc.boolean()).map(([b, d, a, o]) => new Dequantize(...b, d, a, o)),
  fc.tuple(base, fc.constantFrom("int8" as const, "uint8" as const), fc.boolean(), fc.boolean()).map(([b, d, p, h]) => new DynamicQuantize(...b, d, p, h)),
  fc.tuple(base, fc.constantFrom("int8" as const, "uint8" as const), fc.constantFrom("fp32" as const, "fixedpoint" as const), fc.boolean()).map(([b, d, s, o]) => new Requantize(...b, d, s, o)),
];
