// Calibration observers: each watches float32 tensors (activations during calibration runs, or
// weights) and proposes a range [min, max] from which quantization parameters are chosen.

import { QkernError } from "./errors.js";

/** Watches values and proposes a quantization range. */
export interface Observer {
  /**
   * Takes a batch of values. They must be finite float32 values: NaN, ±Infinity and numbers that
   * round to ±Infinity in float32 are refused (QkernError, op `observe`), and the observer keeps
   * its previous state. −0 counts as 0; subnormals are kept as they are.
   */
  observe(values: ArrayLike<number>): void;
  /** The proposed [min, max] (widened to include 0 by chooseQuantParams later). */
  range(): [number, number];
}

/** Kinds of observers. */
export type ObserverKind = "minmax" | "moving-average" | "percentile" | "mse";

/** Options of `createObserver`. */
export interface ObserverOptions {
  /** moving-average: weight of each new batch's min/max (default 0.01; the first batch sets the range). */
  readonly averagingConstant?: number;
  /** percentile: keep this percentage of the values inside the range on each side (default 99.99). */
  readonly percentile?: number;
  /** percentile / mse: histogram bins (default 2048). */
  readonly bins?: number;
  /** mse: integer levels the range is quantized to (default 256). */
  readonly levels?: number;
}

/** Refuses a batch with a value that is not a finite float32 (a histogram would never cover it). */
function checkFinite(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(Math.fround(v))) {
      throw new QkernError("observe", "values", `element ${i} is ${v}; observers take finite float32 values (${values.length} values)`);
    }
  }
}

class MinMax implements Observer {
  lo = Infinity;
  hi = -Infinity;
  observe(values: ArrayLike<number>): void {
    checkFinite(values);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
    }
  }
  range(): [number, number] {
    return this.lo <= this.hi ? [this.lo, this.hi] : [0, 0];
  }
}

class MovingAverage implements Observer {
  private first = true;
  private lo = 0;
  private hi = 0;
  constructor(private readonly c: number) {}
  observe(values: ArrayLike<number>): void {
    const m = new MinMax(); // refuses non-finite values before anything changes
    m.observe(values);
    const [lo, hi] = m.range();
    if (this.first) {
      [this.lo, this.hi] = [lo, hi];
      this.first = false;
    } else {
      this.lo += this.c * (lo - this.lo);
      this.hi += this.c * (hi - this.hi);
    }
  }
  range(): [number, number] {
    return [this.lo, this.hi];
  }
}

/** Histogram over a range that doubles (merging bins pairwise) when new values fall outside. */
class Histogram {
  counts: Float64Array;
  lo = 0;
  width = 0;
  constructor(readonly bins: number) {
    this.counts = new Float64Array(bins);
  }
  get hi(): number {
    return this.lo + this.width * this.bins;
  }
  add(values: ArrayLike<number>): void {
    checkFinite(values);
    let vmin = Infinity;
    let vmax = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < vmin) vmin = v;
      if (v > vmax) vmax = v;
    }
    if (!(vmin <= vmax)) return;
    if (this.width === 0) {
      // First batch: a symmetric-enough range around the data.
      this.lo = vmin;
      this.width = Math.max(vmax - vmin, 1e-12) / this.bins * (1 + 1e-9);
    }
    while (vmin < this.lo || vmax >= this.hi) this.grow(vmin < this.lo);
    for (let i = 0; i < values.length; i++) {
      const b = Math.min(this.bins - 1, Math.floor(((values[i] as number) - this.lo) / this.width));
      this.counts[b]! += 1;
    }
  }
  /** Doubles the range, extending downwards or upwards. */
  private grow(down: boolean): void {
    const next = new Float64Array(this.bins);
    const offset = down ? this.bins / 2 : 0;
    for (let i = 0; i < this.bins; i++) next[offset + (i >> 1)]! += this.counts[i]!;
    if (down) this.lo -= this.width * this.bins;
    this.width *= 2;
    this.counts = next;
  }
  /** Value below which `fraction` of the mass lies. */
  quantile(fraction: number): number {
    const total = this.counts.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let i = 0; i < this.bins; i++) {
      const c = this.counts[i]!;
      if (acc + c >= fraction * total && c > 0) return this.lo + this.width * (i + (fraction * total - acc) / c);
      acc += c;
    }
    return this.hi;
  }
}

