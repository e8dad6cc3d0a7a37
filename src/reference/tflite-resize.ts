// TFLite's 8-bit RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC data, written from the sources
// named at each function, one output element at a time (coordinates recomputed per element, 64-bit
// products as BigInt), so that the tests compare qkern's `resize` with a second derivation:
// - reference_ops::ResizeNearestNeighbor (float32 coordinates) and the optimized kernel's 16.16
//   fixed-point coordinates (optimized_ops::ResizeNearestNeighbor, neither flag set);
// - reference_ops::ResizeBilinearInteger (10-bit fixed point; tflite-micro's int8 kernel);
// - XNNPACK's resize-bilinear: xnn_indirection_init_resize_bilinear2d_hwc_q11 and the s8/u8 ibilinear
//   microkernels (11-bit weights).

const f = Math.fround;

/** Options shared by the resize references. */
export interface RefResize {
  /** Input [N, H, W, C]. */
  readonly shape: readonly [number, number, number, number];
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

/** Maps every output element to a value computed from the input rows/columns around it. */
function eachOutput(r: RefResize, value: (b: number, y: number, x: number, c: number) => number): number[] {
  const [n, , , c] = r.shape;
  const [oh, ow] = r.size;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let ch = 0; ch < c; ch++) out.push(value(b, y, x, ch));
  return out;
}

/**
 * RESIZE_NEAREST_NEIGHBOR: reference_ops GetNearestNeighbor (float32: scale = in/out, or
 * (in − 1)/(out − 1) with align_corners; floor, or round half away from zero with align_corners;
 * + 0.5 and a lower clamp with half_pixel_centers), or with `fixedPoint` the optimized kernel's
 * min(((o · ((in << 16) / out + 1)) >> 16), in − 1).
 *
 * @example
 * ```ts
 * import { resizeNearestTflite } from 'qkern/reference';
 * const r = { shape: [1, 1, 2, 1], size: [1, 4], alignCorners: false, halfPixelCenters: false } as const;
 * console.log(resizeNearestTflite([5, 9], r, false)); // [ 5, 5, 9, 9 ]
 * ```
 */
export function resizeNearestTflite(x: readonly number[], r: RefResize, fixedPoint: boolean): number[] {
  const [, h, w, c] = r.shape;
  const near = (o: number, inSize: number, outSize: number): number => {
    if (fixedPoint) return Math.min(Number((BigInt(o) * (BigInt(inSize * 65536) / BigInt(outSize) + 1n)) >> 16n), inSize - 1);
    const scale = r.alignCorners && outSize > 1 ? f(f(inSize - 1) / f(outSize - 1)) : f(f(inSize) / f(outSize));
    const v = f(f(o + (r.halfPixelCenters ? 0.5 : 0)) * scale);
    const i = Math.min(r.alignCorners ? Math.floor(v + 0.5) : Math.floor(v), inSize - 1); // v >= 0: std::round is floor(v + 0.5)
    return r.halfPixelCenters ? Math.max(0, i) : i;
  };
  return eachOutput(r, (b, y, xo, ch) => x[((b * h + near(y, h, r.size[0])) * w + near(xo, w, r.size[1])) * c + ch]!);
}

/**
 * RESIZE_BILINEAR, TFLite's reference integer kernel (ResizeBilinearInteger): 10-bit scale
 * ((1024 · in + out/2) / out, C division), coordinates v = o · scale (+ scale/2 − 512 with
 * half_pixel_centers), the four 20-bit products summed in int64 and rounded half away from zero.
 *
 * @example
 * ```ts
 * import { resizeBilinearTfliteInteger } from 'qkern/reference';
 * const r = { shape: [1, 1, 2, 1], size: [1, 3], alignCorners: true, halfPixelCenters: false } as const;
 * console.log(resizeBilinearTfliteInteger([0, 5], r)); // [ 0, 3, 5 ]: 2.5 rounds away from zero
 * ```
 */
