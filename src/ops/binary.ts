// What add, sub and mul share under TFLite numerics: TFLite's broadcasting (shapes aligned on the
// right, each dimension equal or 1), the output tensor, the stage words of each numerics, and the
// reduction of any broadcast to calls of assembly/q8_vbin (rows × n blocks plus outer loops).
//
// `litert`: what LiteRT (TFLite with its XNNPACK delegate) computes. ADD / SUB: XNNPACK's add with
// integer multipliers from the float32 ratios sa/sy and sb/sy (SUB negates b's), 20 bits for the
// larger one; MUL: XNNPACK's fp32 requantization by f32(f32(sa·sb)/sy). Where XNNPACK's parameter
// ranges exclude the scales (ratios outside [2^-10, 2^8) for ADD / SUB, a product ratio outside
// [2^-16, 2^8) for MUL), the delegate leaves the operator to TFLite's kernel: the reference arithmetic.
// `reference`: TFLite's reference kernels (ADD / SUB with left shift 20 and three multipliers, MUL
// with one multiplier of f32(f32(sa·sb)/sy)).

import { QkernError } from "../errors.js";
import { q8Vbin, type VbinCall } from "../kernels/q8_vbin.js";
import { isPerAxisQuant, quantizeMultiplier, roundHalfEven, type PerTensorQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";
import { activationRange, checkNumerics, type TfliteFusedActivation, type TfliteNumerics } from "./tflite-arith.js";

/** Options of `add`, `sub` and `mul` under TFLite numerics. */
export interface TfliteBinaryOptions {
  /** `litert` (default of sub and mul): LiteRT / XNNPACK; `reference`: TFLite's reference kernels. */
  readonly numerics?: TfliteNumerics;
  /** TFLite's fused activation (bounds rounded as TFLite's CalculateActivationRangeQuantized). */
  readonly activation?: TfliteFusedActivation;
  /** Extra bounds in quantized units. */
  readonly clampMin?: number;
  readonly clampMax?: number;
  /** 8-bit output parameters (default: those of `a`); ignored when `out` is given. */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
}

export type BinaryKind = "add" | "sub" | "mul";

/** TFLite's broadcast of two shapes (right-aligned, each dimension equal or 1). */
export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...new Array<number>(r - a.length).fill(1), ...a];
  const pb = [...new Array<number>(r - b.length).fill(1), ...b];
  return pa.map((d, i) => {
    const e = pb[i]!;
    if (d !== e && d !== 1 && e !== 1) throw new QkernError(op, "b", `shape [${b.join(", ")}] does not broadcast against a [${a.join(", ")}] (dimension ${i}: ${d} vs ${e})`);
    return d === 1 ? e : d;
  });
}

/** Blocks of a broadcast: per-block a, b, y element offsets and the 2-D kernel shape. */
export interface BroadcastPlan {
  readonly rows: number; readonly n: number;
  readonly aInc: 0 | 1; readonly bInc: 0 | 1; readonly aRow: number; readonly bRow: number;
  readonly blocks: ReadonlyArray<readonly [number, number, number]>;
}

