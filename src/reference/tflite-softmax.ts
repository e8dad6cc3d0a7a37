// TFLite's 8-bit SOFTMAX, both ways TFLite computes it, written from the formulas of the sources
// named at each function: the reference kernel (gemmlowp fixed point, tflite-micro's definition) and
// the builtin CPU kernel on non-ARM64 targets (a float32 table of exp built at prepare time), with
// the libm expf that WebAssembly builds link (musl's, from ARM's optimized-routines).

import { rdbpot, srdhm } from "./requantize.js";
import { tfliteQuantizeMultiplier } from "./tflite.js";

const f = Math.fround;
const INT32_MAX = 2147483647;

/** gemmlowp SaturatingRoundingMultiplyByPOT with a positive exponent: a saturating left shift. */
function satShiftLeft(x: number, exponent: number): number {
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return -INT32_MAX - 1;
  return x * 2 ** exponent;
}

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl (Q0.31 in and out). */
function expOnInterval(a: number): number {
  const constantTerm = 1895147668; // exp(−1/8) in Q0.31
  const oneThird = 715827883; // 1/3 in Q0.31
  const x = (a + 2 ** 28) | 0; // Taylor expansion around −1/8: x = a + 1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = rdbpot(x4, 2);
  const poly = rdbpot((srdhm((x4Over4 + x3) | 0, oneThird) + x2) | 0, 1); // x⁴/24 + x³/6 + x²/2
  return (constantTerm + srdhm(constantTerm, (x + poly) | 0)) | 0;
}

/** exp(−2^k) in Q0.31 for the bits k = −2..4 of a Q5.26 value (gemmlowp's barrel shifter). */
const EXP_BARREL: ReadonlyArray<readonly [number, number]> = [[-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242]];

/**
 * gemmlowp exp_on_negative_values for a Q5.26 input (FixedPoint<int32, 5>), Q0.31 result: exp of
 * (a mod 1/4) − 1/4 by a polynomial, then one multiplication per set bit of the remainder.
 *
 * @example
 * ```ts
 * import { gemmlowpExpOnNegativeValues } from 'qkern/reference';
 * console.log(gemmlowpExpOnNegativeValues(0), gemmlowpExpOnNegativeValues(-(1 << 26)) / 2 ** 31); // 2147483647 0.367879... (exp(−1))
 * ```
 */
export function gemmlowpExpOnNegativeValues(a: number): number {
  const quarter = 2 ** 24;
  const aModQuarterMinusQuarter = (a & (quarter - 1)) - quarter;
  let result = expOnInterval(satShiftLeft(aModQuarterMinusQuarter, 5)); // Rescale<0> of a Q5.26 value
  const remainder = (aModQuarterMinusQuarter - a) | 0;
  for (const [k, multiplier] of EXP_BARREL) {
    if (remainder & (1 << (26 + k))) result = srdhm(result, multiplier);
  }
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out): three Newton–Raphson steps in Q2.29. */
function oneOverOnePlusX(a: number): number {
  const sum = a + INT32_MAX;
  const halfDenominator = Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2); // RoundingHalfSum(a, One)
  let x = (1515870810 + srdhm(halfDenominator, -1010580540)) | 0; // 48/17 − 32/17 · d in Q2.29
  for (let i = 0; i < 3; i++) {
    const oneMinusDx = (2 ** 29 - srdhm(halfDenominator, x)) | 0;
    x = (x + satShiftLeft(srdhm(x, oneMinusDx), 2)) | 0;
  }
  return satShiftLeft(x, 1); // Rescale<0>(ExactMulByPot<-1>(x))
}

/**
 * Reference softmax parameters (quantization_util.cc PreprocessSoftmaxScaling and
 * CalculateInputRadius with 5 integer bits): real = min(f64(beta · input_scale) · 2^26, 2^31 − 1) as
 * a multiplier with a left shift, diffMin = −floor(31 · 2^26 / 2^shift). TFLite requires real > 1.
 *
 * @example
 * ```ts
 * import { softmaxParamsTflite } from 'qkern/reference';
 * console.log(softmaxParamsTflite(1 / 16, 1)); // { multiplier: 1073741824, leftShift: 23, diffMin: -248 }
 * ```
 */
