// resize: TFLite's RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on 8-bit NHWC data (the output keeps
// the input's quantization, as TFLite requires). Per output row and column the source indices and
// weights are computed once, then the pixels are copied (nearest: one memmove of C bytes per pixel)
// or blended one output row per call of the x8_ibilinear kernel. Formulas and sources: docs/numerics.md ("TFLite resize"); the literal
// forms the tests compare with are in qkern/reference (tflite-resize.ts).
// - nearest, both numerics: reference_ops::ResizeNearestNeighbor (float32 coordinates, floor, or
//   round half away from zero with align_corners). 'litert': LiteRT runs TFLite's optimized kernel,
//   which uses 16.16 fixed-point coordinates (scale (in << 16) / out + 1) when neither flag is set, and
//   the reference kernel otherwise (the two differ, e.g. 2 → 82 rows: row 41 reads row 1 or row 0).
// - bilinear 'reference': reference_ops::ResizeBilinearInteger (10-bit fixed-point coordinates,
//   20-bit products rounded half away from zero).
// - bilinear 'litert': XNNPACK's resize-bilinear (its delegate takes it): float32 coordinates,
//   11-bit weights (lrintf), blended in int32 and rounded by (acc + 2^21) >> 22.

import { QkernError } from "../errors.js";
import { isPerAxisQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { checkOutShape, checkSameInstance, checkTensor } from "./common.js";
import { x8Ibilinear } from "../kernels/x8_ibilinear.js";
import { checkNumerics, type TfliteNumerics } from "./tflite-arith.js";

/** Options of `resize`. */
export interface ResizeOptions {
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  /** `'bilinear'` (default) or `'nearest'`. */
  readonly mode?: "bilinear" | "nearest";
  /** TFLite's align_corners (default false). */
  readonly alignCorners?: boolean;
  /** TFLite's half_pixel_centers (default false; not with alignCorners). */
  readonly halfPixelCenters?: boolean;
  /** `'litert'` (default): what LiteRT computes; `'reference'`: TFLite's reference kernels. */
  readonly numerics?: TfliteNumerics;
  /** Output [N, height, width, C] with the input's dtype and quantization. */
  readonly out?: Tensor;
}

const f = Math.fround;

/** Source index of output coordinate `o`: reference_ops GetNearestNeighbor, or (`fixed`) the optimized kernel's 16.16 fixed point. */
function nearestIndex(o: number, inSize: number, outSize: number, align: boolean, half: boolean, fixed: boolean): number {
  if (fixed) return Math.min(Math.floor((o * (Math.floor((inSize * 65536) / outSize) + 1)) / 65536), inSize - 1);
  const scale = align && outSize > 1 ? f((inSize - 1) / f(outSize - 1)) : f(inSize / f(outSize));
  const v = f(f(o + (half ? 0.5 : 0)) * scale);
  const i = Math.min(align ? Math.sign(v) * Math.round(Math.abs(v)) : Math.floor(v), inSize - 1);
  return half ? Math.max(0, i) : i;
}

/** Per output coordinate: the two source indices and the weight of the second, in 1/1024 (reference) or 1/2048 (litert). */
interface Axis { readonly i0: Int32Array; readonly i1: Int32Array; readonly w: Int32Array }

/**
 * reference_ops::ResizeBilinearInteger's ComputeInterpolationValuesInteger (10-bit fixed point, C
 * division). The lower index is also clamped to the input, where TFLite would read past it (a scale
 * rounded up far enough to reach the last row + 1; qkern/reference does the same).
 */
function axisReference(inSize: number, outSize: number, align: boolean, half: boolean): Axis {
  const scale = align && outSize > 1 ? Math.trunc((1024 * (inSize - 1) + Math.trunc((outSize - 1) / 2)) / (outSize - 1)) : Math.trunc((1024 * inSize + Math.trunc(outSize / 2)) / outSize);
  const axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w: new Int32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    const v = half ? o * scale + Math.trunc(scale / 2) - 512 : o * scale;
    const lo = Math.min(Math.max(Math.trunc(v / 1024), 0), inSize - 1);
    axis.i0[o] = lo;
    axis.i1[o] = Math.min(Math.trunc((v + 1023) / 1024), inSize - 1);
    axis.w[o] = v - 1024 * lo;
  }
  return axis;
}

/** XNNPACK's xnn_indirection_init_resize_bilinear2d_hwc_q11 (float32 coordinates, 11-bit weights). */
function axisLitert(inSize: number, outSize: number, align: boolean, half: boolean): Axis {
  const adj = align && outSize !== 1 ? 1 : 0;
  const scale = f((inSize - adj) / f(outSize - adj));
  const offset = f(f(0.5 * scale) - 0.5);
  const axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w: new Int32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    let v = f(o * scale);
    if (half) v = Math.min(Math.max(f(v + offset), 0), inSize - 1);
    const lo = Math.trunc(v);
    axis.i0[o] = lo;
    axis.i1[o] = Math.min(lo + 1, inSize - 1);
    const a = f(f(v - lo) * 2048);
    const r = Math.round(a);
    axis.w[o] = r - (r - a === 0.5 && r % 2 !== 0 ? 1 : 0); // lrintf: ties to even
  }
  return axis;
}

