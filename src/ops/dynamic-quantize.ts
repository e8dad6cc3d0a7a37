import { QkernError } from "../errors.js";
import { chooseQuantParams } from "../quant.js";
import { f32Rminmax } from "../kernels/f32_rminmax.js";
import type { Tensor } from "../tensor.js";
import { checkTensor } from "./common.js";
import { quantize } from "./quantize.js";

/** Options of `dynamicQuantize`. */
export interface DynamicQuantizeOptions {
  /**
   * `uint8` (default): ONNX DynamicQuantizeLinear, asymmetric over [min(x, 0), max(x, 0)].
   * `int8`: symmetric, zero point 0, scale = max|x| / 127 (ONNX Runtime's symmetric variant).
   */
  readonly dtype?: "uint8" | "int8";
  /** One scale/zero point per row of a 2-D [rows, cols] input (per-axis on axis 0). */
  readonly perRow?: boolean;
}

/**
 * Quantizes float32 data with parameters computed from the data itself: ONNX
 * DynamicQuantizeLinear (uint8) or its symmetric int8 variant, per tensor or per row. The
 * parameters follow ONNX Runtime's float32 arithmetic exactly (scale 1 for an all-zero range) and
 * are returned in the output's `quant`. NaN or ±Infinity in the input is an error.
 *
 * @example
 * ```ts
 * const x = qk.tensor([-1, 0, 2, 3], [2, 2]);
 * const q = dynamicQuantize(x);                 // uint8, per tensor
 * console.log(q.quant, q.toArray());            // { scale: 0.01568..., zeroPoint: 64 } Uint8Array [0, 64, 191, 255]
 * dynamicQuantize(x, { dtype: 'int8', perRow: true }).quant; // { axis: 0, scale: [1/127, 3/127], ... }
 * ```
 */
export function dynamicQuantize(x: Tensor, options: DynamicQuantizeOptions = {}): Tensor {
  const op = "dynamicQuantize";
  const input = checkTensor(op, "x", x, ["float32"]);
  const dtype = options.dtype ?? "uint8";
  if (dtype !== "uint8" && dtype !== "int8") throw new QkernError(op, "options.dtype", `must be 'uint8' or 'int8', got ${String(dtype)}`);
  const perRow = options.perRow === true;
  if (perRow && input.shape.length !== 2) {
    throw new QkernError(op, "x", `perRow needs a 2-D [rows, cols] tensor, got ${input}`);
  }
  const rows = perRow ? (input.shape[0] as number) : 1;
  const ranges = rowRanges(op, input, rows, perRow ? (input.shape[1] as number) : input.size);
  // chooseQuantParams follows ONNX Runtime's GetQuantizationParameter (float32 arithmetic).
  const scheme = dtype === "uint8" ? "asymmetric" : "symmetric";
  const params = ranges.map(([lo, hi], r) => {
    try {
      return chooseQuantParams(lo, hi, { dtype, scheme });
    } catch (e) {
      throw new QkernError(op, "x", `row ${r}: ${(e as Error).message} (${input})`);
    }
  });
  if (!perRow) return quantize(input, { dtype, scale: params[0]!.scale, zeroPoint: params[0]!.zeroPoint });
  return quantize(input, {
    dtype,
    axis: 0,
    scale: params.map((p) => p.scale),
    zeroPoint: params.map((p) => p.zeroPoint),
  });
}

/** Per-row [min, max] through the f32_rminmax kernel; rejects NaN and infinities. */
function rowRanges(op: string, x: Tensor, rows: number, cols: number): Array<[number, number]> {
  const rt = x.rt;
  const ptr = x.ptr;
  return rt.workspace.with(op, [16 * Math.max(rows, 1)], ([out]) => {
    f32Rminmax(rt).rows(ptr, rows, cols, out!);
    const v = rt.views();
    const ranges: Array<[number, number]> = [];
    for (let r = 0; r < rows; r++) {
      const at = (out! >>> 2) + 4 * r;
      if (v.i32[at + 2] !== 0) throw new QkernError(op, "x", `row ${r} contains NaN (${x})`);
      const lo = cols === 0 ? 0 : (v.f32[at] as number);
      const hi = cols === 0 ? 0 : (v.f32[at + 1] as number);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new QkernError(op, "x", `row ${r} contains an infinity (${x})`);
      ranges.push([lo, hi]);
    }
    return ranges;
  });
}
