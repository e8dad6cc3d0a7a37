// Comparing network outputs: top-k indices and signal-to-quantization-noise ratio.

/**
 * Indices of the k largest values.
 *
 * @example
 * ```ts
 * console.log(topK([0.1, 0.7, 0.2, 0.9], 2)); // [ 3, 1 ]: indices of the largest values
 * ```
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[b] as number) - (values[a] as number) || a - b).slice(0, k);
}

/**
 * Signal-to-noise ratio (dB) of `approx` against `reference`.
 *
 * @example
 * ```ts
 * console.log(sqnr([1, 2, 3, 4], [1, 2, 3, 4.1]).toFixed(1)); // signal-to-quantization-noise ratio in dB
 * ```
 */
export function sqnr(reference: ArrayLike<number>, approx: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < reference.length; i++) {
    s += (reference[i] as number) ** 2;
    e += ((reference[i] as number) - (approx[i] as number)) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}
