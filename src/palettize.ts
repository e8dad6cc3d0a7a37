// Weight sharing (palettization): k-means over float weights per output column (or for the whole
// tensor), centroids quantized to an int8 codebook with a float scale, weights replaced by 4-bit
// indices. One-dimensional k-means runs on sorted values with prefix sums, so an iteration costs
// O(k log n) after one O(n log n) sort. Deterministic for a seed.

import { QkernError } from "./errors.js";
import { roundHalfEven } from "./quant.js";

/** Options of `palettize`. */
export interface PalettizeOptions {
  /** Index width: 2, 3 or 4 bits (4, 8 or 16 codebook entries). Default 4. */
  readonly bits?: 2 | 3 | 4;
  /** One codebook per output column (`channel`, default) or one for the whole tensor. */
  readonly granularity?: "channel" | "tensor";
  /** Seed of the k-means++ initialisation. Default 1. */
  readonly seed?: number;
  /** Lloyd iterations at most. Default 30. */
  readonly iterations?: number;
  /** `kn` (default): weights are [K, N]; `nk`: [N, K]. */
  readonly layout?: "kn" | "nk";
}

/** Palettized weights: w[k, n] ≈ codebooks[c(n)][indices[n·K + k]] · scales[c(n)], c(n) = n or 0. */
export interface PalettizedWeights {
  readonly n: number;
  readonly k: number;
  readonly bits: number;
  readonly granularity: "channel" | "tensor";
  /** int8 codebooks, 16 entries each (unused entries 0): [C][16], C = N or 1. */
  readonly codebooks: Int8Array;
  /** Codebook scales [C]. */
  readonly scales: Float32Array;
  /** [N, K] indices 0..2^bits − 1, K-contiguous per output column. */
  readonly indices: Uint8Array;
  /** Signal-to-quantization-noise ratio of the reconstruction, dB. */
  readonly sqnr: number;
  /** Bytes at `bits` bits per index plus codebooks and scales (the kernels store indices in 4-bit nibbles). */
  readonly bytes: number;
}

function rng(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** 1-D k-means on sorted values: returns sorted centroids (k-means++ init, Lloyd iterations). */
function kmeans1d(sorted: Float64Array, k: number, random: () => number, iterations: number): number[] {
  const n = sorted.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
  // Distinct values bound the useful cluster count.
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const kk = Math.min(k, distinct);
  if (kk === 0) return [0];
  // k-means++: first centre uniform, then proportional to the squared distance to the nearest centre.
  const centres = [sorted[Math.floor(random() * n)]!];
  const d2 = new Float64Array(n).fill(Infinity);
  while (centres.length < kk) {
    const last = centres[centres.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = (sorted[i]! - last) ** 2;
      if (d < d2[i]!) d2[i] = d;
      total += d2[i]!;
    }
    if (total === 0) break;
    let t = random() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      t -= d2[i]!;
      if (t <= 0 && d2[i]! > 0) {
        pick = i;
        break;
      }
    }
    centres.push(sorted[pick]!);
  }
  centres.sort((a, b) => a - b);
  // First index with sorted[i] >= v.
  const lowerBound = (v: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let it = 0; it < iterations; it++) {
    let start = 0;
    let changed = false;
    const next: number[] = [];
    for (let c = 0; c < centres.length; c++) {
      const end = c + 1 < centres.length ? lowerBound((centres[c]! + centres[c + 1]!) / 2) : n;
      const mean = end > start ? (prefix[end]! - prefix[start]!) / (end - start) : centres[c]!;
      if (mean !== centres[c]) changed = true;
      next.push(mean);
      start = end;
    }
    centres.splice(0, centres.length, ...next);
    if (!changed) break;
  }
  return centres;
}

/**
 * Palettizes float32 weights with k-means (weight sharing): per output column (or for the whole
 * tensor) 2^bits centroids, quantized to an int8 codebook (scale = max|centroid| / 127), every
 * weight replaced by the index of its nearest codebook value.
 *
 * @example
 * ```ts
 * const [K, N] = [64, 8];
 * const weights = Float32Array.from({ length: K * N }, (_, i) => (((i * 37) % 17) - 8) / 8);
 * const p = palettize(weights, [K, N], { bits: 4, granularity: 'channel', seed: 7 });
 * console.log(p.sqnr.toFixed(1), 'dB,', p.bytes, 'bytes');
 * ```
 */
