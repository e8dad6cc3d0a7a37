// Reference block-wise 4-bit GEMM and the definitions of the imported formats.

import { halfToFloat, type Int4Weights } from "../int4.js";
import type { PalettizedWeights } from "../palettize.js";
import { roundHalfEven } from "./quantize.js";

/**
 * Dynamic symmetric int8 quantization of one row in blocks of `ablock`: a = roundHalfEven(x / (max|x| / 127)).
 *
 * @example
 * ```ts
 * import { quantizeActivationsRef } from 'qkern/reference';
 * const { a, scales } = quantizeActivationsRef([1, -2, 0.5, 4], 4, 32); // one block: scale max|x| / 127
 * console.log(Array.from(a), scales); // [ 32, -64, 16, 127 ] Float32Array [ 0.0314960... ]
 * ```
 */
export function quantizeActivationsRef(x: ArrayLike<number>, k: number, ablock: number): { a: Int32Array; scales: Float32Array } {
  const blocks = Math.ceil(k / ablock);
  const a = new Int32Array(k);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = b * ablock; i < Math.min(k, (b + 1) * ablock); i++) amax = Math.max(amax, Math.abs(Math.fround(x[i] as number)));
    const scale = amax > 0 ? Math.fround(amax / 127) : 1;
    scales[b] = scale;
    for (let i = b * ablock; i < Math.min(k, (b + 1) * ablock); i++) a[i] = roundHalfEven(Math.fround(Math.fround(x[i] as number) / scale));
  }
  return { a, scales };
}

/**
 * Per-block exact sums Σ (a − za)(q − zq) for one activation row a (int) against column n.
 *
 * @example
 * ```ts
 * import { int4BlockSums } from 'qkern/reference';
 * import { quantizeInt4 } from 'qkern';
 * const w = quantizeInt4(Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3), [64, 1], { blockSize: 32 });
 * console.log(int4BlockSums(new Int32Array(64).fill(1), 0, w, 0)); // Int32Array(2): Σ (q − zq) per block of 32
 * ```
 */
export function int4BlockSums(a: ArrayLike<number>, za: number, w: Int4Weights, n: number): Int32Array {
  const nb = Math.ceil(w.k / w.blockSize);
  const out = new Int32Array(nb);
  for (let b = 0; b < nb; b++) {
    let s = 0;
    for (let k = b * w.blockSize; k < Math.min(w.k, (b + 1) * w.blockSize); k++) {
      s += ((a[k] as number) - za) * ((w.q[n * w.k + k] as number) - (w.zeroPoints[n * nb + b] as number));
    }
    out[b] = s;
  }
  return out;
}

/**
 * float output: Σ_b f32(sum_b) · f32(scale[n, b] · aScale_b) in block order (float32), + bias.
 *
 * @example
 * ```ts
 * import { int4BlockSums, int4Float } from 'qkern/reference';
 * import { quantizeInt4 } from 'qkern';
 * const w = quantizeInt4(Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3), [64, 1], { blockSize: 32 });
 * const sums = int4BlockSums(new Int32Array(64).fill(1), 0, w, 0);
 * console.log(int4Float(sums, w, 0, () => 0.5, 0)); // Σ_b f32(sum_b) · f32(scale_b · 0.5)
 * ```
 */
export function int4Float(sums: Int32Array, w: Int4Weights, n: number, aScales: (b: number) => number, bias: number): number {
  const f = Math.fround;
  const nb = sums.length;
  let acc = 0;
  for (let b = 0; b < nb; b++) acc = f(acc + f(f(sums[b] as number) * f(f(w.scales[n * nb + b] as number) * f(aScales(b)))));
  return f(acc + f(bias));
}