class Percentile implements Observer {
  private readonly h: Histogram;
  constructor(private readonly p: number, bins: number) {
    this.h = new Histogram(bins);
  }
  observe(values: ArrayLike<number>): void {
    this.h.add(values);
  }
  range(): [number, number] {
    if (this.h.width === 0) return [0, 0];
    const tail = (100 - this.p) / 100;
    return [this.h.quantile(tail), this.h.quantile(1 - tail)];
  }
}

/** Searches ranges [lo·t, hi·t] (t on a grid) for the least expected squared quantization error. */
class Mse implements Observer {
  private readonly h: Histogram;
  constructor(bins: number, private readonly levels: number) {
    this.h = new Histogram(bins);
  }
  observe(values: ArrayLike<number>): void {
    this.h.add(values);
  }
  range(): [number, number] {
    const h = this.h;
    if (h.width === 0) return [0, 0];
    const lo0 = Math.min(0, h.lo);
    const hi0 = Math.max(0, h.hi);
    let best: [number, number] = [lo0, hi0];
    let bestErr = Infinity;
    for (let t = 0.3; t <= 1.0001; t += 0.01) {
      const lo = lo0 * t;
      const hi = hi0 * t;
      const step = (hi - lo) / (this.levels - 1) || 1e-12;
      let err = 0;
      for (let i = 0; i < h.bins; i++) {
        const c = h.counts[i]!;
        if (c === 0) continue;
        const v = h.lo + h.width * (i + 0.5);
        const clipped = Math.min(hi, Math.max(lo, v));
        const q = lo + Math.round((clipped - lo) / step) * step;
        err += c * ((v - q) ** 2 + (h.width * h.width) / 12);
      }
      if (err < bestErr) {
        bestErr = err;
        best = [lo, hi];
      }
    }
    return best;
  }
}

/**
 * Creates an observer: `minmax` (running min and max), `moving-average` (exponential moving average
 * of each batch's min/max), `percentile` (histogram quantiles, clipping outliers), `mse` (the range
 * that minimises the quantization error of the observed histogram).
 *
 * @example
 * ```ts
 * const o = createObserver('percentile', { percentile: 99.9 });
 * const activations = Float32Array.from({ length: 1000 }, (_, i) => (i % 100) / 10 - 5);
 * o.observe(activations);
 * const [min, max] = o.range();
 * ```
 */
export function createObserver(kind: ObserverKind, options: ObserverOptions = {}): Observer {
  const bins = options.bins ?? 2048;
  if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0) throw new QkernError("createObserver", "options.bins", `must be an even integer >= 2, got ${bins}`);
  switch (kind) {
    case "minmax":
      return new MinMax();
    case "moving-average": {
      const c = options.averagingConstant ?? 0.01;
      if (!(c > 0 && c <= 1)) throw new QkernError("createObserver", "options.averagingConstant", `must be in (0, 1], got ${c}`);
      return new MovingAverage(c);
    }
    case "percentile": {
      const p = options.percentile ?? 99.99;
      if (!(p > 50 && p <= 100)) throw new QkernError("createObserver", "options.percentile", `must be in (50, 100], got ${p}`);
      return new Percentile(p, bins);
    }
    case "mse": {
      const levels = options.levels ?? 256;
      if (!Number.isInteger(levels) || levels < 2) throw new QkernError("createObserver", "options.levels", `must be an integer >= 2, got ${levels}`);
      return new Mse(bins, levels);
    }
    default:
      throw new QkernError("createObserver", "kind", `must be 'minmax', 'moving-average', 'percentile' or 'mse', got ${String(kind)}`);
  }
}
