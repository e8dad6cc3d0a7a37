// Shared checks and plumbing of the public ops.

import { QkernError, describeShape } from "../errors.js";
import type { DType } from "../dtype.js";
import type { QuantParams } from "../quant.js";
import { isPerAxisQuant } from "../quant.js";
import type { Runtime } from "../runtime/runtime.js";
import { Tensor } from "../tensor.js";

/** Checks that `t` is a live tensor of one of `dtypes`; returns it typed. */
export function checkTensor<D extends DType>(op: string, arg: string, t: unknown, dtypes: readonly D[]): Tensor<D> {
  if (!(t instanceof Tensor)) throw new QkernError(op, arg, `must be a Tensor, got ${String(t)}`);
  t.checkAlive(op, arg);
  if (!dtypes.includes(t.dtype as D)) {
    throw new QkernError(op, arg, `must have dtype ${dtypes.join(" or ")}, got ${t}`);
  }
  return t as Tensor<D>;
}

/** Checks that all tensors belong to the same instance as the first. */
export function checkSameInstance(op: string, first: Tensor, others: ReadonlyArray<readonly [string, Tensor]>): void {
  for (const [arg, t] of others) {
    if (t.qk !== first.qk) {
      throw new QkernError(op, arg, `belongs to another qkern instance (${t.qk.isa}) than the input (${first.qk.isa})`);
    }
  }
}

/** Checks that an output tensor has the expected shape. */
export function checkOutShape(op: string, arg: string, out: Tensor, shape: readonly number[], context: () => string): void {
  const got = out.shape;
  let same = got.length === shape.length;
  for (let i = 0; same && i < got.length; i++) same = got[i] === shape[i];
  if (!same) {
    throw new QkernError(op, arg, `has shape ${out}, expected ${describeShape(out.dtype, shape)} (${context()})`);
  }
}

/**
 * How per-tensor or per-axis parameters map onto the `_rows` / `_cols` kernels:
 * `cols` layout when the axis is the last one (parameters vary along a row), otherwise `rows`
 * layout with row r using channel r % channels.
 */
export interface ParamLayout {
  readonly layout: "rows" | "cols";
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
}

export function paramLayout(shape: readonly number[], quant: QuantParams, size: number): ParamLayout {
  if (!isPerAxisQuant(quant) || size === 0) return { layout: "rows", rows: size === 0 ? 0 : 1, cols: size, channels: 1 };
  const outer = shape.slice(0, quant.axis).reduce((a, b) => a * b, 1);
  const channels = shape[quant.axis] as number;
  const inner = shape.slice(quant.axis + 1).reduce((a, b) => a * b, 1);
  if (inner === 1) return { layout: "cols", rows: outer, cols: channels, channels };
  return { layout: "rows", rows: outer * channels, cols: inner, channels };
}

/** Scales and zero points as arrays (length 1 for per-tensor). */
export function paramArrays(quant: QuantParams): { scale: Float32Array; zeroPoint: Int32Array } {
  if (isPerAxisQuant(quant)) return { scale: quant.scale, zeroPoint: quant.zeroPoint };
  return { scale: Float32Array.of(quant.scale), zeroPoint: Int32Array.of(quant.zeroPoint) };
}

/** Writes per-channel f32 scales then i32 zero points at two scratch pointers. */
export function writeScaleZp(rt: Runtime, scalesPtr: number, zpsPtr: number, p: { scale: Float32Array; zeroPoint: Int32Array }): void {
  const v = rt.views();
  v.f32.set(p.scale, scalesPtr >>> 2);
  v.i32.set(p.zeroPoint, zpsPtr >>> 2);
}

/** Runs `fn`; if it throws and the op created `out` itself (no caller tensor), frees `out`. */
export function runOrDispose<T>(out: Tensor, target: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (target !== out) out.dispose();
    throw e;
  }
}

/** Output size and padding along one axis (TFLite's rules for `same`). */
export function axisGeometry(op: string, size: number, k: number, stride: number, dilation: number, pad: "valid" | "same" | [number, number], x: Tensor): [number, number] {
  const eff = (k - 1) * dilation + 1;
  let before = 0;
  let out: number;
  if (pad === "valid") out = Math.floor((size - eff) / stride) + 1;
  else if (pad === "same") {
    out = Math.ceil(size / stride);
    before = Math.floor(Math.max((out - 1) * stride + eff - size, 0) / 2);
  } else {
    before = pad[0];
    out = Math.floor((size + pad[0] + pad[1] - eff) / stride) + 1;
  }
  if (out < 1) throw new QkernError(op, "weights", `kernel ${k} (dilation ${dilation}, stride ${stride}) is larger than the padded input ${size} (x: ${x})`);
  return [out, before];
}

export function pair(op: string, arg: string, v: number | readonly [number, number] | undefined): [number, number] {
  const p: [number, number] = v === undefined ? [1, 1] : typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 1)) throw new QkernError(op, arg, `must be integers >= 1, got ${JSON.stringify(v)}`);
  return p;
}

/** Padding option → per-axis padding ('valid' | 'same' | [before, after]). */
export function parsePadding(op: string, padding: "valid" | "same" | readonly [number, number, number, number] | undefined): [
  "valid" | "same" | [number, number], "valid" | "same" | [number, number],
] {
  const p = padding ?? "valid";
  if (p === "valid" || p === "same") return [p, p];
  if (Array.isArray(p) && p.length === 4 && p.every((v) => Number.isInteger(v) && v >= 0)) return [[p[0], p[2]], [p[1], p[3]]];
  throw new QkernError(op, "options.padding", `must be 'valid', 'same' or [top, left, bottom, right] of integers >= 0, got ${JSON.stringify(p)}`);
}

/**
 * The output of an elementwise op of one input (same shape and dtype): `out` checked when given;
 * otherwise float32 for float input, or an 8-bit tensor with `spec`'s parameters (default: x's).
 */
export function elementwiseOutput(op: string, x: Tensor, out: Tensor | undefined, spec: { readonly scale: number; readonly zeroPoint?: number } | undefined): Tensor {
  if (out !== undefined) {
    const o = checkTensor(op, "options.out", out, [x.dtype]);
    checkSameInstance(op, x, [["options.out", o]]);
    checkOutShape(op, "options.out", o, x.shape, () => `x: ${x}`);
    return o;
  }
  if (x.dtype === "float32") return x.qk.empty("float32", x.shape);
  if (x.quant === null || isPerAxisQuant(x.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${x})`);
  const s = spec ?? x.quant;
  return x.qk.empty(x.dtype, x.shape, { quant: { scale: s.scale, zeroPoint: s.zeroPoint ?? 0 } });
}
