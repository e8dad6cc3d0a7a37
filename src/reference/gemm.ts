// Reference integer matrix multiply and the GEMM output stages: triple loops over the
// definitions, one element at a time.

import { fp32Multiplier, quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32 } from "./requantize.js";

/** A [M, K] with per-tensor or per-row zero points; B as [K, N] (`kn`) or [N, K] (`nk`). */
export interface RefGemm {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly a: ArrayLike<number>;
  readonly aZeroPoint: number | ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly bZeroPoint: number | ArrayLike<number>;
  readonly layout?: "kn" | "nk";
  readonly bias?: ArrayLike<number>;
}

const at = (p: number | ArrayLike<number>, i: number): number => (typeof p === "number" ? p : (p[i] as number));

/**
 * ONNX MatMulInteger (plus an optional int32 bias): Σk (A − za)(B − zb) + bias, exact.
 *
 * @example
 * ```ts
 * import { matmulInteger } from 'qkern/reference';
 * // A [1, 2] with zero point 1, B [2, 2] (kn layout) with zero point 0: (5 − 1, −1 − 1) · B
 * console.log(matmulInteger({ m: 1, k: 2, n: 2, a: [5, -1], aZeroPoint: 1, b: [1, 2, 3, 4], bZeroPoint: 0 })); // Int32Array [ -2, 0 ]
 * ```
 */
export function matmulInteger(g: RefGemm): Int32Array {
  const c = new Int32Array(g.m * g.n);
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      let acc = g.bias ? (g.bias[j] as number) : 0;
      for (let p = 0; p < g.k; p++) {
        const bv = g.layout === "nk" ? g.b[j * g.k + p] : g.b[p * g.n + j];
        acc += ((g.a[i * g.k + p] as number) - at(g.aZeroPoint, i)) * ((bv as number) - at(g.bZeroPoint, j));
      }
      c[i * g.n + j] = acc;
    }
  }
  return c;
}

/**
 * 8-bit output of the fp32 stage (ONNX QLinearMatMul) from accumulators.
 *
 * @example
 * ```ts
 * import { gemmFp32Stage } from 'qkern/reference';
 * // accumulators [1, 2], A scale 0.1, per-column B scales, output scale 0.5, zero point 0, int8
 * console.log(gemmFp32Stage(Int32Array.from([100, -250]), 2, 0.1, [0.05, 0.1], 0.5, 0, -128, 127)); // Int32Array [ 1, -5 ]
 * ```
 */
export function gemmFp32Stage(acc: Int32Array, n: number, aScale: number, bScale: number | ArrayLike<number>, yScale: number, yZeroPoint: number, qmin: number, qmax: number): Int32Array {
  return acc.map((v, i) => requantizeFp32(v, fp32Multiplier(aScale, at(bScale, i % n), yScale), yZeroPoint, qmin, qmax));
}

/**
 * 8-bit output of the fixedpoint stage (TFLite FULLY_CONNECTED): multiplier from the double product.
 *
 * @example
 * ```ts
 * import { gemmFixedpointStage } from 'qkern/reference';
 * console.log(gemmFixedpointStage(Int32Array.from([100, -250]), 2, 0.1, [0.05, 0.1], 0.5, 0, -128, 127)); // Int32Array [ 1, -5 ]
 * ```
 */
export function gemmFixedpointStage(acc: Int32Array, n: number, aScale: number, bScale: number | ArrayLike<number>, yScale: number, yZeroPoint: number, qmin: number, qmax: number): Int32Array {
  return acc.map((v, i) => {
    const q = quantizeMultiplierRef((Math.fround(aScale) * Math.fround(at(bScale, i % n))) / Math.fround(yScale));
    return requantizeFixedpoint(v, q.multiplier, q.shift, yZeroPoint, qmin, qmax);
  });
}

/**
 * float32 output: f32(acc) · f32(aScale[row] · bScale[col]) + floatBias[col], all float32.
 *
 * @example
 * ```ts
 * import { gemmFloatStage } from 'qkern/reference';
 * // per-row A scales [0.5], per-column B scales, float bias
 * console.log(gemmFloatStage(Int32Array.from([10, -4]), 2, [0.5], [0.25, 1], [1, 0])); // Float32Array [ 2.25, -2 ]
 * ```
 */
export function gemmFloatStage(acc: Int32Array, n: number, aScale: number | ArrayLike<number>, bScale: number | ArrayLike<number>, floatBias?: ArrayLike<number>): Float32Array {
  const f = Math.fround;
  return Float32Array.from(acc, (v, i) => {
    const row = Math.floor(i / n);
    const col = i % n;
    return f(f(f(v) * f(f(at(aScale, row)) * f(at(bScale, col)))) + f(floatBias ? (floatBias[col] as number) : 0));
  });
}
