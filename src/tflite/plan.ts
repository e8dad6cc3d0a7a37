// Which TFLite operators run as steps, which tensors are the same bytes (RESHAPE aliases, PADs folded
// into convolutions), and where every activation lives: graph inputs and outputs in allocations of
// their own (the caller writes and reads them between runs), every other activation in one arena
// planned from lifetimes (src/graph/arena.ts).

import { planArena, type ArenaPlan } from "../graph/arena.js";
import type { Lowering } from "./lower/context.js";
import type { TfliteModel, TfliteOperator } from "./model.js";
import { elementBytes, type PadFolds } from "./steps.js";

export interface TflitePlan {
  /** The operators that run, in order (folded PADs and aliases left out). */
  readonly steps: readonly TfliteOperator[];
  /** Every activation tensor (not a constant, not a folded PAD's output) → the tensor whose bytes it is (itself unless an alias). */
  readonly root: ReadonlyMap<number, number>;
  /** Roots with an allocation of their own. */
  readonly pinned: readonly number[];
  /** Roots in the arena, with their offsets in `arena.offsets` (same order). */
  readonly shared: readonly number[];
  readonly arena: ArenaPlan;
}

/** `separate`: give every activation its own allocation (guard mode: guards around each). */
export function planTflite(g: TfliteModel, lowerings: Readonly<Record<string, Lowering>>, folds: PadFolds, separate: boolean): TflitePlan {
  const isConst = (i: number): boolean => g.tensors[i]!.data !== null;
  const root = new Map<number, number>();
  const rootOf = (i: number): number => root.get(i) ?? i;
  for (const i of g.inputs) root.set(i, i);
  const steps: TfliteOperator[] = [];
  for (const o of g.operators) {
    if (folds.byOp.has(o.index)) continue;
    const low = lowerings[o.op]!;
    if (low.alias?.(g, o) === true) {
      root.set(o.outputs[0]!, rootOf(o.inputs[0]!));
      continue;
    }
    steps.push(o);
    for (const i of o.inputs) if (i >= 0 && !isConst(i)) root.set(folds.byTensor.get(i)?.input ?? i, rootOf(folds.byTensor.get(i)?.input ?? i));
    for (const i of o.outputs) root.set(i, i);
  }
  for (const i of g.outputs) if (!isConst(i) && !root.has(i)) root.set(i, i);
  // Lifetimes of roots, in steps: written at `first`, read last at `last`.
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  steps.forEach((o, s) => {
    for (const i of o.inputs) {
      if (i < 0 || isConst(i)) continue;
      const r = rootOf(folds.byTensor.get(i)?.input ?? i);
      last.set(r, s);
    }
    for (const i of o.outputs) {
      const r = rootOf(i);
      if (!first.has(r)) first.set(r, s);
      if (!last.has(r) || last.get(r)! < s) last.set(r, s);
    }
  });
  const roots = [...new Set(root.values())];
  const pinnedSet = new Set<number>([...g.inputs, ...g.outputs].filter((i) => !isConst(i)).map(rootOf));
  const pinned = roots.filter((r) => separate || pinnedSet.has(r));
  const shared = roots.filter((r) => !(separate || pinnedSet.has(r)));
  const bytes = (r: number): number => {
    const t = g.tensors[r]!;
    return elementBytes(t) * t.shape.reduce((a, b) => a * b, 1);
  };
  const arena = planArena(shared.map((r) => ({ bytes: bytes(r), first: first.get(r) ?? 0, last: last.get(r) ?? first.get(r) ?? 0 })));
  return { steps, root, pinned, shared, arena };
}
