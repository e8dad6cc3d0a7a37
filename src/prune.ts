// Pruning: zero the least important weights (by magnitude, or by block L2 norm), per tensor or
// globally across several tensors. Works on float32 weights and on int8/uint8 weights (where
// "zero" is the zero point). Deterministic: ties keep the lower index.

import { QkernError } from "./errors.js";

/** Which weights are pruned together. Blocks run along K (input channels) unless noted. */
export type PruneStructure = "unstructured" | "block1x4" | "block1x8" | "block4x1" | "2:4";

/** Options of `prune`. */
export interface PruneOptions {
  /** Fraction of weights to zero, in [0, 1). For `2:4` it is always 0.5 and may be omitted. */
  readonly sparsity?: number;
  readonly structure?: PruneStructure;
  /** `kn` (default): [K, N] (ONNX MatMul); `nk`: [N, K] (TFLite FULLY_CONNECTED). */
  readonly layout?: "kn" | "nk";
  /** For int8/uint8 weights: the value that represents 0 (per tensor). Default 0. */
  readonly zeroPoint?: number;
}

/** Result of `prune`: a pruned copy and what it cost. */
export interface PruneResult<T extends Float32Array | Int8Array | Uint8Array> {
  readonly weights: T;
  /** Achieved fraction of zeroed weights (blocks count whole, so within one block of the target). */
  readonly sparsity: number;
  /** Signal-to-noise ratio of the pruned weights against the original, dB (Infinity if nothing changed). */
  readonly sqnr: number;
}

/** Groups of one tensor: how many, how many weights each, and the flat indices of group g's members. */
interface Grouping {
  readonly count: number;
  readonly size: number;
  members(g: number, out: Int32Array): void;
}

function grouping(k: number, n: number, structure: PruneStructure, layout: "kn" | "nk", op: string): Grouping {
  const idx = (kk: number, col: number): number => (layout === "kn" ? kk * n + col : col * k + kk);
  if (structure === "unstructured") return { count: k * n, size: 1, members: (g, out) => { out[0] = g; } };
  if (structure === "block1x4" || structure === "block1x8") {
    const size = structure === "block1x4" ? 4 : 8;
    if (k % size !== 0) throw new QkernError(op, "options.structure", `${structure} needs K divisible by ${size}, got K = ${k}`);
    const perCol = k / size;
    return { count: n * perCol, size, members: (g, out) => {
      const col = Math.floor(g / perCol);
      const k0 = (g % perCol) * size;
      for (let j = 0; j < size; j++) out[j] = idx(k0 + j, col);
    } };
  }
  if (structure === "block4x1") {
    if (n % 4 !== 0) throw new QkernError(op, "options.structure", `block4x1 needs N divisible by 4, got N = ${n}`);
    return { count: (n / 4) * k, size: 4, members: (g, out) => {
      const col = Math.floor(g / k) * 4;
      const kk = g % k;
      for (let j = 0; j < 4; j++) out[j] = idx(kk, col + j);
    } };
  }
  throw new QkernError(op, "options.structure", `unknown structure ${String(structure)}`);
}

/**
 * Prunes several weight tensors to one global sparsity target: the lowest-scoring groups across
 * all tensors are zeroed (score: |w| for unstructured, L2 norm for blocks). `2:4` keeps the two
 * largest |w| of every 4 consecutive weights along K.
 *
 * @example
 * ```ts
 * const w1 = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i));
 * const w2 = Float32Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i) * 2);
 * const [a, b] = pruneGlobal([{ weights: w1, shape: [64, 8] }, { weights: w2, shape: [32, 16] }], { sparsity: 0.8, structure: 'block1x4' });
 * console.log(a.sparsity, b.sparsity); // one target across both: the larger weights of w2 survive more
 * ```
 */