export function softmaxParamsTflite(inputScale: number, beta: number): { multiplier: number; leftShift: number; diffMin: number } {
  const real = Math.min(f(beta) * f(inputScale) * 2 ** 26, 2 ** 31 - 1);
  if (!(real > 1)) throw new Error(`softmaxParamsTflite: beta · input_scale · 2^26 = ${real} must exceed 1 (TFLite's QuantizeMultiplierGreaterThanOne)`);
  const { multiplier, shift } = tfliteQuantizeMultiplier(real);
  return { multiplier, leftShift: shift, diffMin: -Math.floor((31 * 2 ** 26) / 2 ** shift) };
}

/**
 * SOFTMAX of one row of 8-bit values, TFLite's reference kernel (reference_ops::Softmax in
 * kernels/internal/reference/softmax.h, as tflite-micro runs it; output scale 1/256, zero point −128
 * for int8, 0 for uint8). Differences from the row maximum at or above diffMin are scaled to Q5.26,
 * exponentiated in fixed point and summed in Q12.19; the sum's reciprocal (GetReciprocal) scales each
 * exponential, and a rounding shift by num_bits_over_unit + 23 gives the output.
 *
 * @example
 * ```ts
 * import { softmaxTfliteReference } from 'qkern/reference';
 * console.log(softmaxTfliteReference([0, 0], 0.1, 1, 'int8')); // [ 0, 0 ]: one half each, 128/256 − 128
 * ```
 */
export function softmaxTfliteReference(row: readonly number[], inputScale: number, beta: number, dtype: "int8" | "uint8"): number[] {
  const { multiplier, leftShift, diffMin } = softmaxParamsTflite(inputScale, beta);
  const outMin = dtype === "int8" ? -128 : 0;
  const max = Math.max(...row);
  const expOf = (v: number): number | null => {
    const diff = v - max;
    if (diff < diffMin) return null;
    return gemmlowpExpOnNegativeValues(srdhm(diff * 2 ** leftShift, multiplier)); // diff ≥ diffMin keeps this within ±31 · 2^26
  };
  let sum = 0; // Q12.19
  for (const v of row) {
    const e = expOf(v);
    if (e !== null) sum = (sum + rdbpot(e, 12)) | 0;
  }
  const headroomPlusOne = Math.clz32(sum);
  const reciprocal = oneOverOnePlusX(Number(BigInt.asIntN(32, (BigInt(sum >>> 0) << BigInt(headroomPlusOne)) - 2n ** 31n)));
  const exponent = 12 - headroomPlusOne + 31 - 8;
  if (exponent < 0 || exponent > 31) throw new Error(`softmaxTfliteReference: exponent ${exponent} outside [0, 31] (TFLite's check fails)`);
  return row.map((v) => {
    const e = expOf(v);
    if (e === null) return outMin;
    return Math.max(outMin, Math.min(outMin + 255, rdbpot(srdhm(reciprocal, e), exponent) + outMin));
  });
}

let expTable: bigint[] | undefined;

/** The 32 entries of musl's exp2f table: bits(2^(i/32) rounded to nearest double) − (i << 47), from an exact integer root. */
function exp2Table(): bigint[] {
  if (expTable) return expTable;
  const K = 64;
  expTable = Array.from({ length: 32 }, (_, i) => {
    const target = 1n << BigInt(i + 32 * K); // (2^(i/32) · 2^K)^32
    let lo = 1n << BigInt(K);
    let hi = 2n << BigInt(K);
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (mid ** 32n <= target) lo = mid;
      else hi = mid;
    }
    const drop = BigInt(K - 52);
    const mant = (lo >> drop) + ((lo & ((1n << drop) - 1n)) >= 1n << (drop - 1n) ? 1n : 0n);
    return ((1023n << 52n) | (mant - (1n << 52n))) - (BigInt(i) << 47n);
  });
  return expTable;
}

function bitsToDouble(bits: bigint): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt.asUintN(64, bits));
  return v.getFloat64(0);
}

function doubleToBits(x: number): bigint {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0);
}