export function resizeBilinearTfliteInteger(x: readonly number[], r: RefResize): number[] {
  const [, h, w, c] = r.shape;
  const cdiv = (a: bigint, b: bigint): bigint => a / b; // BigInt division truncates, as C's
  const scale10 = (inSize: number, outSize: number): bigint => (r.alignCorners && outSize > 1
    ? cdiv(1024n * BigInt(inSize - 1) + cdiv(BigInt(outSize - 1), 2n), BigInt(outSize - 1))
    : cdiv(1024n * BigInt(inSize) + cdiv(BigInt(outSize), 2n), BigInt(outSize)));
  const coord = (o: number, inSize: number, outSize: number): [bigint, number, number] => {
    const s = scale10(inSize, outSize);
    const v = r.halfPixelCenters ? BigInt(o) * s + cdiv(s, 2n) - 512n : BigInt(o) * s;
    const lo = Math.min(Math.max(Number(cdiv(v, 1024n)), 0), inSize - 1);
    const hi = Math.min(Number(cdiv(v + 1023n, 1024n)), inSize - 1);
    return [v, lo, hi];
  };
  return eachOutput(r, (b, yo, xo, ch) => {
    const [vy, y0, y1] = coord(yo, h, r.size[0]);
    const [vx, x0, x1] = coord(xo, w, r.size[1]);
    const at = (yy: number, xx: number): bigint => BigInt(x[((b * h + yy) * w + xx) * c + ch]!);
    const [dy, dx] = [vy - 1024n * BigInt(y0), vx - 1024n * BigInt(x0)];
    const sum = at(y0, x0) * (1024n - dy) * (1024n - dx) + at(y1, x0) * dy * (1024n - dx) + at(y0, x1) * (1024n - dy) * dx + at(y1, x1) * dy * dx;
    return Number(cdiv(sum + (sum > 0n ? 1n << 19n : -(1n << 19n)), 1n << 20n));
  });
}

/**
 * RESIZE_BILINEAR as XNNPACK computes it (LiteRT): float32 scale (in − a)/(out − a) (a = 1 with
 * align_corners), coordinate o · scale (half_pixel_centers: + 0.5 · scale − 0.5, clamped to
 * [0, in − 1]), weight lrintf(fraction · 2048); top = tl · 2^11 + (tr − tl) · αx, bottom likewise,
 * out = (top · 2^11 + (bottom − top) · αy + 2^21) >> 22 (arithmetic).
 *
 * @example
 * ```ts
 * import { resizeBilinearXnnpack } from 'qkern/reference';
 * const r = { shape: [1, 1, 2, 1], size: [1, 3], alignCorners: true, halfPixelCenters: false } as const;
 * console.log(resizeBilinearXnnpack([0, 5], r)); // [ 0, 3, 5 ]: 2.5 rounds up
 * ```
 */
export function resizeBilinearXnnpack(x: readonly number[], r: RefResize): number[] {
  const [, h, w, c] = r.shape;
  const coord = (o: number, inSize: number, outSize: number): [number, number, number] => {
    const adjust = r.alignCorners && outSize !== 1 ? 1 : 0;
    const scale = f(f(inSize - adjust) / f(outSize - adjust));
    let v = f(f(o) * scale);
    if (r.halfPixelCenters) v = Math.min(Math.max(f(v + f(f(0.5 * scale) - 0.5)), 0), inSize - 1);
    const lo = Math.trunc(v);
    const a = f(f(v - lo) * 2048);
    const down = Math.floor(a);
    const alpha = a - down > 0.5 || (a - down === 0.5 && down % 2 === 1) ? down + 1 : down; // lrintf
    return [lo, Math.min(lo + 1, inSize - 1), alpha];
  };
  return eachOutput(r, (b, yo, xo, ch) => {
    const [y0, y1, ay] = coord(yo, h, r.size[0]);
    const [x0, x1, ax] = coord(xo, w, r.size[1]);
    const at = (yy: number, xx: number): number => x[((b * h + yy) * w + xx) * c + ch]!;
    const top = at(y0, x0) * 2 ** 11 + (at(y0, x1) - at(y0, x0)) * ax;
    const bottom = at(y1, x0) * 2 ** 11 + (at(y1, x1) - at(y1, x0)) * ax;
    return Number((BigInt(top * 2 ** 11 + (bottom - top) * ay) + (1n << 21n)) >> 22n);
  });
}
