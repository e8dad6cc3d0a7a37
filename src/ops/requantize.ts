import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { clampBounds, outputMultipliers, type ClampOptions, type OutputStage } from "../output-stage.js";
import { outputParams } from "../kernels/output.js";
import { qs32Q8Requant } from "../kernels/qs32_q8_requant.js";
import { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor, paramArrays, paramLayout, runOrDispose } from "./common.js";

/** Target of `requantize`: an 8-bit type with per-tensor parameters. */
export interface RequantizeSpec {
  readonly dtype: "int8" | "uint8";
  readonly scale: number;
  readonly zeroPoint?: number;
}

/** Options of `requantize`. */
export interface RequantizeOptions extends ClampOptions {
  /** `fp32` (default; ONNX Runtime / XNNPACK) or `fixedpoint` (TFLite / gemmlowp). */
  readonly stage?: OutputStage;
}

/**
 * Requantizes int32 accumulators to int8/uint8 through one of the two exact output stages
 * (docs/numerics.md) — the same piece the GEMM and convolution kernels use. The accumulator scale
 * (input scale · weight scale, per tensor or per output channel) comes from `acc.quant`; the
 * output scale and zero point from `target` (a spec, or an output tensor of acc's shape).
 *
 * - `fp32`: y = clamp(roundHalfEven(f32(acc) · m) + zp), m = f32(accScale / outScale).
 * - `fixedpoint`: (multiplier, shift) = QuantizeMultiplier(accScale / outScale in double), then
 *   SaturatingRoundingDoublingHighMul and RoundingDivideByPOT as in TFLite.
 *
 * `activation` (`relu`, `relu6`) and `clampMin`/`clampMax` narrow the output range.
 *
 * @example
 * ```ts
 * const acc = qk.tensor(new Int32Array([1000, -250, 40000]), [3], { quant: { scale: 0.0004 } });
 * requantize(acc, { dtype: 'int8', scale: 0.05, zeroPoint: -3 }).toArray();            // Int8Array [5, -5, 127]
 * requantize(acc, { dtype: 'uint8', scale: 0.05, zeroPoint: 128 }, { stage: 'fixedpoint', activation: 'relu' });
 * ```
 */
export function requantize(acc: Tensor, target: RequantizeSpec | Tensor, options: RequantizeOptions = {}): Tensor {
  const op = "requantize";
  const input = checkTensor(op, "acc", acc, ["int32"]);
  if (input.quant === null) {
    throw new QkernError(op, "acc", `needs quantization parameters: its scale is input scale · weight scale (${input})`);
  }
  const stage = options.stage ?? "fp32";
  if (stage !== "fp32" && stage !== "fixedpoint") {
    throw new QkernError(op, "options.stage", `must be 'fp32' or 'fixedpoint', got ${String(stage)}`);
  }
  let out: Tensor;
  if (target instanceof Tensor) {
    out = checkTensor(op, "out", target, ["int8", "uint8"]);
    checkSameInstance(op, input, [["out", out]]);
    checkOutShape(op, "out", out, input.shape, () => `acc: ${input}`);
    if (out.quant === null || isPerAxisQuant(out.quant)) {
      throw new QkernError(op, "out", `needs per-tensor quantization parameters (${out})`);
    }
  } else {
    if (target === null || typeof target !== "object" || (target.dtype !== "int8" && target.dtype !== "uint8")) {
      throw new QkernError(op, "target.dtype", `must be 'int8' or 'uint8', got ${String((target as { dtype?: unknown } | null)?.dtype)}`);
    }
    if (typeof target.scale !== "number") throw new QkernError(op, "target.scale", `must be a number, got ${String(target.scale)}`);
    out = input.qk.empty(target.dtype, input.shape, { quant: { scale: target.scale, zeroPoint: target.zeroPoint ?? 0 } });
  }
  const outQuant = out.quant as PerTensorQuant;
  const accQuant = input.quant;
  const layout = paramLayout(input.shape, accQuant, input.size);
  const rt = input.rt;
  // Everything after creating the output frees it when it throws (bad clamps, overflowing multiplier).
  runOrDispose(out, target, () => {
    const [qmin, qmax] = clampBounds(op, out.dtype, outQuant.zeroPoint, outQuant.scale, options);
    const accScales = paramArrays(accQuant).scale;
    const multipliers = outputMultipliers(stage, 1, accScales, outQuant.scale, accScales.length,
      { op, argument: target instanceof Tensor ? "out" : "target.scale", shapes: `acc: ${input}` });
    const block = outputParams(rt);
    rt.workspace.with(op, [block.bytes(stage, accScales.length)], ([params]) => {
      block.write(params!, multipliers, outQuant.zeroPoint, qmin, qmax);
      qs32Q8Requant(rt).run(stage, layout.layout, input.ptr, out.ptr, layout.rows, layout.cols, params!);
    });
  });
  return out;
}
