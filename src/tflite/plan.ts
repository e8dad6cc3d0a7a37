// A decoded TFLite model as the graph runner's input (src/graph/runner.ts): which operators run as
// steps (PADs folded into the convolution reading them and RESHAPE aliases do not), what each step
// reads and writes, which tensors are the same bytes, and which are pinned (graph inputs and
// outputs: the caller writes and reads them between runs).

import type { RunnerGraph, RunnerTensor } from "../graph/runner.js";
import { quantFor } from "../tensor.js";
import type { Block } from "./fuse.js";
import type { Lowering } from "./lower/context.js";
import type { TfliteModel, TfliteOperator } from "./model.js";
import { activationDtype, perTensor, type PadFolds } from "./steps.js";

const op = "loadModel";

/** What one step runs: an operator, or a fused inverted-residual block (fuse.ts). */
export type PlannedStep = { readonly operator: TfliteOperator; readonly block?: undefined } | { readonly operator?: undefined; readonly block: Block };

/** The runner's graph of `g` and, in the same order as its steps, what they run. */
export function planTflite(g: TfliteModel, lowerings: Readonly<Record<string, Lowering>>, folds: PadFolds, separate: boolean, blocks: readonly Block[] = []): { graph: RunnerGraph; planned: readonly PlannedStep[] } {
  const isConst = (i: number): boolean => g.tensors[i]!.data !== null;
  const source = (i: number): number => folds.byTensor.get(i)?.input ?? i;
  const aliases = new Map<number, number>();
  const rootOf = (i: number): number => aliases.get(i) ?? i;
  const tensors: Array<RunnerTensor | undefined> = [];
  const activation = (i: number): void => {
    if (tensors[i] !== undefined) return;
    const t = g.tensors[i]!;
    // float32 only where QUANTIZE reads or DEQUANTIZE writes it (checkFloatUse, at load).
    const dtype = activationDtype(t, true);
    tensors[i] = { name: t.name, dtype, shape: t.shape, quant: dtype === "float32" ? null : quantFor(op, dtype, t.shape, { quant: perTensor(t) }) };
  };
  for (const i of g.inputs) activation(i);
  const planned: PlannedStep[] = [];
  const steps: RunnerGraph["steps"][number][] = [];
  // A block runs as one step where its last operator was; its other operators and inner tensors vanish.
  const blockOf = new Map<number, Block>();
  for (const b of blocks) for (const m of b.members) blockOf.set(m, b);
  for (const o of g.operators) {
    const b = blockOf.get(o.index);
    if (b !== undefined) {
      if (o !== (b.add ?? b.project)) continue;
      activation(b.input);
      activation(b.output);
      planned.push({ block: b });
      steps.push({ index: o.index, op: b.add ? "INVERTED_RESIDUAL+ADD" : "INVERTED_RESIDUAL", reads: [b.input], writes: [b.output] });
      continue;
    }
    if (folds.byOp.has(o.index)) continue;
    if (lowerings[o.op]!.alias?.(g, o) === true) {
      activation(o.outputs[0]!);
      aliases.set(o.outputs[0]!, rootOf(o.inputs[0]!));
      continue;
    }
    const reads = o.inputs.filter((i) => i >= 0 && !isConst(i)).map(source);
    reads.forEach(activation);
    o.outputs.forEach(activation);
    planned.push({ operator: o });
    steps.push({ index: o.index, op: o.op, reads, writes: o.outputs });
  }
  const pinned = [...g.inputs, ...g.outputs].filter((i) => !isConst(i));
  pinned.forEach(activation);
  return { graph: { tensors, steps, aliases, pinned, separate }, planned };
}
