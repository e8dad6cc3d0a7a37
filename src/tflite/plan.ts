// A decoded TFLite model as the graph runner's input (src/graph/runner.ts): which operators run as
// steps (PADs folded into the convolution reading them and RESHAPE aliases do not), what each step
// reads and writes, which tensors are the same bytes, and which are pinned (graph inputs and
// outputs: the caller writes and reads them between runs).

import type { RunnerGraph, RunnerTensor } from "../graph/runner.js";
import { quantFor } from "../tensor.js";
import type { Lowering } from "./lower/context.js";
import type { TfliteModel, TfliteOperator } from "./model.js";
import { activationDtype, perTensor, type PadFolds } from "./steps.js";

const op = "loadModel";

/** The runner's graph of `g` and, in the same order as its steps, the operators they run. */
export function planTflite(g: TfliteModel, lowerings: Readonly<Record<string, Lowering>>, folds: PadFolds, separate: boolean): { graph: RunnerGraph; operators: readonly TfliteOperator[] } {
  const isConst = (i: number): boolean => g.tensors[i]!.data !== null;
  const source = (i: number): number => folds.byTensor.get(i)?.input ?? i;
  const aliases = new Map<number, number>();
  const rootOf = (i: number): number => aliases.get(i) ?? i;
  const tensors: Array<RunnerTensor | undefined> = [];
  const activation = (i: number): void => {
    if (tensors[i] !== undefined) return;
    const t = g.tensors[i]!;
    const dtype = activationDtype(t);
    tensors[i] = { name: t.name, dtype, shape: t.shape, quant: quantFor(op, dtype, t.shape, { quant: perTensor(t) }) };
  };
  for (const i of g.inputs) activation(i);
  const operators: TfliteOperator[] = [];
  const steps: RunnerGraph["steps"][number][] = [];
  for (const o of g.operators) {
    if (folds.byOp.has(o.index)) continue;
    if (lowerings[o.op]!.alias?.(g, o) === true) {
      activation(o.outputs[0]!);
      aliases.set(o.outputs[0]!, rootOf(o.inputs[0]!));
      continue;
    }
    const reads = o.inputs.filter((i) => i >= 0 && !isConst(i)).map(source);
    reads.forEach(activation);
    o.outputs.forEach(activation);
    operators.push(o);
    steps.push({ index: o.index, op: o.op, reads, writes: o.outputs });
  }
  const pinned = [...g.inputs, ...g.outputs].filter((i) => !isConst(i));
  pinned.forEach(activation);
  return { graph: { tensors, steps, aliases, pinned, separate }, operators };
}