export function broadcastPlan(a: readonly number[], b: readonly number[], out: readonly number[]): BroadcastPlan {
  const r = out.length;
  const pad = (s: readonly number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const strides = (s: number[]) => s.map((d, i) => (d === 1 ? 0 : s.slice(i + 1).reduce((x, y) => x * y, 1)));
  const [pa, pb] = [pad(a), pad(b)];
  let dims: Array<{ d: number; sa: number; sb: number }> = out.map((d, i) => ({ d, sa: strides(pa)[i]!, sb: strides(pb)[i]! })).filter((x) => x.d !== 1);
  // Merge a dimension into the one after it when both inputs step through them as one.
  for (let i = dims.length - 2; i >= 0; i--) {
    const [u, v] = [dims[i]!, dims[i + 1]!];
    if (u.sa === v.sa * v.d && u.sb === v.sb * v.d) dims = [...dims.slice(0, i), { d: u.d * v.d, sa: v.sa, sb: v.sb }, ...dims.slice(i + 2)];
  }
  if (dims.length === 0) dims = [{ d: 1, sa: 0, sb: 0 }];
  const inner = dims[dims.length - 1]!;
  const row = dims.length >= 2 ? dims[dims.length - 2]! : { d: 1, sa: 0, sb: 0 };
  const outer = dims.slice(0, Math.max(0, dims.length - 2));
  const blocks: Array<[number, number, number]> = [];
  const per = inner.d * row.d;
  const walk = (k: number, oa: number, ob: number): void => {
    if (k === outer.length) {
      blocks.push([oa, ob, blocks.length * per]);
      return;
    }
    for (let j = 0; j < outer[k]!.d; j++) walk(k + 1, oa + j * outer[k]!.sa, ob + j * outer[k]!.sb);
  };
  walk(0, 0, 0);
  return { rows: row.d, n: inner.d, aInc: inner.sa as 0 | 1, bInc: inner.sb as 0 | 1, aRow: row.sa, bRow: row.sb, blocks };
}

const f = Math.fround;

/** float32 exponent of a positive normal float32 (its bits' exponent field − 127). */
function exponent(x: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return ((v.getUint32(0) >>> 23) & 0xff) - 127;
}

/** The kernel call of `kind` under `numerics` for these scales (qmin/qmax: the output clamp). */
export function binaryCall(op: string, kind: BinaryKind, numerics: TfliteNumerics, qa: PerTensorQuant, qb: PerTensorQuant, qy: PerTensorQuant, qmin: number, qmax: number): VbinCall {
  if (kind === "mul") {
    const real = f(f(f(qa.scale) * f(qb.scale)) / f(qy.scale));
    if (numerics === "litert" && real >= 2 ** -16 && real < 2 ** 8) {
      return { variant: "fp32_mul", words: [qa.zeroPoint, qb.zeroPoint, real, qy.zeroPoint, qmin, qmax], floatWord: 2 };
    }
    const m = quantizeMultiplier(real);
    if (m.shift > 14) throw new QkernError(op, "options", `MUL rescales by ${real} (scales a ${qa.scale}, b ${qb.scale}, y ${qy.scale}); TFLite's int32 arithmetic overflows beyond 2^14`);
    return { variant: "fixedpoint_mul", words: [qa.zeroPoint, qb.zeroPoint, m.multiplier, m.shift, qy.zeroPoint, qmin, qmax], floatWord: -1 };
  }
  const as = f(f(qa.scale) / f(qy.scale));
  const bs = f(f(qb.scale) / f(qy.scale));
  const inRange = (s: number): boolean => s >= 2 ** -10 && s < 2 ** 8;
  if (numerics === "litert" && inRange(as) && inRange(bs)) {
    const shift = 20 - exponent(Math.max(as, bs));
    const am = roundHalfEven(as * 2 ** shift);
    const bm = (kind === "sub" ? -1 : 1) * roundHalfEven(bs * 2 ** shift);
    const bias = 2 ** (shift - 1) - am * qa.zeroPoint - bm * qb.zeroPoint;
    return { variant: "fp32_add", words: [bias, am, bm, shift, qy.zeroPoint, qmin, qmax], floatWord: -1 };
  }
  // TFLite: twice the larger input scale as the common scale, 20 bits of headroom.
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const m1 = quantizeMultiplier(qa.scale / twiceMax);
  const m2 = quantizeMultiplier(qb.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / (2 ** 20 * qy.scale));
  if (mo.shift > 0) throw new QkernError(op, "options", `TFLite's ${kind.toUpperCase()} needs 2·max(sa, sb) / (2^20 · sy) < 1; scales a ${qa.scale}, b ${qb.scale}, y ${qy.scale}`);
  return {
    variant: "fixedpoint_add",
    words: [qa.zeroPoint, m1.multiplier, m1.shift, qb.zeroPoint, m2.multiplier, m2.shift, qy.zeroPoint, mo.multiplier, mo.shift, qmin, qmax, kind === "sub" ? 1 : 0],
    floatWord: -1,
  };
}

interface BinaryMemo {
  readonly a: Tensor; readonly b: Tensor; readonly kind: BinaryKind; readonly numerics: TfliteNumerics;
  readonly activation: unknown; readonly clampMin: unknown; readonly clampMax: unknown;
  readonly call: VbinCall; readonly plan: BroadcastPlan; readonly blocks: ReadonlyArray<readonly [number, number, number]>;
}

/** The last call into each caller-provided output (see tfliteBinary). */
const memos = new WeakMap<Tensor, BinaryMemo>();

/** a (kind) b with TFLite's numerics and broadcasting, 8-bit in and out. */
export function tfliteBinary(op: string, kind: BinaryKind, a: Tensor, b: Tensor, options: TfliteBinaryOptions): Tensor {
  const ta = checkTensor(op, "a", a, ["int8", "uint8"]);
  const tb = checkTensor(op, "b", b, [ta.dtype]);
  checkSameInstance(op, ta, [["b", tb]]);
  const numerics = checkNumerics(op, options.numerics, ["litert", "reference"]) ?? "litert";
  for (const [arg, t] of [["a", ta], ["b", tb]] as const) {
    if (t.quant === null || isPerAxisQuant(t.quant)) throw new QkernError(op, arg, `needs per-tensor quantization parameters (${t})`);
  }
  const shape = broadcastShape(op, ta.shape, tb.shape);
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, [ta.dtype]);
    checkSameInstance(op, ta, [["options.out", out]]);
    checkOutShape(op, "options.out", out, shape, () => `a: ${ta}, b: ${tb}`);
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
  } else {
    const spec = options.output ?? (ta.quant as PerTensorQuant);
    out = ta.qk.empty(ta.dtype, shape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } });
  }
  // A caller that passes the same tensors, output and options again (a loaded model's step) gets the
  // kernel call and broadcast plan it got last time: they depend on nothing else (shapes, quantization
  // and pointers of live tensors do not change; the checks above still run on every call).
  const memo = options.out !== undefined ? memos.get(out) : undefined;
  if (memo !== undefined && memo.a === ta && memo.b === tb && memo.kind === kind && memo.numerics === numerics && memo.activation === options.activation
    && memo.clampMin === options.clampMin && memo.clampMax === options.clampMax) {
    q8Vbin(ta.rt).run(ta.rt.workspace, op, memo.call, ta.dtype === "uint8", memo.plan, memo.plan.rows, memo.plan.n, memo.blocks);
    return out;
  }
  try {
    const qy = out.quant as PerTensorQuant;
    const dtype = ta.dtype as "int8" | "uint8";
    let [qmin, qmax] = activationRange(op, options.activation, qy.scale, qy.zeroPoint, dtype);
    for (const [name, v] of [["options.clampMin", options.clampMin], ["options.clampMax", options.clampMax]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= (dtype === "int8" ? -128 : 0) && v <= (dtype === "int8" ? 127 : 255))) throw new QkernError(op, name, `must be an integer in the range of ${dtype}, got ${String(v)}`);
    }
    if (options.clampMin !== undefined) qmin = Math.max(qmin, options.clampMin);
    if (options.clampMax !== undefined) qmax = Math.min(qmax, options.clampMax);
    if (qmin > qmax) throw new QkernError(op, "options", `clamp bounds are empty: [${qmin}, ${qmax}]`);
    const call = binaryCall(op, kind, numerics, ta.quant as PerTensorQuant, tb.quant as PerTensorQuant, qy, qmin, qmax);
    if (out.size === 0) return out;
    const p = broadcastPlan(ta.shape, tb.shape, shape);
    const blocks = p.blocks.map(([x, y, z]) => [ta.ptr + x, tb.ptr + y, out.ptr + z] as const);
    q8Vbin(ta.rt).run(ta.rt.workspace, op, call, dtype === "uint8", p, p.rows, p.n, blocks);
    if (options.out !== undefined) {
      memos.set(out, { a: ta, b: tb, kind, numerics, activation: options.activation, clampMin: options.clampMin, clampMax: options.clampMax, call, plan: p, blocks });
    }
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}
