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
export function checkOutShape(op: string, arg: string, out: Tensor, shape: readonly number[], context: string): void {
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
    throw new QkernError(op, arg, `has shape ${out}, expected ${describeShape(out.dtype, shape)} (${context})`);
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

/** Whether two sets of quantization parameters are identical. */
export function sameQuant(a: QuantParams, b: QuantParams): boolean {
  if (isPerAxisQuant(a) !== isPerAxisQuant(b)) return false;
  if (!isPerAxisQuant(a) || !isPerAxisQuant(b)) {
    const x = a as { scale: number; zeroPoint: number };
    const y = b as { scale: number; zeroPoint: number };
    return x.scale === y.scale && x.zeroPoint === y.zeroPoint;
  }
  return a.axis === b.axis && a.scale.length === b.scale.length &&
    a.scale.every((s, i) => s === b.scale[i]) && a.zeroPoint.every((z, i) => z === b.zeroPoint[i]);
}

/**
 * Scratch memory for one call: one allocation carved into 16-byte aligned pieces of the given
 * sizes; runs `fn` with their pointers and frees the block afterwards (also when `fn` throws).
 */
export function withScratch<T>(rt: Runtime, op: string, sizes: readonly number[], fn: (ptrs: number[]) => T): T {
  let total = 0;
  const offsets: number[] = [];
  for (const s of sizes) {
    offsets.push(total);
    total += (s + 15) & ~15;
  }
  const base = rt.alloc(total, op);
  try {
    return fn(offsets.map((o) => base + o));
  } finally {
    rt.free(base);
  }
}

/** Writes per-channel f32 scales then i32 zero points at two scratch pointers. */
export function writeScaleZp(rt: Runtime, scalesPtr: number, zpsPtr: number, p: { scale: Float32Array; zeroPoint: Int32Array }): void {
  const v = rt.views();
  v.f32.set(p.scale, scalesPtr >> 2);
  v.i32.set(p.zeroPoint, zpsPtr >> 2);
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
