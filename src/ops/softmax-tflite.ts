// softmax with TFLite numerics, row by row in TypeScript: the reference kernel's gemmlowp fixed point
// ('reference') and the builtin CPU kernel's float32 exp table ('litert'; XNNPACK does not take
// quantized SOFTMAX). Sources and formulas: docs/numerics.md; the literal forms the tests compare
// with are in qkern/reference (tflite-softmax.ts).

import { QkernError } from "../errors.js";
import { INT32_MAX, INT32_MIN, rdbpot, srdhm, tfliteMultiplier } from "./tflite-arith.js";

const f = Math.fround;

/** Saturating left shift by `e` (gemmlowp SaturatingRoundingMultiplyByPOT, positive exponent). */
function shl(x: number, e: number): number {
  const r = x * 2 ** e;
  return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : r;
}

/** exp(a) for a Q5.26 value a <= 0, as Q0.31 (gemmlowp exp_on_negative_values). */
function expQ(a: number): number {
  if (a === 0) return INT32_MAX;
  const r = (a & 0xffffff) - 0x1000000; // (a mod 1/4) − 1/4, in [−1/4, 0)
  // exp on [−1/4, 0): Taylor series around −1/8, constants exp(−1/8) and 1/3 in Q0.31.
  const x = shl(r, 5) + 0x10000000;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const poly = rdbpot(srdhm(rdbpot(x4, 2) + x3, 715827883) + x2, 1);
  let result = 1895147668 + srdhm(1895147668, x + poly);
  // One factor exp(−2^k) per set bit k = −2..4 of the remainder r − a (>= 0).
  const rest = r - a;
  const factors = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  for (let k = 0; k < 7; k++) if (rest & (1 << (24 + k))) result = srdhm(result, factors[k]!);
  return result;
}

/** 1 / (1 + a) for a Q0.31 a in [0, 1), as Q0.31 (gemmlowp one_over_one_plus_x_for_x_in_0_1). */
function reciprocalQ(a: number): number {
  const s = a + INT32_MAX;
  const d = s >= 0 ? Math.floor((s + 1) / 2) : Math.ceil((s - 1) / 2);
  let x = 1515870810 + srdhm(d, -1010580540);
  for (let i = 0; i < 3; i++) x += shl(srdhm(x, 0x20000000 - srdhm(d, x)), 2);
  return shl(x, 1);
}

/** Softmax parameters of TFLite's reference kernel (PreprocessSoftmaxScaling, CalculateInputRadius). */
function referenceParams(op: string, inputScale: number, beta: number): { multiplier: number; left: number; diffMin: number } {
  const real = Math.min(f(beta) * f(inputScale) * 67108864, INT32_MAX);
  if (!(real > 1)) throw new QkernError(op, "options.beta", `beta · input scale · 2^26 = ${real} must exceed 1 for TFLite's fixed-point softmax`);
  const { multiplier, shift } = tfliteMultiplier(real);
  return { multiplier, left: shift, diffMin: -Math.floor(2080374784 / 2 ** shift) };
}

/** One row, TFLite reference kernel (reference_ops::Softmax); out = q − 128 (int8) or q (uint8). */
export function softmaxRowReference(op: string, src: ArrayLike<number>, dst: { [i: number]: number }, start: number, c: number, inputScale: number, beta: number, outMin: number): void {
  const { multiplier, left, diffMin } = referenceParams(op, inputScale, beta);
  let max = -Infinity;
  for (let i = 0; i < c; i++) max = Math.max(max, src[start + i]!);
  const exps = new Array<number | null>(c);
  let sum = 0;
  for (let i = 0; i < c; i++) {
    const diff = src[start + i]! - max;
    exps[i] = diff < diffMin ? null : expQ(diff === 0 ? 0 : srdhm(diff * 2 ** left, multiplier)); // |diff · 2^left| <= 31 · 2^26
    if (exps[i] !== null) sum = (sum + rdbpot(exps[i]!, 12)) | 0;
  }
  const headroom = Math.clz32(sum);
  const reciprocal = reciprocalQ(((sum << headroom) ^ INT32_MIN) | 0);
  const exponent = 12 - headroom + 23;
  if (exponent < 0 || exponent > 31) {
    throw new QkernError(op, "x", `a row's sum of exponentials reaches ${2 ** (exponent - 23)} (${c} values near the maximum): TFLite's reference softmax fails its output-exponent check on such rows (int8/uint8 output)`);
  }
  for (let i = 0; i < c; i++) {
    const e = exps[i]!;
    dst[start + i] = e === null ? outMin : Math.min(outMin + 255, rdbpot(srdhm(reciprocal, e), exponent) + outMin);
  }
}