export function palettize(weights: ArrayLike<number>, shape: readonly [number, number], options: PalettizeOptions = {}): PalettizedWeights {
  const op = "palettize";
  const bits = options.bits ?? 4;
  if (bits !== 2 && bits !== 3 && bits !== 4) throw new QkernError(op, "options.bits", `must be 2, 3 or 4, got ${String(bits)}`);
  const granularity = options.granularity ?? "channel";
  if (granularity !== "channel" && granularity !== "tensor") throw new QkernError(op, "options.granularity", `must be 'channel' or 'tensor', got ${String(granularity)}`);
  const iterations = options.iterations ?? 30;
  if (!Number.isInteger(iterations) || iterations < 0) throw new QkernError(op, "options.iterations", `must be an integer >= 0, got ${iterations}`);
  const layout = options.layout ?? "kn";
  const [k, n] = layout === "kn" ? shape : [shape[1], shape[0]];
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < 1) throw new QkernError(op, "shape", `needs two dimensions >= 1, got [${shape.join(",")}]`);
  if (weights.length !== k * n) throw new QkernError(op, "weights", `has ${weights.length} values, shape [${shape.join(",")}] needs ${k * n}`);
  const at = (kk: number, col: number): number => Math.fround(layout === "kn" ? (weights[kk * n + col] as number) : (weights[col * k + kk] as number));
  const random = rng(options.seed ?? 1);
  const groups = granularity === "channel" ? n : 1;
  const codebooks = new Int8Array(groups * 16);
  const scales = new Float32Array(groups);
  const indices = new Uint8Array(n * k);
  let signal = 0;
  let noise = 0;
  for (let g = 0; g < groups; g++) {
    const cols = granularity === "channel" ? [g] : Array.from({ length: n }, (_, i) => i);
    const values = new Float64Array(cols.length * k);
    let p = 0;
    for (const col of cols) {
      for (let kk = 0; kk < k; kk++) {
        const v = at(kk, col);
        if (!Number.isFinite(v)) throw new QkernError(op, "weights", `element (${kk}, ${col}) is ${v}`);
        values[p++] = v;
      }
    }
    values.sort();
    const centres = kmeans1d(values, 1 << bits, random, iterations);
    const amax = Math.max(...centres.map(Math.abs));
    // A group whose largest centroid is below ~1.8e-43 has no float32 scale > 0 (amax / 127
    // underflows): it is stored as all zeros with scale 1, like a group of zeros.
    const scale = Math.fround(amax / 127) > 0 ? Math.fround(amax / 127) : 1;
    scales[g] = scale;
    const book = [...new Set(centres.map((c) => Math.max(-127, Math.min(127, roundHalfEven(c / scale)))))].sort((a, b) => a - b);
    book.forEach((v, i) => (codebooks[g * 16 + i] = v));
    for (const col of cols) {
      for (let kk = 0; kk < k; kk++) {
        const v = at(kk, col);
        let best = 0;
        for (let i = 1; i < book.length; i++) if (Math.abs(book[i]! * scale - v) < Math.abs(book[best]! * scale - v)) best = i;
        indices[col * k + kk] = best;
        signal += v * v;
        noise += (book[best]! * scale - v) ** 2;
      }
    }
  }
  const sqnr = noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
  const bytes = Math.ceil((n * k * bits) / 8) + groups * (1 << bits) + groups * 4;
  return { n, k, bits, granularity, codebooks, scales, indices, sqnr, bytes };
}

/**
 * Reconstructs float32 weights [K, N] from palettized weights.
 *
 * @example
 * ```ts
 * const weights = Float32Array.from({ length: 64 * 4 }, (_, i) => ((i * 13) % 31) / 31 - 0.5);
 * const p = palettize(weights, [64, 4], { bits: 3 });
 * const approx = depalettize(p);                  // [K, N] float32: codebook entries times scales
 * console.log(approx.length, p.sqnr.toFixed(1) + ' dB');
 * ```
 */
export function depalettize(p: PalettizedWeights): Float32Array {
  const out = new Float32Array(p.k * p.n);
  for (let col = 0; col < p.n; col++) {
    const g = p.granularity === "channel" ? col : 0;
    for (let kk = 0; kk < p.k; kk++) {
      out[kk * p.n + col] = Math.fround((p.codebooks[g * 16 + (p.indices[col * p.k + kk] as number)] as number) * (p.scales[g] as number));
    }
  }
  return out;
}
