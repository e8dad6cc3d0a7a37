// The suite interface and the measuring loop. A suite lists cases; setting a case up yields
// variants, each with one timed task per engine (every qkern build and every peer). `measure`
// interleaves the engines (docs/benchmarks.md): R rounds, each running every task briefly through
// tinybench; it reports the median over rounds of per-round medians, and ratios against the best
// peer as the median over rounds of per-round ratios, so a noise burst hits one round, not an engine.
import { Bench } from 'tinybench';
import type { Isa, Qkern } from 'qkern';
import type { Ort } from '../peers/ort.js';
import type { Tfjs } from '../peers/tfjs.js';

export type Engine = 'qkern' | 'ort' | 'tfjs' | 'litert' | 'js';
/** Throughput unit of a variant: GB/s (bytes read + written) or GOPS (e.g. 2·M·N·K). */
export type Unit = 'gbps' | 'gops';

/** One engine's way to compute a variant. `fn` is what gets timed: no allocation inside if avoidable. */
export interface EngineTask {
  readonly engine: Engine;
  /** The qkern build; null for peers. */
  readonly isa: Isa | null;
  readonly fn: () => unknown;
  /** Set for functions returning a promise (e.g. ORT's `session.run`). */
  readonly async?: boolean;
}

/** One measured operation of a case (e.g. `quantize-s8`) and its work per call. */
export interface Variant {
  readonly name: string;
  readonly unit: Unit;
  /** Bytes moved (gbps) or operations (gops) by one call. */
  readonly work: number;
  readonly tasks: readonly EngineTask[];
}

/** What a suite's `setup` returns for one case. */
export interface CaseRun {
  readonly variants: readonly Variant[];
  /** Frees tensors and sessions of the case. */
  teardown(): void | Promise<void>;
}

/** What suites get from the runner. */
export interface Context {
  readonly quick: boolean;
  /** One instance per qkern build this process runs. */
  readonly qkerns: readonly Qkern[];
  /**
   * Threaded instances (`--threads 1,2,...`: each count above 1, for each SIMD build), empty by
   * default; the gemm and e2e suites time them beside `qkerns`, in rows named `<variant>·<n>t`.
   */
  readonly threaded: readonly Qkern[];
  /** onnxruntime-web (wasm backend, one thread), loaded on first use. */
  ort(): Promise<Ort>;
  /** tfjs-core with the wasm backend (one thread), initialised on first use. */
  tfjs(): Promise<Tfjs>;
  /** Records a correctness check of one engine against the reference; mismatches are printed loudly. */
  check(variant: string, who: string, mismatches: number, total: number): void;
}

/** A benchmark suite: `bench/suites/<name>.ts`, registered in `bench/run.ts`. */
export interface Suite<C extends { readonly name: string } = { readonly name: string }> {
  readonly name: string;
  readonly cases: readonly C[];
  /** Allocates inputs, checks every engine's output once, and returns the timed tasks. */
  setup(c: C, ctx: Context): Promise<CaseRun>;
}

export interface MeasureOptions {
  /** Measured rounds (one extra warm-up round runs first and is discarded). */
  readonly rounds: number;
  /** tinybench time budget per task per round, ms. */
  readonly timeMs: number;
  /** Minimum calls per task per round. */
  readonly minIterations: number;
  /** Warm-up budget per task per round, ms (re-warms caches after the other engines ran). */
  readonly warmupMs: number;
}

/** Result of one engine on one variant. */
export interface Measured {
  readonly engine: Engine;
  readonly isa: Isa | null;
  readonly medianMs: number;
  /** GB/s or GOPS, from `medianMs`. */
  readonly rate: number;
  /** Median over rounds of (best peer's time / this engine's time): > 1 is faster than the best peer. */
  readonly vsBestPeer: number;
  /** Whether this row is the best peer of the variant. */
  readonly bestPeer: boolean;
}

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = v.length >> 1;
  return v.length % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

/** A typed array of 1-, 2- or 4-byte elements. */
export type Typed = ArrayBufferView & { readonly length: number; readonly BYTES_PER_ELEMENT: number };

/** Number of elements whose bits differ (floats compare bit patterns); −1 if the shapes differ. */
export function countMismatches(a: Typed, b: Typed): number {
  if (a.length !== b.length || a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return -1;
  const View: new (b: ArrayBufferLike, offset: number, length: number) => ArrayLike<number> =
    a.BYTES_PER_ELEMENT === 4 ? Uint32Array : a.BYTES_PER_ELEMENT === 2 ? Uint16Array : Uint8Array;
  const x = new View(a.buffer, a.byteOffset, a.length);
  const y = new View(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

/** Times every task of `v` in interleaved rounds and summarises them. */
export async function measure(v: Variant, opt: MeasureOptions): Promise<Measured[]> {
  const tasks = v.tasks;
  const n = tasks.length;
  const times: number[][] = tasks.map(() => []);
  const dead = new Set<number>();
  for (let r = -1; r < opt.rounds; r++) {
    const bench = new Bench({
      time: opt.timeMs,
      iterations: opt.minIterations,
      warmupTime: r < 0 ? 4 * opt.warmupMs : opt.warmupMs,
      warmupIterations: r < 0 ? 4 : 1,
      timestampProvider: 'hrtimeNow',
    });
    for (let k = 0; k < n; k++) {
      const i = (k + r + 1) % n; // rotate the order so no engine always runs right after another
      const t = tasks[i]!;
      if (!dead.has(i)) bench.add(String(i), t.fn, { async: t.async === true });
    }
    await bench.run();
    const round = tasks.map(() => NaN);
    for (const task of bench.tasks) {
      const i = Number(task.name);
      const res = task.result;
      if (res.state === 'completed') round[i] = res.latency.p50;
      else if (res.state === 'errored') {
        dead.add(i);
        console.error(`!! ${v.name} ${label(tasks[i]!)} failed: ${res.error.message}`);
      }
    }
    if (r >= 0) round.forEach((ms, i) => times[i]!.push(ms));
  }
  const medians = times.map(median);
  let best = -1;
  tasks.forEach((t, i) => {
    if (t.engine !== 'qkern' && Number.isFinite(medians[i]) && (best < 0 || medians[i]! < medians[best]!)) best = i;
  });
  return tasks.map((t, i) => {
    const ms = medians[i]!;
    const ratios = best < 0 ? [] : times[i]!.map((x, r) => times[best]![r]! / x);
    return {
      engine: t.engine,
      isa: t.isa,
      medianMs: ms,
      rate: v.work / (ms * 1e6),
      vsBestPeer: median(ratios),
      bestPeer: i === best,
    };
  });
}

/** `qkern/simd128`, `ort`, … */
export function label(t: { readonly engine: Engine; readonly isa: Isa | null }): string {
  return t.isa === null ? t.engine : `${t.engine}/${t.isa}`;
}