export function pruneGlobal<T extends Float32Array | Int8Array | Uint8Array>(
  tensors: ReadonlyArray<{ readonly weights: T; readonly shape: readonly [number, number] }>, options: PruneOptions = {},
): PruneResult<T>[] {
  const op = "prune";
  const structure = options.structure ?? "unstructured";
  const layout = options.layout ?? "kn";
  const zp = options.zeroPoint ?? 0;
  const sparsity = structure === "2:4" ? (options.sparsity ?? 0.5) : options.sparsity;
  if (typeof sparsity !== "number" || !(sparsity >= 0 && sparsity < 1)) throw new QkernError(op, "options.sparsity", `must be in [0, 1), got ${String(sparsity)}`);
  if (structure === "2:4" && sparsity !== 0.5) throw new QkernError(op, "options.sparsity", `2:4 structure means sparsity 0.5, got ${sparsity}`);
  const outs = tensors.map(({ weights, shape }, t) => {
    const [k, n] = layout === "kn" ? shape : [shape[1], shape[0]];
    if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < 1 || weights.length !== k * n) {
      throw new QkernError(op, `tensors[${t}]`, `weights (${weights.length} values) do not match shape [${shape.join(",")}]`);
    }
    if (weights instanceof Float32Array) {
      for (let i = 0; i < weights.length; i++) {
        if (!Number.isFinite(weights[i]!)) throw new QkernError(op, `tensors[${t}]`, `element ${i} is ${weights[i]}: weights must be finite (shape [${shape.join(",")}])`);
      }
    }
    return { k, n, copy: weights.slice() as T };
  });
  if (structure === "2:4") {
    outs.forEach(({ k, n, copy }, t) => {
      if (k % 4 !== 0) throw new QkernError(op, "options.structure", `2:4 needs K divisible by 4, got K = ${k} (tensors[${t}])`);
      const idx = (kk: number, col: number): number => (layout === "kn" ? kk * n + col : col * k + kk);
      for (let col = 0; col < n; col++) {
        for (let kk = 0; kk < k; kk += 4) {
          const ids = [0, 1, 2, 3].map((j) => idx(kk + j, col));
          const order = [...ids].sort((x, y) => Math.abs((copy[y] as number) - zp) - Math.abs((copy[x] as number) - zp) || x - y);
          for (const i of order.slice(2)) copy[i] = zp;
        }
      }
    });
  } else {
    // Scores (L2 norm of each group) for every tensor, in one array; the lowest `drop` are zeroed,
    // ties broken by position (tensor order, then group order).
    const groupings = outs.map(({ k, n }) => grouping(k, n, structure, layout, op));
    const size = groupings[0]?.size ?? 1;
    const total = groupings.reduce((s, g) => s + g.count, 0);
    const scores = new Float64Array(total);
    const members = new Int32Array(size);
    let at = 0;
    outs.forEach(({ copy }, t) => {
      const g = groupings[t]!;
      for (let i = 0; i < g.count; i++) {
        g.members(i, members);
        let sum = 0;
        for (let j = 0; j < size; j++) sum += ((copy[members[j]!] as number) - zp) ** 2;
        scores[at++] = sum;
      }
    });
    const drop = Math.min(total, Math.round((sparsity * outs.reduce((s, o) => s + o.k * o.n, 0)) / size));
    if (drop > 0) {
      const threshold = scores.slice().sort()[drop - 1]!;
      let below = 0;
      for (let i = 0; i < total; i++) if (scores[i]! < threshold) below++;
      let ties = drop - below;
      at = 0;
      outs.forEach(({ copy }, t) => {
        const g = groupings[t]!;
        for (let i = 0; i < g.count; i++, at++) {
          const s = scores[at]!;
          if (s < threshold || (s === threshold && ties-- > 0)) {
            g.members(i, members);
            for (let j = 0; j < size; j++) copy[members[j]!] = zp;
          }
        }
      });
    }
  }
  return outs.map(({ copy }, t) => {
    const orig = tensors[t]!.weights;
    let zeros = 0;
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < copy.length; i++) {
      if (copy[i] === zp) zeros++;
      signal += ((orig[i] as number) - zp) ** 2;
      noise += ((orig[i] as number) - (copy[i] as number)) ** 2;
    }
    return { weights: copy, sparsity: zeros / copy.length, sqnr: noise === 0 ? Infinity : 10 * Math.log10(signal / noise) };
  });
}

/**
 * Prunes one weight tensor (see pruneGlobal). Achieved sparsity counts every weight equal to zero
 * (or the zero point), including those that were zero before.
 *
 * @example
 * ```ts
 * const [K, N] = [64, 8];
 * const w = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i));
 * const { weights, sparsity, sqnr } = prune(w, [K, N], { sparsity: 0.9, structure: 'block1x4' });
 * console.log(weights.length, sparsity, sqnr.toFixed(1));
 * ```
 */
export function prune<T extends Float32Array | Int8Array | Uint8Array>(weights: T, shape: readonly [number, number], options: PruneOptions = {}): PruneResult<T> {
  if (!(weights instanceof Float32Array || weights instanceof Int8Array || weights instanceof Uint8Array)) {
    throw new QkernError("prune", "weights", "must be a Float32Array, Int8Array or Uint8Array");
  }
  return pruneGlobal([{ weights, shape }], options)[0]!;
}
