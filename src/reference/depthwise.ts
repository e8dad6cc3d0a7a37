// Reference depthwise convolution, NHWC, straight from the definition: for every output element,
// sum over the window, skipping positions outside the input (they contribute 0 after the zero-point
// correction). Weights [KH, KW, C·m] (TFLite layout); output channel c·m + j reads input channel c.

/** Geometry of one depthwise convolution. */
export interface RefDepthwise {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly multiplier: number;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
}

/**
 * Output height and width.
 *
 * @example
 * ```ts
 * import { depthwiseOutputSize } from 'qkern/reference';
 * const g = { n: 1, h: 5, w: 5, c: 8, kh: 3, kw: 3, multiplier: 1, strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] } as const;
 * console.log(depthwiseOutputSize(g)); // [ 3, 3 ]
 * ```
 */
export function depthwiseOutputSize(g: RefDepthwise): [number, number] {
  const oh = Math.floor((g.h + g.pads[0] + g.pads[2] - ((g.kh - 1) * g.dilations[0] + 1)) / g.strides[0]) + 1;
  const ow = Math.floor((g.w + g.pads[1] + g.pads[3] - ((g.kw - 1) * g.dilations[1] + 1)) / g.strides[1]) + 1;
  return [oh, ow];
}

/**
 * TFLite `same` padding along one axis: [before, after].
 *
 * @example
 * ```ts
 * import { samePadding } from 'qkern/reference';
 * console.log(samePadding(5, 3, 2, 1), samePadding(4, 3, 2, 1)); // [ 1, 1 ] [ 0, 1 ] (TFLite: the extra row at the end)
 * ```
 */
export function samePadding(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Visits every output element and every tap (inside = false for taps in the padding). */
function convolve(
  g: RefDepthwise,
  step: (acc: number, inside: boolean, n: number, iy: number, ix: number, c: number, t: number, oc: number) => number,
  init: (oc: number) => number,
): number[] {
  const [oh, ow] = depthwiseOutputSize(g);
  const oc = g.c * g.multiplier;
  const out: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let o = 0; o < oc; o++) {
          let acc = init(o);
          for (let ky = 0; ky < g.kh; ky++) {
            for (let kx = 0; kx < g.kw; kx++) {
              const iy = y * g.strides[0] - g.pads[0] + ky * g.dilations[0];
              const ix = x * g.strides[1] - g.pads[1] + kx * g.dilations[1];
              const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
              acc = step(acc, inside, n, iy, ix, Math.floor(o / g.multiplier), ky * g.kw + kx, o);
            }
          }
          out.push(acc);
        }
      }
    }
  }
  return out;
}

/**
 * int32 accumulators: Σ (x − zx)(w − zw[oc]) + bias[oc].
 *
 * @example
 * ```ts
 * import { depthwiseInteger } from 'qkern/reference';
 * // one 2×2 image with 1 channel, a 2×2 kernel, no padding: one output
 * const g = { n: 1, h: 2, w: 2, c: 1, kh: 2, kw: 2, multiplier: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as const;
 * console.log(depthwiseInteger(g, [1, 2, 3, 4], 0, [1, 1, 1, -1], [0], [10])); // Int32Array [ 12 ]
 * ```
 */
export function depthwiseInteger(g: RefDepthwise, x: ArrayLike<number>, zx: number, w: ArrayLike<number>, zw: ArrayLike<number>, bias?: ArrayLike<number>): Int32Array {
  const oc = g.c * g.multiplier;
  return Int32Array.from(convolve(g,
    (acc, inside, n, iy, ix, c, t, o) => (inside
      ? acc + ((x[((n * g.h + iy) * g.w + ix) * g.c + c] as number) - zx) * ((w[t * oc + o] as number) - (zw[o] as number))
      : acc),
    (o) => (bias ? (bias[o] as number) : 0)));
}

/**
 * float32 depthwise: acc = bias, then acc = f32(acc + f32(x · w)) for every tap in kh-major order,
 * with x = 0 in the padding (zero padding), then clamp: max(min, ·) then min(max, ·) with
 * "first operand unless the comparison holds" semantics (so NaN becomes min).
 *
 * @example
 * ```ts
 * import { depthwiseFloat } from 'qkern/reference';
 * const g = { n: 1, h: 2, w: 2, c: 1, kh: 2, kw: 2, multiplier: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as const;
 * console.log(depthwiseFloat(g, [1, 2, 3, 4], [0.5, 0.5, 0.5, -0.5], [0.25], 0, 6)); // Float32Array [ 1.25 ] (clamped to [0, 6])
 * ```
 */
export function depthwiseFloat(g: RefDepthwise, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, min: number, max: number): Float32Array {
  const oc = g.c * g.multiplier;
  const f = Math.fround;
  const acc = convolve(g,
    (acc, inside, n, iy, ix, c, t, o) => {
      const xv = inside ? f(x[((n * g.h + iy) * g.w + ix) * g.c + c] as number) : 0;
      return f(acc + f(xv * f(w[t * oc + o] as number)));
    },
    (o) => f(bias ? (bias[o] as number) : 0));
  return Float32Array.from(acc, (v) => {
    const lo = min < v ? v : min;
    return lo < max ? lo : max;
  });
}
