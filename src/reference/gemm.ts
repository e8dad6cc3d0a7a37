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

/** ONNX MatMulInteger (plus an optional int32 bias): Σk (A − za)(B − zb) + bias, exact. */
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

/** 8-bit output of the fp32 stage (ONNX QLinearMatMul) from accumulators. */
export function gemmFp32Stage(acc: Int32Array, n: number, aScale: number, bScale: number | ArrayLike<number>, yScale: number, yZeroPoint: number, qmin: number, qmax: number): Int32Array {
  return acc.map((v, i) => requantizeFp32(v, fp32Multiplier(aScale, at(bScale, i % n), yScale), yZeroPoint, qmin, qmax));
}

/** 8-bit output of the fixedpoint stage (TFLite FULLY_CONNECTED): multiplier from the double product. */
export function gemmFixedpointStage(acc: Int32Array, n: number, aScale: number, bScale: number | ArrayLike<number>, yScale: number, yZeroPoint: number, qmin: number, qmax: number): Int32Array {
  return acc.map((v, i) => {
    const q = quantizeMultiplierRef((Math.fround(aScale) * Math.fround(at(bScale, i % n))) / Math.fround(yScale));
    return requantizeFixedpoint(v, q.multiplier, q.shift, yZeroPoint, qmin, qmax);
  });
}

/** float32 output: f32(acc) · f32(aScale[row] · bScale[col]) + floatBias[col], all float32. */
export function gemmFloatStage(acc: Int32Array, n: number, aScale: number | ArrayLike<number>, bScale: number | ArrayLike<number>, floatBias?: ArrayLike<number>): Float32Array {
  const f = Math.fround;
  return Float32Array.from(acc, (v, i) => {
    const row = Math.floor(i / n);
    const col = i % n;
    return f(f(f(v) * f(f(at(aScale, row)) * f(at(bScale, col)))) + f(floatBias ? (floatBias[col] as number) : 0));
  });
}
