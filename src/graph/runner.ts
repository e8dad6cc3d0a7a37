// The graph runner every network goes through: loaded model files (src/tflite/load.ts) and the
// networks written in code (src/models/). A graph arrives as tensors and steps (what each step reads
// and writes); the runner plans every activation once (graph inputs and outputs, and tensors the
// caller pins, in allocations of their own; every other tensor in one arena where tensors whose
// lifetimes do not overlap share bytes: arena.ts), holds what the steps own, runs the steps in order
// with per-step timings, and frees everything in `dispose`. The steps themselves (closures over
// qkern's public ops with caller-provided outputs) come from the front end that lowered the graph.

import { QkernError } from "../errors.js";
import type { DType } from "../dtype.js";
import type { QuantParams } from "../quant.js";
import type { Qkern } from "../qkern.js";
import { viewOf, type Tensor } from "../tensor.js";
import { planArena } from "./arena.js";

/** A tensor of the graph: what the runner allocates. */
export interface RunnerTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Per-tensor parameters (activations are per tensor), or null. */
  readonly quant: QuantParams | null;
}

/** A step: which tensors it reads and writes (indices into the tensors). */
export interface RunnerStep {
  /** The front end's name for it: a TFLite operator index, a layer's position. */
  readonly index: number;
  readonly op: string;
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/** What the runner plans: tensors, steps, aliases (a tensor that is another's bytes seen in another shape) and pinned tensors. */
export interface RunnerGraph {
  /** By index; holes for indices that are not activations (constants of a model file). */
  readonly tensors: ReadonlyArray<RunnerTensor | undefined>;
  readonly steps: readonly RunnerStep[];
  /** Tensor → the tensor whose bytes it is (RESHAPE). The root must not itself be an alias. */
  readonly aliases?: ReadonlyMap<number, number>;
  /** Tensors in allocations of their own (graph inputs and outputs: the caller writes and reads them between runs). */
  readonly pinned: readonly number[];
  /** Every tensor in an allocation of its own (guard mode: guards around each). */
  readonly separate?: boolean;
}

/** Time of one step of the last run. */
export interface StepTiming {
  readonly index: number;
  readonly op: string;
  readonly ms: number;
}

/** Activation memory of a planned graph. */
export interface RunnerMemory {
  /** Bytes of the arena holding every unpinned tensor. */
  readonly arenaBytes: number;
  /** What those tensors would take without sharing. */
  readonly unsharedBytes: number;
  /** Bytes of the pinned tensors (in guard mode: of every tensor). */
  readonly ioBytes: number;
}

type Slot = { readonly base: Tensor; readonly offset: number };

/** @internal See the file's header. */
export class GraphRunner {
  readonly memory: RunnerMemory;
  /** Per-step times of the last `execute`. */
  timings: readonly StepTiming[] = [];
  private readonly tensors: Array<Tensor | undefined> = [];
  private readonly slots = new Map<Tensor, Slot>();
  private readonly owned: Array<{ dispose(): void }> = [];
  private readonly runs: Array<(() => void) | undefined> = [];

