// Seeded data for the API fuzzer: values, scales and shapes biased to the edges (hostile floats,
// ties, saturation, zero-size and huge declared dimensions). Commands carry a seed, so a failing
// sequence replays exactly and shrinks over the command list.
import type { DType, QuantInput } from "../../src/index.js";
import { rng } from "./helpers.js";

export type Rand = () => number;
export const rand = (seed: number): Rand => rng(seed ^ 0x5bd1e995);
export const intIn = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const oneOf = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** NaN, ±Infinity, ±0, denormals and the float32 extremes. */
export const HOSTILE_FLOATS = [NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -1.401298464324817e-45, 1e-40, -1e-39, 3.4028234663852886e38, -3.4028234663852886e38, 1e30];

/** float32 values: mostly in [−4, 4] with exact .5 ties; with `hostile`, some of HOSTILE_FLOATS. */
export function floats(r: Rand, n: number, hostile: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = r();
    if (hostile && p < 0.08) out[i] = oneOf(r, HOSTILE_FLOATS);
    else if (p < 0.35) out[i] = (intIn(r, -40, 40) + 0.5) * 2 ** -intIn(r, 0, 4);
    else out[i] = (r() * 8 - 4) * (r() < 0.1 ? 100 : 1);
  }
  return out;
}

export const RANGE: Record<DType, [number, number]> = {
  float32: [-Infinity, Infinity], int32: [-(2 ** 31), 2 ** 31 - 1], int8: [-128, 127], uint8: [0, 255], int4: [-8, 7], uint4: [0, 15],
};

/** Integer values of a dtype, extremes over-represented (int32: accumulator-like). */
export function ints(r: Rand, n: number, dtype: Exclude<DType, "float32">): number[] {
  const [lo, hi] = RANGE[dtype];
  return Array.from({ length: n }, () => {
    const p = r();
    if (p < 0.1) return oneOf(r, [lo, hi, 0]);
    if (dtype === "int32") return p < 0.6 ? intIn(r, -100000, 100000) : intIn(r, lo, hi);
    return intIn(r, lo, hi);
  });
}

/** Scales: powers of two, plain values, and (with `extreme`) the float32 extremes. */
export function scale(r: Rand, extreme = false): number {
  const p = r();
  if (extreme && p < 0.1) return oneOf(r, [1.401298464324817e-45, 1e-38, 3.4028234663852886e38, 1e30, 1e-30]);
  if (p < 0.4) return 2 ** intIn(r, -12, 4);
  return Math.fround(1e-3 + r() * 2);
}

export function zeroPoint(r: Rand, dtype: DType): number {
  if (dtype === "int32" || dtype === "float32") return 0;
  const [lo, hi] = RANGE[dtype];
  return r() < 0.3 ? oneOf(r, [lo, hi, 0 < lo ? lo : 0]) : intIn(r, lo, hi);
}

/** Per-tensor parameters, or per-axis ones along a random axis of at most 64 channels. */
export function quantFor(r: Rand, dtype: DType, shape: readonly number[], perAxis: boolean, extreme = false): QuantInput {
  const axes = shape.map((d, i) => [d, i] as const).filter(([d]) => d <= 64).map(([, i]) => i);
  if (!perAxis || axes.length === 0) return { scale: scale(r, extreme), zeroPoint: zeroPoint(r, dtype) };
  const axis = oneOf(r, axes);
  const c = shape[axis]!;
  return {
    axis: r() < 0.3 ? axis - shape.length : axis,
    scale: Array.from({ length: c }, () => scale(r, extreme)),
    zeroPoint: Array.from({ length: c }, () => zeroPoint(r, dtype)),
  };
}

/** Shapes: rank 0..4, small dimensions around 16-byte edges, zero-size ones with huge declared dimensions. */
export function shape(r: Rand): number[] {
  const rank = intIn(r, 0, 4);
  const dims = Array.from({ length: rank }, () => (r() < 0.7 ? intIn(r, 1, 5) : oneOf(r, [0, 1, 7, 8, 15, 16, 17, 33])));
  if (rank > 1 && r() < 0.1) {
    dims[intIn(r, 0, rank - 1)] = 0;
    const other = dims.findIndex((d) => d !== 0);
    if (other >= 0) dims[other] = oneOf(r, [2 ** 31, 2 ** 40, 2 ** 52]);
  }
  while (dims.reduce((a, b) => a * b, 1) > 512) dims[dims.findIndex((d) => d > 1)] = 1;
  return dims;
}

export const DTYPES: readonly DType[] = ["float32", "int32", "int8", "uint8", "int4", "uint4"];
