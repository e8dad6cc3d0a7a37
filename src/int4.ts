// Block-wise 4-bit weight formats: qkern's canonical form, quantization from float32, and
// conversions to and from ONNX MatMulNBits and ggml Q4_0. Pure TypeScript.

import { QkernError } from "./errors.js";
import { roundHalfEven } from "./quant.js";

/**
 * Block-wise 4-bit weights in canonical, unpacked form: for output column n and K block b,
 * real weight w[k, n] = (q[n·K + k] − zeroPoints[n·nb + b]) · scales[n·nb + b], with q in 0..15,
 * nb = ceil(K / blockSize). (Symmetric int4 is zero point 8.)
 */
export interface Int4Weights {
  readonly n: number;
  readonly k: number;
  /** A multiple of 32; per-channel weights use one block of K rounded up to 32. */
  readonly blockSize: number;
  /** [N, K], one value 0..15 per byte, K-contiguous per output column. */
  readonly q: Uint8Array;
  /** [N, nb] */
  readonly scales: Float32Array;
  /** [N, nb], 0..15 */
  readonly zeroPoints: Uint8Array;
}

/** Options of `quantizeInt4`. */
export interface QuantizeInt4Options {
  /** Values per block along K: 32, 64, 128 (a multiple of 32), or `channel` for one block per column. */
  readonly blockSize?: number | "channel";
  /** `symmetric` (default): zero point 8, scale max|w|/7. `asymmetric`: scale (max − min)/15, zero point from min. */
  readonly scheme?: "symmetric" | "asymmetric";
  /** `kn` (default): weights are [K, N] (ONNX MatMul); `nk`: [N, K]. */
  readonly layout?: "kn" | "nk";
}

function checkBlock(op: string, k: number, blockSize: number | "channel" | undefined): number {
  if (blockSize === "channel") return Math.ceil(k / 32) * 32;
  const bs = blockSize ?? 32;
  if (!Number.isInteger(bs) || bs < 32 || bs % 32 !== 0) {
    throw new QkernError(op, "options.blockSize", `must be a multiple of 32 (32, 64, 128, ...) or 'channel', got ${String(blockSize)}`);
  }
  return bs;
}

/**
 * Quantizes float32 weights to block-wise 4-bit (round half to even, saturating to 0..15).
 *
 * @example
 * ```ts
 * const w = quantizeInt4(new Float32Array(64 * 16).map((_, i) => Math.sin(i)), [64, 16], { blockSize: 32 });
 * w.scales.length; // 16 columns × 2 blocks
 * ```
 */
export function quantizeInt4(weights: ArrayLike<number>, shape: readonly [number, number], options: QuantizeInt4Options = {}): Int4Weights {
  const op = "quantizeInt4";
  const layout = options.layout ?? "kn";
  const [k, n] = layout === "kn" ? shape : [shape[1], shape[0]];
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < 1) throw new QkernError(op, "shape", `needs two dimensions >= 1, got [${shape.join(",")}]`);
  if (weights.length !== k * n) throw new QkernError(op, "weights", `has ${weights.length} values, shape [${shape.join(",")}] needs ${k * n}`);
  const bs = checkBlock(op, k, options.blockSize);
  const nb = Math.ceil(k / bs);
  const at = (kk: number, col: number): number => Math.fround(layout === "kn" ? (weights[kk * n + col] as number) : (weights[col * k + kk] as number));
  const q = new Uint8Array(n * k);
  const scales = new Float32Array(n * nb);
  const zeroPoints = new Uint8Array(n * nb);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < nb; b++) {
      let lo = 0;
      let hi = 0;
      for (let kk = b * bs; kk < Math.min(k, (b + 1) * bs); kk++) {
        const v = at(kk, col);
        if (!Number.isFinite(v)) throw new QkernError(op, "weights", `element (${kk}, ${col}) is ${v}`);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      let scale: number;
      let zp: number;
      if ((options.scheme ?? "symmetric") === "symmetric") {
        scale = Math.fround(Math.max(hi, -lo) / 7);
        zp = 8;
      } else {
        scale = Math.fround((hi - lo) / 15);
        zp = scale > 0 ? Math.min(15, Math.max(0, roundHalfEven(-lo / scale))) : 8;
      }
      if (!(scale > 0)) scale = 1;
      scales[col * nb + b] = scale;
      zeroPoints[col * nb + b] = zp;
      for (let kk = b * bs; kk < Math.min(k, (b + 1) * bs); kk++) {
        q[col * k + kk] = Math.min(15, Math.max(0, roundHalfEven(Math.fround(at(kk, col) / scale)) + zp));
      }
    }
  }
  return { n, k, blockSize: bs, q, scales, zeroPoints };
}