/**
 * expf as musl's libm computes it (src/math/expf.c with exp2f_data.c, from ARM's optimized-routines;
 * the libm Emscripten links into WebAssembly builds): k = round(x · 32/ln2), r = x · 32/ln2 − k,
 * 2^(k/32) from a 32-entry table and the exponent bits, times a cubic in r, all in float64, rounded
 * to float32 once. Within 0.502 ulp of exp, so not always the correctly rounded float.
 *
 * @example
 * ```ts
 * import { expfMusl } from 'qkern/reference';
 * console.log(expfMusl(0), expfMusl(-1), expfMusl(-104)); // 1 0.3678794503211975 0
 * ```
 */
export function expfMusl(x: number): number {
  const xf = f(x);
  const bits = new DataView(new Float32Array([xf]).buffer).getUint32(0, true);
  if (((bits >>> 20) & 0x7ff) >= 0x42b) {
    // |x| >= 88 or NaN: −inf → 0, inf/NaN → x + x, overflow above log(2^128), underflow below log(2^-150).
    if (xf === -Infinity) return 0;
    if (((bits >>> 20) & 0x7ff) >= 0x7f8) return xf + xf;
    if (xf > f(88.72283172607422)) return Infinity;
    if (xf < f(-103.97207641601562)) return 0;
  }
  const C0 = bitsToDouble(0x3fac6af84b912394n) / 32 ** 3; // 0x1.c6af84b912394p-5 / N³
  const C1 = bitsToDouble(0x3fcebfce50fac4f3n) / 32 ** 2; // 0x1.ebfce50fac4f3p-3 / N²
  const C2 = bitsToDouble(0x3fe62e42ff0c52d6n) / 32; // 0x1.62e42ff0c52d6p-1 / N
  const shift = 6755399441055744; // 0x1.8p52: adding it rounds to an integer held in the low bits
  const z = Math.LOG2E * 32 * xf;
  let kd = z + shift;
  const ki = doubleToBits(kd);
  kd -= shift;
  const r = z - kd;
  const s = bitsToDouble(exp2Table()[Number(ki % 32n)]! + (ki << 47n));
  let y = C2 * r + 1;
  y = (C0 * r + C1) * (r * r) + y;
  return f(y * s);
}

/**
 * SOFTMAX of one row of 8-bit values, TFLite's builtin CPU kernel where TFLITE_SOFTMAX_USE_UINT16_LUT
 * is off (everything but clang on ARM64, so WebAssembly too): activations.cc SoftmaxPrepare fills
 * table[255 − v] = expf(f32(−input_scale · beta) · v) (optimized_ops.h PopulateSoftmaxLookupTable);
 * optimized_ops::Softmax sums table[255 − max + x] in float32, inv = 1 / (sum · output_scale), and
 * rounds table[...] · inv: std::round plus the zero point for int8, trunc(p + 0.5) for uint8.
 *
 * @example
 * ```ts
 * import { softmaxTfliteLitert } from 'qkern/reference';
 * console.log(softmaxTfliteLitert([0, 0], 0.1, 1, 1 / 256, -128, 'int8')); // [ 0, 0 ]
 * ```
 */
export function softmaxTfliteLitert(row: readonly number[], inputScale: number, beta: number, outputScale: number, zeroPoint: number, dtype: "int8" | "uint8"): number[] {
  const scale = f(-f(inputScale) * f(beta));
  const table = new Float32Array(256);
  for (let v = 0; v <= 255; v++) table[255 - v] = expfMusl(f(scale * v));
  const max = Math.max(...row);
  let sum = 0;
  for (const x of row) sum = f(sum + table[255 - max + x]!);
  const inv = f(1 / f(sum * f(outputScale)));
  const [lo, hi] = dtype === "int8" ? [-128, 127] : [0, 255];
  return row.map((x) => {
    const p = f(table[255 - max + x]! * inv);
    const q = dtype === "int8" ? Math.sign(p) * Math.round(Math.abs(p)) + zeroPoint : Math.trunc(f(p + 0.5));
    return Math.min(hi, Math.max(lo, q));
  });
}
