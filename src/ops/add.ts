import { QkernError } from "../errors.js";
import { isPerAxisQuant, quantizeMultiplier, type PerTensorQuant } from "../quant.js";
import { clampBounds, floatClamp, type ClampOptions, type OutputStage } from "../output-stage.js";
import { q8Vadd } from "../kernels/q8_vadd.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";
import { tfliteBinary } from "./binary.js";
import type { TfliteFusedActivation, TfliteNumerics } from "./tflite-arith.js";

/** Options of `add`. */
export interface AddOptions extends Omit<ClampOptions, "activation"> {
  /** `relu`, `relu6`; with `numerics` also `relu_n1_to_1` (TFLite's fused activations). */
  readonly activation?: TfliteFusedActivation;
  /**
   * TFLite's ADD, 8-bit, with TFLite's broadcasting (shapes aligned on the right, dimensions equal
   * or 1): `litert` as LiteRT / XNNPACK computes it, `reference` as TFLite's reference kernel (see
   * `sub`). Without it: same shapes, arithmetic by `stage`.
   */
  readonly numerics?: TfliteNumerics;
  /** 8-bit output parameters (default: those of `a`); ignored when `out` is given. */
  readonly output?: { readonly dtype?: "int8" | "uint8"; readonly scale: number; readonly zeroPoint?: number };
  /**
   * `fp32` (default): DequantizeLinear → Add → QuantizeLinear in float32, as ONNX Runtime's
   * QLinearAdd: v = f32(f32(sa·(a − za) + sb·(b − zb)) / sy), y = roundHalfEven(f32(clamp(v) + zy)): the
   * output zero point is added in float32 before rounding (it decides ties such as 91.49999 + 128).
   * `fixedpoint`: TFLite ADD (inputs shifted left by 20 bits and rescaled with QuantizeMultiplier).
   */
  readonly stage?: OutputStage;
  readonly out?: Tensor;
}

/**
 * Elementwise add of two tensors of the same shape (residual connections): two 8-bit inputs with
 * their own scales and zero points into an 8-bit output, or two float32 inputs.
 *
 * @example
 * ```ts
 * const a = qk.tensor(new Int8Array([10, -20, 30]), [3], { quant: { scale: 0.1, zeroPoint: 0 } });
 * const b = qk.tensor(new Int8Array([5, 5, -50]), [3], { quant: { scale: 0.2, zeroPoint: 0 } });
 * const y = add(a, b, { output: { scale: 0.1, zeroPoint: 3 }, activation: 'relu' });
 * console.log(y.toArray()); // Int8Array(3) [ 23, 3, 3 ]: 2.0 → 20 + 3; −1.0 and −7.0 clip to the zero point (relu)
 * // TFLite's ADD, a per-channel vector broadcast over NHWC, as LiteRT computes it:
 * const x = qk.tensor(new Int8Array(12).fill(10), [1, 2, 2, 3], { quant: { scale: 0.1, zeroPoint: 0 } });
 * const bias = qk.tensor(new Int8Array([1, 2, 3]), [3], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(add(x, bias, { numerics: 'litert' }).toArray().slice(0, 3)); // Int8Array(3) [ 11, 12, 13 ]
 * ```
 */
export function add(a: Tensor, b: Tensor, options: AddOptions = {}): Tensor {
  const op = "add";
  if (options.numerics !== undefined) {
    if (options.stage !== undefined) throw new QkernError(op, "options.stage", "cannot be combined with options.numerics (which fixes the arithmetic)");
    return tfliteBinary(op, "add", a, b, options);
  }
  const ta = checkTensor(op, "a", a, ["int8", "uint8", "float32"]);
  const tb = checkTensor(op, "b", b, [ta.dtype]);
  checkSameInstance(op, ta, [["b", tb]]);
  checkOutShape(op, "b", tb, ta.shape, () => `a: ${ta}`);
  if (ta.dtype === "float32") return addFloat(op, ta, tb, options as ClampOptions);
  for (const [arg, t] of [["a", ta], ["b", tb]] as const) {
    if (t.quant === null || isPerAxisQuant(t.quant)) throw new QkernError(op, arg, `needs per-tensor quantization parameters (${t})`);
  }
  const qa = ta.quant as PerTensorQuant;
  const qb = tb.quant as PerTensorQuant;
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, [ta.dtype]);
    checkSameInstance(op, ta, [["options.out", out]]);
    checkOutShape(op, "options.out", out, ta.shape, () => `a: ${ta}`);
    if (out.quant === null || isPerAxisQuant(out.quant)) throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
  } else {
    const spec = options.output ?? qa;
    if ("dtype" in spec && spec.dtype !== undefined && spec.dtype !== ta.dtype) {
      throw new QkernError(op, "options.output.dtype", `must match the inputs (${ta.dtype}), got ${spec.dtype}`);
    }
    out = ta.qk.empty(ta.dtype, ta.shape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } });
  }
  const qy = out.quant as PerTensorQuant;
  const stage = options.stage ?? "fp32";
  if (stage !== "fp32" && stage !== "fixedpoint") throw new QkernError(op, "options.stage", `must be 'fp32' or 'fixedpoint', got ${String(stage)}`);
  const rt = ta.rt;
  try {
    const [qmin, qmax] = clampBounds(op, out.dtype, qy.zeroPoint, qy.scale, options as ClampOptions);
    const unsigned = ta.dtype === "uint8";
    if (stage === "fp32") {
      q8Vadd(rt).fp32(rt.workspace, op, ta.ptr, tb.ptr, out.ptr, ta.size, unsigned, {
        sa: qa.scale, za: qa.zeroPoint, sb: qb.scale, zb: qb.zeroPoint, sy: qy.scale, zy: qy.zeroPoint, qmin, qmax,
      });
    } else {
      // TFLite: twice the larger input scale as the common scale, 20 bits of headroom.
      const twiceMax = 2 * Math.max(qa.scale, qb.scale);
      const m1 = quantizeMultiplier(qa.scale / twiceMax);
      const m2 = quantizeMultiplier(qb.scale / twiceMax);
      const mo = quantizeMultiplier(twiceMax / (2 ** 20 * qy.scale));
      if (m1.shift > 0 || m2.shift > 0 || mo.shift > 0) {
        throw new QkernError(op, "options.stage", `fixedpoint ADD needs 2·max(sa, sb) / (2^20 · sy) < 1 (TFLite); scales a ${qa.scale}, b ${qb.scale}, y ${qy.scale}`);
      }
      q8Vadd(rt).fixedpoint(rt.workspace, op, ta.ptr, tb.ptr, out.ptr, ta.size, unsigned, {
        za: qa.zeroPoint, ma: m1, zb: qb.zeroPoint, mb: m2, zy: qy.zeroPoint, my: mo, qmin, qmax,
      });
    }
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}

function addFloat(op: string, a: Tensor, b: Tensor, options: ClampOptions & { readonly out?: Tensor }): Tensor {
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, ["float32"]);
    checkOutShape(op, "options.out", out, a.shape, () => `a: ${a}`);
  } else out = a.qk.empty("float32", a.shape);
  const [lo, hi] = floatClamp(op, options);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  const z = out.data as Float32Array;
  for (let i = 0; i < z.length; i++) {
    const v = Math.fround(x[i]! + y[i]!);
    z[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}