  constructor(readonly qk: Qkern, readonly graph: RunnerGraph, private readonly op: string) {
    try {
      this.memory = this.allocate();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The planned tensor `i` (a QkernError when the graph has none there). */
  tensor(i: number): Tensor {
    const t = this.tensors[i];
    if (t === undefined) throw new QkernError(this.op, `tensor ${i}`, "is not an activation of this graph (an internal planning error)");
    return t;
  }

  /** Whether tensor `i` is planned. */
  has(i: number): boolean {
    return this.tensors[i] !== undefined;
  }

  /** `t`'s bytes seen with another shape (no copy); `t` must be a tensor of this runner (or adopted). */
  reshaped(t: Tensor, shape: readonly number[]): Tensor {
    const slot = this.slots.get(t);
    if (slot === undefined) throw new QkernError(this.op, "reshape", `${t} is not an activation of this graph`);
    const x = viewOf(slot.base, slot.offset, t.dtype, shape, t.quant, this.op);
    this.slots.set(x, slot);
    return x;
  }

  /** Hands `x` to the runner: disposed with it. */
  own<T extends { dispose(): void }>(x: T): T {
    this.owned.push(x);
    return x;
  }

  /** An owned tensor allocated outside the plan (a constant read as an activation) that `reshaped` accepts. */
  adopt(t: Tensor): Tensor {
    this.own(t);
    this.slots.set(t, { base: t, offset: 0 });
    return t;
  }

  /** Sets the closure of step `k` (its position in `graph.steps`). */
  bind(k: number, run: () => void): void {
    this.runs[k] = run;
  }

  /**
   * Runs every step in order and records their times; `after` sees each step once it ran. A
   * QkernError from a step is re-thrown naming the step (`describe`).
   */
  execute(describe: (s: RunnerStep) => string, after?: (s: RunnerStep, k: number, ms: number) => void): void {
    const steps = this.graph.steps;
    const timings: StepTiming[] = [];
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k]!;
      const run = this.runs[k];
      if (run === undefined) throw new QkernError(this.op, describe(s), "has no kernel bound (an internal planning error)");
      const t0 = performance.now();
      try {
        run();
      } catch (e) {
        if (!(e instanceof QkernError)) throw e;
        throw new QkernError(this.op, describe(s), `cannot run: ${e.message}`);
      }
      const ms = performance.now() - t0;
      timings.push({ index: s.index, op: s.op, ms });
      after?.(s, k, ms);
    }
    this.timings = timings;
  }

  /** Frees the arena, the pinned tensors and everything owned. Idempotent. */
  dispose(): void {
    for (const x of this.owned) x.dispose();
    this.owned.length = 0;
    this.runs.length = 0;
  }

  private allocate(): RunnerMemory {
    const g = this.graph;
    const aliases = g.aliases ?? new Map<number, number>();
    const rootOf = (i: number): number => aliases.get(i) ?? i;
    // Lifetimes of roots, in steps: written first at `first`, read last at `last` (pinned ones live throughout).
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    g.steps.forEach((s, k) => {
      for (const i of s.writes) {
        const r = rootOf(i);
        if (!first.has(r)) first.set(r, k);
        last.set(r, Math.max(last.get(r) ?? k, k));
      }
      for (const i of s.reads) last.set(rootOf(i), k);
    });
    const pinned = new Set(g.pinned.map(rootOf));
    const roots = [...new Set([...first.keys(), ...last.keys(), ...pinned])].filter((r) => g.tensors[r] !== undefined);
    const own = roots.filter((r) => g.separate === true || pinned.has(r));
    const shared = roots.filter((r) => !(g.separate === true || pinned.has(r)));
    const bytesOf = (r: number): number => {
      const t = g.tensors[r]!;
      return t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "float32" || t.dtype === "int32" ? 4 : 1);
    };
    let ioBytes = 0;
    for (const r of own) {
      const t = g.tensors[r]!;
      const x = this.own(this.qk.empty(t.dtype, t.shape, t.quant === null ? {} : { quant: t.quant }));
      this.tensors[r] = x;
      this.slots.set(x, { base: x, offset: 0 });
      ioBytes += x.byteLength;
    }
    const plan = planArena(shared.map((r) => ({ bytes: bytesOf(r), first: first.get(r) ?? 0, last: last.get(r) ?? first.get(r) ?? 0 })));
    if (shared.length > 0) {
      const arena = this.own(this.qk.empty("uint8", [plan.bytes]));
      shared.forEach((r, k) => {
        const t = g.tensors[r]!;
        const slot = { base: arena, offset: plan.offsets[k]! };
        const x = viewOf(arena, slot.offset, t.dtype, t.shape, t.quant, this.op);
        this.tensors[r] = x;
        this.slots.set(x, slot);
      });
    }
    for (const [i, r] of aliases) {
      const root = this.tensors[r];
      if (root === undefined || aliases.has(r)) throw new QkernError(this.op, `tensor ${i}`, `aliases tensor ${r}, which is not planned (an internal planning error)`);
      const t = g.tensors[i]!;
      const slot = this.slots.get(root)!;
      const x = viewOf(slot.base, slot.offset, t.dtype, t.shape, t.quant, this.op);
      this.tensors[i] = x;
      this.slots.set(x, slot);
    }
    return { arenaBytes: plan.bytes, unsharedBytes: plan.unshared, ioBytes };
  }
}
