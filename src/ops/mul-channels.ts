import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { clampBounds } from "../output-stage.js";
import { q8Vmul } from "../kernels/q8_vmul.js";
import type { Tensor } from "../tensor.js";
import { checkSameInstance, checkTensor } from "./common.js";

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
  q8Vmul(rt).channels(rt.workspace, op, input.ptr, sc.ptr, out.ptr, n, h * w, c, input.dtype === "uint8", {
    sa: qx.scale, za: qx.zeroPoint, sb: qs.scale, zb: qs.zeroPoint, sy: qy.scale, zy: qy.zeroPoint, qmin, qmax,
  });
  return out;
}