let twoPowers: Float64Array | undefined;

/** 2^(i/32) rounded to the nearest double, from five nested integer square roots of 2^i · 2^(32·K). */
function exp2Fractions(): Float64Array {
  if (twoPowers) return twoPowers;
  const isqrt = (v: bigint): bigint => {
    let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
    for (;;) {
      const y = (x + v / x) >> 1n;
      if (y >= x) return x;
      x = y;
    }
  };
  twoPowers = new Float64Array(32);
  for (let i = 0; i < 32; i++) {
    let m = 1n << BigInt(i + 32 * 64);
    for (let k = 0; k < 5; k++) m = isqrt(m); // floor(2^(i/32) · 2^64)
    const top = m >> 12n; // 53 of its 65 bits, rounded to nearest (2^(i/32) is irrational: no ties)
    twoPowers[i] = Number(top + ((m & 0xfffn) >= 0x800n ? 1n : 0n)) / 2 ** 52;
  }
  return twoPowers;
}

/** The cubic of musl's expf in r = x · 32/ln2 − k: 0x1.c6af84b912394p-5 / 32³, 0x1.ebfce50fac4f3p-3 / 32², 0x1.62e42ff0c52d6p-1 / 32. */
const EXPF_POLY: readonly [number, number, number] = (() => {
  const v = new DataView(new ArrayBuffer(8));
  const d = (hi: number, lo: number): number => (v.setUint32(0, hi), v.setUint32(4, lo), v.getFloat64(0));
  return [d(0x3fac6af8, 0x4b912394) / 32 ** 3, d(0x3fcebfce, 0x50fac4f3) / 32 ** 2, d(0x3fe62e42, 0xff0c52d6) / 32];
})();

/** expf as the libm of WebAssembly builds computes it (musl, ARM optimized-routines), on a float32. */
export function expf(x: number): number {
  if (x > 88.72283172607422) return Infinity;
  if (x < -103.97207641601562) return 0;
  const z = Math.LOG2E * 32 * x; // 0x1.71547652b82fep0 · 32
  const k = z + 6755399441055744 - 6755399441055744; // round to an integer, ties to even
  const r = z - k;
  const i = ((k % 32) + 32) % 32;
  const s = exp2Fractions()[i]! * 2 ** ((k - i) / 32);
  const [c0, c1, c2] = EXPF_POLY;
  return f(((c0 * r + c1) * (r * r) + (c2 * r + 1)) * s);
}

/** One row, TFLite builtin CPU kernel (optimized_ops::Softmax with the float table of PopulateSoftmaxLookupTable). */
export function softmaxRowLitert(src: ArrayLike<number>, dst: { [i: number]: number }, start: number, c: number, table: Float32Array, outScale: number, zeroPoint: number, int8: boolean): void {
  let max = -Infinity;
  for (let i = 0; i < c; i++) max = Math.max(max, src[start + i]!);
  let sum = 0;
  for (let i = 0; i < c; i++) sum = f(sum + table[255 - max + src[start + i]!]!);
  const inv = f(1 / f(sum * f(outScale)));
  for (let i = 0; i < c; i++) {
    const p = f(table[255 - max + src[start + i]!]! * inv);
    const q = int8 ? (p < 0 ? -Math.round(-p) : Math.round(p)) + zeroPoint : Math.trunc(f(p + 0.5));
    dst[start + i] = Math.min(int8 ? 127 : 255, Math.max(int8 ? -128 : 0, q));
  }
}

const tables = new Map<number, Float32Array>();

/**
 * The 256 exps of the builtin kernel's table: table[255 − v] = expf(f32(−input_scale · beta) · v).
 * Kept per scale (the table depends on input_scale · beta only; 256 expf per call cost more than a
 * small softmax itself): the last 16 scales. Callers must not write into it.
 */
export function softmaxTable(inputScale: number, beta: number): Float32Array {
  const scale = f(-f(inputScale) * f(beta));
  let table = tables.get(scale);
  if (table !== undefined) return table;
  table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[255 - v] = expf(f(scale * v));
  if (tables.size >= 16) tables.delete(tables.keys().next().value!);
  tables.set(scale, table);
  return table;
}