/**
 * Resizes 8-bit NHWC data to `size` as TFLite's RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR do,
 * bit-exact under either numerics (`'litert'`: LiteRT / XNNPACK; `'reference'`: TFLite's reference
 * kernels). The output has the input's quantization.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Int8Array([0, 10, 20, 30]), [1, 2, 2, 1], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(resize(x, { size: [3, 3], alignCorners: true }).toArray());    // Int8Array(9) [ 0, 5, 10, 10, 15, 20, 20, 25, 30 ]
 * console.log(resize(x, { size: [4, 4], mode: 'nearest' }).shape);          // [ 1, 4, 4, 1 ]
 * ```
 */
export function resize(x: Tensor, options: ResizeOptions): Tensor {
  const op = "resize";
  const input = checkTensor(op, "x", x, ["int8", "uint8"]);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  if (input.quant !== null && isPerAxisQuant(input.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
  const size = options?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= 1 && d <= 2 ** 24)) {
    throw new QkernError(op, "options.size", `must be [height, width] of integers in 1..2^24, got ${JSON.stringify(size)}`);
  }
  const mode = options.mode ?? "bilinear";
  if (mode !== "bilinear" && mode !== "nearest") throw new QkernError(op, "options.mode", `must be 'bilinear' or 'nearest', got ${String(mode)}`);
  const align = options.alignCorners ?? false;
  const half = options.halfPixelCenters ?? false;
  if (typeof align !== "boolean" || typeof half !== "boolean") throw new QkernError(op, "options", `alignCorners and halfPixelCenters must be booleans, got ${String(align)}, ${String(half)}`);
  if (align && half) throw new QkernError(op, "options.halfPixelCenters", "cannot be combined with alignCorners (TFLite requires one or neither)");
  const numerics = checkNumerics(op, options.numerics, ["litert", "reference"] as const) ?? "litert";
  const [n, ih, iw, c] = input.shape as [number, number, number, number];
  const [oh, ow] = size as [number, number];
  if (ih === 0 || iw === 0) throw new QkernError(op, "x", `must have a non-empty image, got ${input}`);
  const shape = [n, oh, ow, c];
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, [input.dtype]);
    checkSameInstance(op, input, [["options.out", out]]);
    checkOutShape(op, "options.out", out, shape, () => `x: ${input}, size [${oh}, ${ow}]`);
    const qi = input.quant as { scale: number; zeroPoint: number } | null;
    const qo = out.quant as { scale: number; zeroPoint: number } | null;
    if (qi?.scale !== qo?.scale || qi?.zeroPoint !== qo?.zeroPoint) throw new QkernError(op, "options.out", `must have the input's quantization (${input}), got ${out}`);
  } else {
    out = input.qk.empty(input.dtype, shape, input.quant === null ? {} : { quant: input.quant });
  }
  if (out.size === 0) return out;
  if (mode === "nearest") {
    const fixed = numerics === "litert" && !align && !half;
    const ys = Int32Array.from({ length: oh }, (_, o) => nearestIndex(o, ih, oh, align, half, fixed));
    const xs = Int32Array.from({ length: ow }, (_, o) => nearestIndex(o, iw, ow, align, half, fixed));
    const u8 = input.rt.views().u8;
    let dst = out.ptr;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        const row = input.ptr + ((b * ih + ys[y]!) * iw) * c;
        for (let xo = 0; xo < ow; xo++, dst += c) u8.copyWithin(dst, row + xs[xo]! * c, row + xs[xo]! * c + c);
      }
    }
    return out;
  }
  const axis = numerics === "reference" ? axisReference : axisLitert;
  const ay = axis(ih, oh, align, half);
  const ax = axis(iw, ow, align, half);
  const rt = input.rt;
  const kernel = x8Ibilinear(rt);
  const weights = numerics === "reference" ? "q10" : "q11";
  const rowBytes = iw * c;
  rt.workspace.with(op, [12 * ow], ([cols]) => {
    const words = new Int32Array(3 * ow);
    for (let xo = 0; xo < ow; xo++) words.set([ax.i0[xo]! * c, ax.i1[xo]! * c, ax.w[xo]!], 3 * xo);
    rt.views().i32.set(words, cols! >>> 2);
    let dst = out.ptr;
    for (let b = 0; b < n; b++) {
      const image = input.ptr + b * ih * rowBytes;
      for (let y = 0; y < oh; y++, dst += ow * c) {
        kernel.row(weights, image + ay.i0[y]! * rowBytes, image + ay.i1[y]! * rowBytes, cols!, c, ay.w[y]!, dst, ow, input.dtype === "uint8");
      }
    }
  });
  return out;
}
