import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { outputParamsBytes, writeOutputParams } from "../output-stage.js";
import { pickKernel } from "../registry.js";
import type { Tensor } from "../tensor.js";
import { axisGeometry, checkOutShape, checkSameInstance, checkTensor, pair, parsePadding, withScratch } from "./common.js";

/** Options of `maxPool2d` and `avgPool2d`. */
export interface Pool2dOptions {
  readonly kernel: number | readonly [number, number];
  readonly strides?: number | readonly [number, number];
  readonly dilations?: number | readonly [number, number];
  readonly padding?: "valid" | "same" | readonly [number, number, number, number];
  /** 8-bit output parameters of average pooling (default: the input's). */
  readonly output?: { readonly scale: number; readonly zeroPoint?: number };
  readonly out?: Tensor;
}

function geometry(op: string, x: Tensor, options: Pool2dOptions): { n: number; h: number; w: number; c: number; oh: number; ow: number; g: number[] } {
  if (x.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${x}`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(op, "options.kernel", options.kernel);
  const [sh, sw] = pair(op, "options.strides", options.strides);
  const [dh, dw] = pair(op, "options.dilations", options.dilations);
  const [padH, padW] = parsePadding(op, options.padding);
  const [oh, pt] = axisGeometry(op, h, kh, sh, dh, padH, x);
  const [ow, pl] = axisGeometry(op, w, kw, sw, dw, padW, x);
  const esize = x.dtype === "float32" ? 4 : 1;
  return { n, h, w, c, oh, ow, g: [h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, w * c * esize, ow * c * esize, 0] };
}

function output(op: string, x: Tensor, shape: number[], options: Pool2dOptions, keepQuant: boolean): Tensor {
  if (options.out !== undefined) {
    const out = checkTensor(op, "options.out", options.out, [x.dtype]);
    checkSameInstance(op, x, [["options.out", out]]);
    checkOutShape(op, "options.out", out, shape, () => `x: ${x}`);
    return out;
  }
  if (x.dtype === "float32") return x.qk.empty("float32", shape);
  if (x.quant === null || isPerAxisQuant(x.quant)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${x})`);
  const q = keepQuant || options.output === undefined ? x.quant : { scale: options.output.scale, zeroPoint: options.output.zeroPoint ?? 0 };
  return x.qk.empty(x.dtype, shape, { quant: q });
}

/**
 * Max pooling, NHWC (padding ignored). 8-bit outputs keep the input's parameters.
 *
 * @example
 * ```ts
 * const x = qk.tensor(Int8Array.from({ length: 6 * 6 * 4 }, (_, i) => (i * 7) % 50), [1, 6, 6, 4], { quant: { scale: 0.1, zeroPoint: 0 } });
 * maxPool2d(x, { kernel: 3, strides: 2 });                           // [1, 6, 6, 4] → [1, 2, 2, 4]
 * ```
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const op = "maxPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const { n, h, w, c, oh, ow, g } = geometry(op, input, options);
  const out = output(op, input, [n, oh, ow, c], options, true);
  if (input.dtype === "float32") {
    floatPool(input, out, g, n, "max");
    return out;
  }
  const rt = input.rt;
  withScratch(rt, op, [64], ([geom]) => {
    rt.views().i32.set(g, geom! >>> 2);
    const kernel = pickKernel(rt, "q8_pool", "max");
    for (let b = 0; b < n; b++) kernel(input.ptr + b * h * w * c, out.ptr + b * oh * ow * c, geom!, input.dtype === "uint8" ? 1 : 0);
  });
  return out;
}

/**
 * Average pooling, NHWC, over the taps inside the input (count_include_pad = 0). 8-bit:
 * y = clamp(roundHalfEven(f32(Σ(x − zx)) · f32(sx / f32(sy · count))) + zy), the requantization of
 * ONNX Runtime's QLinearAveragePool / QLinearGlobalAveragePool.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Uint8Array([10, 20, 30, 40]), [1, 2, 2, 1], { quant: { scale: 0.1, zeroPoint: 0 } });
 * console.log(avgPool2d(x, { kernel: 2 }).toArray()); // Uint8Array(1) [ 25 ]
 * console.log(avgPool2d(qk.tensor([1, 2, 3, 4], [1, 2, 2, 1]), { kernel: 2, strides: 1, padding: 'same' }).toArray()); // float32, taps inside only
 * ```
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const op = "avgPool2d";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  const { n, h, w, c, oh, ow, g } = geometry(op, input, options);
  const out = output(op, input, [n, oh, ow, c], options, false);
  if (input.dtype === "float32") {
    floatPool(input, out, g, n, "avg");
    return out;
  }
  const qx = input.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  const rt = input.rt;
  const pixels = oh * ow;
  withScratch(rt, op, [64, 4 * pixels * c, 4 * pixels, outputParamsBytes("fp32", c)], ([geom, sums, counts, params]) => {
    const v = rt.views();
    v.i32.set(g, geom! >>> 2);
    for (let b = 0; b < n; b++) {
      pickKernel(rt, "q8_pool", "sum")(input.ptr + b * h * w * c, sums!, counts!, geom!, input.dtype === "uint8" ? 1 : 0, qx.zeroPoint);
      // Requantize pixel by pixel: the divisor depends on how many taps were inside.
      const view = rt.views();
      for (let p = 0; p < pixels; p++) {
        const count = view.i32[(counts! >>> 2) + p]!;
        const m = Math.fround(qx.scale / Math.fround(qy.scale * count));
        writeOutputParams(rt, params!, { stage: "fp32", scale: new Float32Array(c).fill(m) }, qy.zeroPoint, input.dtype === "uint8" ? 0 : -128, input.dtype === "uint8" ? 255 : 127);
        pickKernel(rt, "qs32_q8_requant", "fp32_rows")(sums! + 4 * p * c, out.ptr + (b * pixels + p) * c, 1, c, params!);
      }
    }
  });
  return out;
}

/**
 * Global average pooling, NHWC → [N, 1, 1, C], ONNX Runtime's QLinearGlobalAveragePool arithmetic
 * for 8-bit data: y = clamp(roundHalfEven(f32(Σ(x − zx)) · f32(sx / f32(sy · H·W))) + zy).
 *
 * @example
 * ```ts
 * const features = qk.tensor(new Int8Array(7 * 7 * 16).fill(3), [1, 7, 7, 16], { quant: { scale: 0.1, zeroPoint: 0 } });
 * globalAvgPool(features, { output: { scale: 0.02, zeroPoint: 0 } });   // [1, 7, 7, 16] → [1, 1, 1, 16]
 * ```
 */
