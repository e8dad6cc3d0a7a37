// What the pooling ops share: options, window geometry, the output tensor, and the float32 loops
// (float pooling runs in TypeScript; the 8-bit paths run assembly/q8_pool).

import { QkernError } from "../errors.js";
import type { ConvGeometry } from "../kernels/conv-geometry.js";
import { isPerAxisQuant } from "../quant.js";
import type { Tensor } from "../tensor.js";
import { axisGeometry, checkOutShape, checkSameInstance, checkTensor, pair, parsePadding } from "./common.js";

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


/** Window geometry of a pooling call (NHWC). */
export function poolGeometry(op: string, x: Tensor, options: Pool2dOptions): { n: number; h: number; w: number; c: number; oh: number; ow: number; g: ConvGeometry } {
  if (x.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${x}`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(op, "options.kernel", options.kernel);
  const [sh, sw] = pair(op, "options.strides", options.strides);
  const [dh, dw] = pair(op, "options.dilations", options.dilations);
  const [padH, padW] = parsePadding(op, options.padding);
  const [oh, pt] = axisGeometry(op, h, kh, sh, dh, padH, x);
  const [ow, pl] = axisGeometry(op, w, kw, sw, dw, padW, x);
  const esize = x.dtype === "float32" ? 4 : 1;
  return { n, h, w, c, oh, ow, g: { h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, inRow: w * c * esize, outRow: ow * c * esize } };
}

/** The output: the caller's (checked) or a new tensor; 8-bit max pooling keeps the input's parameters. */
export function poolOutput(op: string, x: Tensor, shape: number[], options: Pool2dOptions, keepQuant: boolean): Tensor {
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

/** float32 max or average pooling (taps inside the input only), in TypeScript. */
export function floatPool(x: Tensor, out: Tensor, g: ConvGeometry, n: number, kind: "max" | "avg"): void {
  const { h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl } = g;
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