/**
 * ONNX MatMulNBits decoding from its own definition: w[k, n] = (q − zp) · scale. Returns [K, N].
 *
 * @example
 * ```ts
 * import { decodeMatMulNBits } from 'qkern/reference';
 * import { quantizeInt4, toMatMulNBits } from 'qkern';
 * const w = quantizeInt4(Float32Array.from({ length: 32 * 2 }, (_, i) => i % 5), [32, 2], { blockSize: 32 });
 * const m = toMatMulNBits(w);
 * console.log(decodeMatMulNBits(m.b, m.scales, m.zeroPoints, 2, 32, 32).slice(0, 4)); // [K, N] float weights
 * ```
 */
export function decodeMatMulNBits(b: Uint8Array, scales: Float32Array, zeroPoints: Uint8Array | undefined, n: number, k: number, blockSize: number): Float32Array {
  const nb = Math.ceil(k / blockSize);
  const out = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let kk = 0; kk < k; kk++) {
      const blk = Math.floor(kk / blockSize);
      const within = kk % blockSize;
      const byte = b[(col * nb + blk) * (blockSize / 2) + (within >> 1)] as number;
      const q = within % 2 === 0 ? byte & 0x0f : byte >> 4;
      const zpByte = zeroPoints ? (zeroPoints[col * Math.ceil(nb / 2) + (blk >> 1)] as number) : 0x88;
      const zp = blk % 2 === 0 ? zpByte & 0x0f : zpByte >> 4;
      out[kk * n + col] = Math.fround((q - zp) * (scales[col * nb + blk] as number));
    }
  }
  return out;
}

/**
 * ggml Q4_0 decoding from its definition: per 32-block, fp16 d; x[j] = (qs[j] & 15) − 8, x[j+16] = (qs[j] >> 4) − 8, times d. [K, N].
 *
 * @example
 * ```ts
 * import { decodeQ4_0 } from 'qkern/reference';
 * import { quantizeInt4, toQ4_0 } from 'qkern';
 * const w = quantizeInt4(Float32Array.from({ length: 32 }, (_, i) => i - 16), [32, 1], { blockSize: 32 });
 * console.log(decodeQ4_0(toQ4_0(w), 1, 32).slice(0, 4)); // the first four weights, as Q4_0 defines them
 * ```
 */
export function decodeQ4_0(data: Uint8Array, n: number, k: number): Float32Array {
  const out = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let blk = 0; blk < k / 32; blk++) {
      const at = (col * (k / 32) + blk) * 18;
      const d = halfToFloat((data[at] as number) | ((data[at + 1] as number) << 8));
      for (let j = 0; j < 16; j++) {
        const byte = data[at + 2 + j] as number;
        out[(blk * 32 + j) * n + col] = Math.fround(((byte & 15) - 8) * d);
        out[(blk * 32 + j + 16) * n + col] = Math.fround(((byte >> 4) - 8) * d);
      }
    }
  }
  return out;
}

/**
 * Per-block exact sums Σ (a − za) · codebook[idx] for one activation row against column n of palettized weights.
 *
 * @example
 * ```ts
 * import { palettizedBlockSums } from 'qkern/reference';
 * import { palettize } from 'qkern';
 * const p = palettize(Float32Array.from({ length: 64 }, (_, i) => (i % 9) - 4), [64, 1], { bits: 4 });
 * console.log(palettizedBlockSums(new Int32Array(64).fill(1), 0, p, 0, 32)); // Int32Array(2): Σ codebook[idx] per block
 * ```
 */
export function palettizedBlockSums(a: ArrayLike<number>, za: number, p: PalettizedWeights, n: number, blockSize = 128): Int32Array {
  const nb = Math.ceil(p.k / blockSize);
  const g = p.granularity === "channel" ? n : 0;
  const out = new Int32Array(nb);
  for (let k = 0; k < p.k; k++) out[Math.floor(k / blockSize)] = (out[Math.floor(k / blockSize)] as number) + ((a[k] as number) - za) * (p.codebooks[g * 16 + (p.indices[n * p.k + k] as number)] as number);
  return out;
}