export function globalAvgPool(x: Tensor, options: { readonly output?: { readonly scale: number; readonly zeroPoint?: number }; readonly out?: Tensor } = {}): Tensor {
  const op = "globalAvgPool";
  const input = checkTensor(op, "x", x, ["int8", "uint8", "float32"]);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const out = output(op, input, [n, 1, 1, c], options as Pool2dOptions, false);
  const pixels = h * w;
  if (input.dtype === "float32") {
    const src = input.data as Float32Array;
    const dst = out.data as Float32Array;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let p = 0; p < pixels; p++) s = Math.fround(s + src[(b * pixels + p) * c + ch]!);
        dst[b * c + ch] = Math.fround(s / pixels);
      }
    }
    return out;
  }
  const qx = input.quant as PerTensorQuant;
  const qy = out.quant as PerTensorQuant;
  const rt = input.rt;
  withScratch(rt, op, [4 * c, outputParamsBytes("fp32", c)], ([sums, params]) => {
    const m = Math.fround(qx.scale / Math.fround(qy.scale * pixels));
    const [lo, hi] = input.dtype === "uint8" ? [0, 255] : [-128, 127];
    writeOutputParams(rt, params!, { stage: "fp32", scale: new Float32Array(Math.max(c, 1)).fill(m) }, qy.zeroPoint, lo, hi);
    for (let b = 0; b < n; b++) {
      pickKernel(rt, "q8_pool", "gsum")(input.ptr + b * pixels * c, sums!, pixels, c, input.dtype === "uint8" ? 1 : 0, qx.zeroPoint);
      pickKernel(rt, "qs32_q8_requant", "fp32_rows")(sums!, out.ptr + b * c, 1, c, params!);
    }
  });
  return out;
}

function floatPool(x: Tensor, out: Tensor, g: number[], n: number, kind: "max" | "avg"): void {
  const [h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = g as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  const src = x.data as Float32Array;
  const dst = out.data as Float32Array;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === "max" ? -Infinity : 0;
          let count = 0;
          for (let i = 0; i < kh; i++) {
            const iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xx * sw - pl + j * dw;
              if (ix < 0 || ix >= w) continue;
              const v = src[((b * h + iy) * w + ix) * c + ch]!;
              acc = kind === "max" ? Math.max(acc, v) : Math.fround(acc + v);
              count++;
            }
          }
          dst[o++] = kind === "max" ? acc : Math.fround(acc / count);
        }
      }
    }
  }
}
