import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { clampBounds } from "../output-stage.js";
import { pickKernel } from "../registry.js";
import type { Tensor } from "../tensor.js";
import { checkSameInstance, checkTensor, withScratch } from "./common.js";

/**
 * Multiplies every pixel of an NHWC tensor by a per-channel vector s [N, 1, 1, C] (the last step of
 * squeeze-excite): DequantizeLinear → Mul → QuantizeLinear in float32 for 8-bit data
 * (y = clamp(roundHalfEven(f32(f32(sx·(x − zx)) · f32(ss·(s − zs))) / sy) + zy)), plain float32
 * products for float data.
 *
 * @example
 * ```ts
 * // x [1, 1, 2, 2] (NHWC), one scale per channel (squeeze-excite)
 * const x = qk.tensor(new Uint8Array([100, 100, 50, 50]), [1, 1, 2, 2], { quant: { scale: 0.02, zeroPoint: 0 } });
 * const s = qk.tensor(new Uint8Array([255, 128]), [2], { quant: { scale: 1 / 255, zeroPoint: 0 } });
 * console.log(mulChannels(x, s).toArray()); // Uint8Array(4) [ 100, 50, 50, 25 ]
 * ```
 */
export function mulChannels(x: Tensor, s: Tensor, options: { readonly output?: { readonly scale: number; readonly zeroPoint?: number } } = {}): Tensor {
  const op = "mulChannels";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const sc = checkTensor(op, "s", s, [input.dtype]);
  checkSameInstance(op, input, [["s", sc]]);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  if (sc.size !== n * c) throw new QkernError(op, "s", `must hold N·C = ${n * c} values ([N, 1, 1, C]), got ${sc}`);
  if (input.dtype === "float32") {
    const out = input.qk.empty("float32", input.shape);
    const xv = input.data as Float32Array;
    const sv = sc.data as Float32Array;
    const yv = out.data as Float32Array;
    for (let i = 0; i < yv.length; i++) yv[i] = Math.fround(xv[i]! * sv[Math.floor(i / (h * w * c)) * c + (i % c)]!);
    return out;
  }
  for (const [arg, t] of [["x", input], ["s", sc]] as const) {
    if (t.quant === null || isPerAxisQuant(t.quant)) throw new QkernError(op, arg, `needs per-tensor quantization parameters (${t})`);
  }
  const qx = input.quant as PerTensorQuant;
  const qs = sc.quant as PerTensorQuant;
  const spec = options.output ?? qx;
  const out = input.qk.empty(input.dtype, input.shape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } });
  const qy = out.quant as PerTensorQuant;
  const [qmin, qmax] = clampBounds(op, out.dtype, qy.zeroPoint, qy.scale, {});
  const rt = input.rt;
  withScratch(rt, op, [32], ([p]) => {
    const v = rt.views();
    v.f32[p! >>> 2] = qx.scale;
    v.i32[(p! >>> 2) + 1] = qx.zeroPoint;
    v.f32[(p! >>> 2) + 2] = qs.scale;
    v.i32[(p! >>> 2) + 3] = qs.zeroPoint;
    v.f32[(p! >>> 2) + 4] = qy.scale;
    v.i32.set([qy.zeroPoint, qmin, qmax], (p! >>> 2) + 5);
    for (let b = 0; b < n; b++) {
      pickKernel(rt, "q8_vmul", "channels")(input.ptr + b * h * w * c, sc.ptr + b * c, out.ptr + b * h * w * c, h * w, c, input.dtype === "uint8" ? 1 : 0, p!);
    }
  });
  return out;
}

/**
 * Softmax over the last axis to float32 (8-bit inputs are dequantized first): classifier outputs.
 * exp(x − max) / Σ exp(x − max), in float64, rounded to float32.
 *
 * @example
 * ```ts
 * const logits = qk.tensor([1, 2, 3], [1, 3]);
 * console.log(softmax(logits).toArray()); // Float32Array(3) [ 0.090..., 0.244..., 0.665... ]
 * ```
 */
export function softmax(x: Tensor): Tensor<"float32"> {
  const op = "softmax";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const c = input.shape[input.shape.length - 1] ?? 0;
  const rows = c === 0 ? 0 : input.size / c;
  let values: ArrayLike<number> = input.toArray();
  if (input.dtype !== "float32") {
    if (input.quant === null || isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
    const q = input.quant;
    values = Array.from(values, (v) => (v - q.zeroPoint) * q.scale);
  }
  const out = input.qk.empty("float32", input.shape);
  const y = out.data;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < c; i++) m = Math.max(m, values[r * c + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(values[r * c + i]! - m);
    for (let i = 0; i < c; i++) y[r * c + i] = Math.exp(values[r * c + i]! - m) / sum;
  }
  return out;
}