/**
 * Decodes canonical 4-bit weights to float32 [K, N] (the format's definition).
 *
 * @example
 * ```ts
 * const w = quantizeInt4(Float32Array.from({ length: 64 }, (_, i) => (i - 32) / 8), [32, 2], { blockSize: 32 });
 * const back = dequantizeInt4(w);   // [K, N] float32: (q − zp) · scale
 * console.log(back.length, back[0]); // 64 -4
 * ```
 */
export function dequantizeInt4(w: Int4Weights): Float32Array {
  const nb = Math.ceil(w.k / w.blockSize);
  const out = new Float32Array(w.k * w.n);
  for (let col = 0; col < w.n; col++) {
    for (let kk = 0; kk < w.k; kk++) {
      const b = Math.floor(kk / w.blockSize);
      out[kk * w.n + col] = Math.fround(((w.q[col * w.k + kk] as number) - (w.zeroPoints[col * nb + b] as number)) * (w.scales[col * nb + b] as number));
    }
  }
  return out;
}

/** ONNX MatMulNBits (bits = 4) initializers. */
export interface MatMulNBits {
  /** B: uint8 [N, n_blocks, blockSize / 2]; element 2i in the low nibble of byte i, 2i+1 in the high. */
  readonly b: Uint8Array;
  /** scales: float32 [N · n_blocks] */
  readonly scales: Float32Array;
  /** zero_points: uint8 [N, ceil(n_blocks / 2)], two 4-bit values per byte, low nibble first; absent means 8. */
  readonly zeroPoints?: Uint8Array;
  readonly n: number;
  readonly k: number;
  readonly blockSize: number;
}

/**
 * Imports ONNX MatMulNBits weights (block size a multiple of 32).
 *
 * @example
 * ```ts
 * // ONNX MatMulNBits tensors (from a model file) → qkern's canonical int4 weights
 * const m = toMatMulNBits(quantizeInt4(Float32Array.from({ length: 64 * 3 }, (_, i) => Math.cos(i)), [64, 3], { blockSize: 32 }));
 * const w = fromMatMulNBits({ b: m.b, scales: m.scales, zeroPoints: m.zeroPoints, n: 3, k: 64, blockSize: 32 });
 * console.log(w.n, w.k, w.blockSize, w.scales.length); // 3 64 32 6
 * ```
 */
export function fromMatMulNBits(m: MatMulNBits): Int4Weights {
  const op = "fromMatMulNBits";
  const bs = checkBlock(op, m.k, m.blockSize);
  const nb = Math.ceil(m.k / bs);
  const blob = bs / 2;
  if (m.b.length !== m.n * nb * blob) throw new QkernError(op, "b", `has ${m.b.length} bytes, [N=${m.n}, n_blocks=${nb}, ${blob}] needs ${m.n * nb * blob}`);
  if (m.scales.length !== m.n * nb) throw new QkernError(op, "scales", `has ${m.scales.length} values, N · n_blocks = ${m.n * nb}`);
  const zpBytes = Math.ceil(nb / 2);
  if (m.zeroPoints !== undefined && m.zeroPoints.length !== m.n * zpBytes) {
    throw new QkernError(op, "zeroPoints", `has ${m.zeroPoints.length} bytes, [N=${m.n}, ${zpBytes}] needs ${m.n * zpBytes}`);
  }
  const q = new Uint8Array(m.n * m.k);
  const zeroPoints = new Uint8Array(m.n * nb).fill(8);
  for (let col = 0; col < m.n; col++) {
    for (let kk = 0; kk < m.k; kk++) {
      const byte = m.b[col * nb * blob + (kk >> 1)] as number;
      q[col * m.k + kk] = kk & 1 ? byte >> 4 : byte & 15;
    }
    if (m.zeroPoints) {
      for (let b = 0; b < nb; b++) {
        const byte = m.zeroPoints[col * zpBytes + (b >> 1)] as number;
        zeroPoints[col * nb + b] = b & 1 ? byte >> 4 : byte & 15;
      }
    }
  }
  return { n: m.n, k: m.k, blockSize: bs, q, scales: Float32Array.from(m.scales), zeroPoints };
}

/**
 * Exports to ONNX MatMulNBits initializers (zero points always included).
 *
 * @example
 * ```ts
 * const w = quantizeInt4(Float32Array.from({ length: 64 * 3 }, (_, i) => Math.cos(i)), [64, 3], { blockSize: 32 });
 * const m = toMatMulNBits(w);
 * console.log(m.b.length, m.scales.length, m.zeroPoints.length); // 96 6 3: B [N, blocks, 16], scales [N·blocks], packed zero points
 * ```
 */
