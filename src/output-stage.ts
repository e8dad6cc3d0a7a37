// The output stage on the TypeScript side: multipliers from scales (docs/numerics.md) and clamp
// bounds from fused activations. The params block the requantizing kernels read is written by the
// binding of assembly/output (src/kernels/output.ts).

import { QkernError } from "./errors.js";
import { DTYPE_INFO, type DType } from "./dtype.js";
import { quantizeMultiplier } from "./quant.js";

/**
 * `fp32`: ONNX Runtime / XNNPACK semantics, y = clamp(roundHalfEven(f32(acc) · m) + zp) with
 * m = f32(f32(inScale · wScale) / outScale).
 * `fixedpoint`: TFLite / gemmlowp semantics, a doubling high multiply by an int32 multiplier and
 * a rounding right shift, with the multiplier from the double-precision real multiplier.
 */
export type OutputStage = "fp32" | "fixedpoint";

/** Fused activation / clamp of an 8-bit output. */
export interface ClampOptions {
  /** `relu` clamps below at real 0, `relu6` to real [0, 6] (TFLite's rounding of the bounds). */
  readonly activation?: "none" | "relu" | "relu6";
  /** Extra lower bound in quantized units. */
  readonly clampMin?: number;
  /** Extra upper bound in quantized units. */
  readonly clampMax?: number;
}

/** Per-channel multipliers of one output stage. */
export type Multipliers =
  | { readonly stage: "fp32"; readonly scale: Float32Array }
  | { readonly stage: "fixedpoint"; readonly multiplier: Int32Array; readonly shift: Int32Array };

/** Who asked for multipliers, for the error when an fp32 multiplier overflows float32. */
export interface MultiplierContext {
  readonly op: string;
  readonly argument: string;
  /** Shapes of the tensors involved, e.g. `acc: int32[2,3]`. */
  readonly shapes: string;
}

/**
 * Multipliers for `channels` output channels: accumulator scale inScale · wScale[c] over outScale.
 * `wScale` may be one number for all channels. An fp32 multiplier that overflows float32 (an output
 * scale more than ~3.4e38 times smaller than the accumulator scale) is a QkernError naming
 * `context`; one that underflows is kept (0 or subnormal: every output is the zero point or near it).
 * Fixed-point multipliers saturate as TFLite's QuantizeMultiplier does.
 *
 * @example
 * ```ts
 * const fp32 = outputMultipliers('fp32', 0.1, [0.05, 0.02], 0.25, 2);
 * const fixed = outputMultipliers('fixedpoint', 0.1, 0.05, 0.25, 1);
 * console.log(fp32, fixed); // { stage: 'fp32', scale: Float32Array [0.02, 0.008] } { stage: 'fixedpoint', multiplier: Int32Array [...], shift: Int32Array [...] }
 * ```
 */
export function outputMultipliers(
  stage: OutputStage, inScale: number, wScale: number | ArrayLike<number>, outScale: number, channels: number,
  context: MultiplierContext = { op: "outputMultipliers", argument: "outScale", shapes: `${channels} channels` },
): Multipliers {
  const w = (c: number): number => (typeof wScale === "number" ? wScale : (wScale[c] as number));
  if (stage === "fp32") {
    const scale = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const m = Math.fround(Math.fround(inScale * w(c)) / outScale);
      if (!Number.isFinite(m)) {
        throw new QkernError(context.op, context.argument, `the fp32 multiplier f32(f32(${inScale} · ${w(c)}) / ${outScale}) of channel ${c} ` +
          `overflows float32: the output scale is too small for the accumulator scale (${context.shapes})`);
      }
      scale[c] = m;
    }
    return { stage, scale };
  }
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const q = quantizeMultiplier((inScale * w(c)) / outScale);
    multiplier[c] = q.multiplier;
    shift[c] = q.shift;
  }
  return { stage, multiplier, shift };
}

/** Clamp bounds [qmin, qmax] of an 8-bit output after a fused activation and explicit clamps. */
export function clampBounds(op: string, dtype: DType, zeroPoint: number, scale: number, options: ClampOptions): [number, number] {
  const { min, max } = DTYPE_INFO[dtype];
  let lo = min;
  let hi = max;
  const act = options.activation ?? "none";
  if (act === "relu" || act === "relu6") lo = Math.max(lo, zeroPoint);
  if (act === "relu6") hi = Math.min(hi, zeroPoint + Math.round(6 / scale));
  if (act !== "none" && act !== "relu" && act !== "relu6") {
    throw new QkernError(op, "options.activation", `must be 'none', 'relu' or 'relu6', got ${String(act)}`);
  }
  for (const [name, v] of [["options.clampMin", options.clampMin], ["options.clampMax", options.clampMax]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
      throw new QkernError(op, name, `must be an integer in [${min}, ${max}] for ${dtype}, got ${String(v)}`);
    }
  }
  if (options.clampMin !== undefined) lo = Math.max(lo, options.clampMin);
  if (options.clampMax !== undefined) hi = Math.min(hi, options.clampMax);
  if (lo > hi) throw new QkernError(op, "options", `clamp bounds are empty: [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Real-valued clamp bounds from activation / clampMin / clampMax (float outputs). */
export function floatClamp(op: string, options: ClampOptions): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  const act = options.activation ?? "none";
  if (act === "relu" || act === "relu6") lo = 0;
  if (act === "relu6") hi = 6;
  if (act !== "none" && act !== "relu" && act !== "relu6") throw new QkernError(op, "options.activation", `must be 'none', 'relu' or 'relu6', got ${String(act)}`);
  if (options.clampMin !== undefined) lo = Math.max(lo, options.clampMin);
  if (options.clampMax !== undefined) hi = Math.min(hi, options.clampMax);
  if (!(lo <= hi)) throw new QkernError(op, "options", `clamp bounds are empty: [${lo}, ${hi}]`);
  return [lo, hi];
}