export function toMatMulNBits(w: Int4Weights): Required<MatMulNBits> {
  const nb = Math.ceil(w.k / w.blockSize);
  const blob = w.blockSize / 2;
  const zpBytes = Math.ceil(nb / 2);
  const b = new Uint8Array(w.n * nb * blob);
  const zeroPoints = new Uint8Array(w.n * zpBytes);
  for (let col = 0; col < w.n; col++) {
    for (let kk = 0; kk < nb * w.blockSize; kk++) {
      const v = kk < w.k ? (w.q[col * w.k + kk] as number) : (w.zeroPoints[col * nb + Math.floor(kk / w.blockSize)] as number);
      b[col * nb * blob + (kk >> 1)]! |= kk & 1 ? v << 4 : v;
    }
    for (let bb = 0; bb < nb; bb++) zeroPoints[col * zpBytes + (bb >> 1)]! |= (bb & 1 ? (w.zeroPoints[col * nb + bb] as number) << 4 : (w.zeroPoints[col * nb + bb] as number));
  }
  return { b, scales: w.scales.slice(), zeroPoints, n: w.n, k: w.k, blockSize: w.blockSize };
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const f = h & 1023;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

/** float → IEEE half, round to nearest even. */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 255) - 127 + 15;
  let mant = u & 0x7fffff;
  if (((u >>> 23) & 255) === 255) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

/**
 * Imports ggml Q4_0 rows: for each of the N output columns, K/32 blocks of 18 bytes
 * (fp16 scale d, then 16 bytes where byte j holds element j in its low nibble and element j + 16
 * in its high nibble); value = (q − 8) · d.
 *
 * @example
 * ```ts
 * const w = quantizeInt4(Float32Array.from({ length: 64 * 2 }, (_, i) => Math.sin(i)), [64, 2], { blockSize: 32 });
 * const bytes = toQ4_0(w);                     // ggml Q4_0 blocks, 18 bytes per 32 weights
 * console.log(bytes.length, fromQ4_0(bytes, 2, 64).blockSize); // 72 32
 * ```
 */
export function fromQ4_0(data: Uint8Array, n: number, k: number): Int4Weights {
  const op = "fromQ4_0";
  if (k % 32 !== 0) throw new QkernError(op, "k", `must be a multiple of 32 for Q4_0, got ${k}`);
  const nb = k / 32;
  if (data.length !== n * nb * 18) throw new QkernError(op, "data", `has ${data.length} bytes, ${n} rows × ${nb} blocks × 18 needs ${n * nb * 18}`);
  const q = new Uint8Array(n * k);
  const scales = new Float32Array(n * nb);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < nb; b++) {
      const at = (col * nb + b) * 18;
      scales[col * nb + b] = halfToFloat((data[at] as number) | ((data[at + 1] as number) << 8));
      for (let j = 0; j < 16; j++) {
        const byte = data[at + 2 + j] as number;
        q[col * k + b * 32 + j] = byte & 15;
        q[col * k + b * 32 + j + 16] = byte >> 4;
      }
    }
  }
  return { n, k, blockSize: 32, q, scales, zeroPoints: new Uint8Array(n * nb).fill(8) };
}

/**
 * Exports to ggml Q4_0 (block size 32, zero points 8, scales rounded to fp16).
 *
 * @example
 * ```ts
 * const w = quantizeInt4(Float32Array.from({ length: 32 }, (_, i) => i - 16), [32, 1], { blockSize: 32 });
 * console.log(toQ4_0(w).length); // 18: fp16 scale + 16 bytes of nibbles
 * ```
 */
export function toQ4_0(w: Int4Weights): Uint8Array {
  const op = "toQ4_0";
  if (w.blockSize !== 32 || w.k % 32 !== 0 || w.zeroPoints.some((z) => z !== 8)) {
    throw new QkernError(op, "w", `Q4_0 needs block size 32, K a multiple of 32 and zero points 8 (got block ${w.blockSize}, K ${w.k})`);
  }
  const nb = w.k / 32;
  const out = new Uint8Array(w.n * nb * 18);
  for (let col = 0; col < w.n; col++) {
    for (let b = 0; b < nb; b++) {
      const at = (col * nb + b) * 18;
      const h = floatToHalf(w.scales[col * nb + b] as number);
      out[at] = h & 255;
      out[at + 1] = h >> 8;
      for (let j = 0; j < 16; j++) out[at + 2 + j] = (w.q[col * w.k + b * 32 + j] as number) | ((w.q[col * w.k + b * 32 + j + 16] as number) << 4);
    }
  }
  return out;
}
