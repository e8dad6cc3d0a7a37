// Inverted-residual blocks (MobileNetV2, EfficientNet-Lite): [expand 1×1 CONV_2D] → DEPTHWISE_CONV_2D
// → project 1×1 CONV_2D [→ ADD of the block's input], found in a decoded model so the loader can run
// each as one step over row tiles (lower/block.ts): the expanded and depthwise activations then live
// in small buffers that stay in cache instead of full tensors. Only the arrangement changes: every
// operator still runs as the same public op on the same bytes, so outputs are identical.

import type { TfliteModel, TfliteOperator } from "./model.js";
import type { PadFolds } from "./steps.js";

/** One block: its operators, the tensor it reads and the one it writes. */
export interface Block {
  readonly expand: TfliteOperator | null;
  readonly depthwise: TfliteOperator;
  readonly project: TfliteOperator;
  readonly add: TfliteOperator | null;
  /** The block's input (NHWC) and output tensors. */
  readonly input: number;
  readonly output: number;
  /** The depthwise input's explicit padding [top, left, bottom, right] when a PAD was folded into it, else null (its own padding). */
  readonly pads: readonly [number, number, number, number] | null;
  /** Every operator of the block (folded PADs included), by index. */
  readonly members: ReadonlySet<number>;
}

/** Smallest expanded activation (bytes) worth tiling: below it the tensor stays in cache anyway. */
export const FUSE_MIN_BYTES = 96 * 1024;

/** The blocks of `g` whose expanded activation has at least `minBytes` bytes. */
export function findBlocks(g: TfliteModel, folds: PadFolds, minBytes = FUSE_MIN_BYTES): Block[] {
  const readers = new Map<number, TfliteOperator[]>();
  const writer = new Map<number, TfliteOperator>();
  for (const o of g.operators) {
    for (const i of new Set(o.inputs)) if (i >= 0) readers.set(i, [...(readers.get(i) ?? []), o]);
    for (const i of o.outputs) writer.set(i, o);
  }
  const outputs = new Set(g.outputs);
  /** The only reader of tensor t, if it has exactly one and t is not a graph output. */
  const only = (t: number): TfliteOperator | null => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && !outputs.has(t) ? r[0]! : null;
  };
  const size = (t: number): number => g.tensors[t]!.shape.reduce((a, b) => a * b, 1);
  const pointwise = (o: TfliteOperator | null | undefined): o is TfliteOperator => {
    if (!o || o.op !== "CONV_2D" || o.outputs.length !== 1 || !(o.inputs[0]! >= 0) || !(o.inputs[1]! >= 0)) return false;
    const w = g.tensors[o.inputs[1]!]!.shape;
    return w.length === 4 && w[1] === 1 && w[2] === 1 && w[3] === g.tensors[o.inputs[0]!]!.shape[3] && o.options.strideH === 1 && o.options.strideW === 1 && (o.options.dilationH ?? 1) === 1 && (o.options.dilationW ?? 1) === 1 && g.tensors[o.inputs[0]!]!.shape.length === 4;
  };
  const blocks: Block[] = [];
  const used = new Set<number>();
  for (const dw of g.operators) {
    if (dw.op !== "DEPTHWISE_CONV_2D" || used.has(dw.index)) continue;
    if ((dw.options.dilationH ?? 1) !== 1 || (dw.options.dilationW ?? 1) !== 1 || dw.outputs.length !== 1 || !(dw.inputs[0]! >= 0) || !(dw.inputs[1]! >= 0)) continue;
    // Malformed shapes are left to the operators' own checks (the unfused path refuses them).
    const wShape = g.tensors[dw.inputs[1]!]!.shape;
    if (wShape.length !== 4 || g.tensors[dw.inputs[0]!]!.shape.length !== 4 || g.tensors[dw.outputs[0]!]!.shape.length !== 4) continue;
    const dIn = dw.inputs[0]!;
    const fold = folds.byTensor.get(dIn);
    const eT = fold ? fold.input : dIn;
    if (wShape[3] !== g.tensors[eT]!.shape[3]) continue; // channel multiplier 1 only
    if (fold && only(dIn) !== dw) continue;
    const project = only(dw.outputs[0]!);
    if (!pointwise(project) || project.inputs[0] !== dw.outputs[0]) continue;
    const ex = writer.get(eT);
    // The expansion belongs to the block when the depthwise convolution (or the PAD folded into it) is its only reader.
    const eReaders = readers.get(eT) ?? [];
    const expand = pointwise(ex) && !used.has(ex.index) && !outputs.has(eT) && eReaders.length === 1 && (fold ? folds.byOp.has(eReaders[0]!.index) : eReaders[0] === dw) ? ex : null;
    const input = expand ? expand.inputs[0]! : eT;
    if (g.tensors[input]!.data !== null || g.tensors[input]!.shape[0] !== 1) continue;
    const pOut = project.outputs[0]!;
    const addOp = only(pOut);
    const add = addOp && addOp.op === "ADD" && addOp.inputs.length === 2 && addOp.inputs.includes(pOut) && addOp.inputs.includes(input) && addOp.inputs[0] !== addOp.inputs[1]
      && g.tensors[input]!.shape.join() === g.tensors[pOut]!.shape.join() ? addOp : null;
    if (size(expand ? expand.outputs[0]! : input) < minBytes) continue;
    const members = new Set<number>([dw.index, project.index]);
    if (expand) members.add(expand.index);
    if (add) members.add(add.index);
    if (fold) for (const o of g.operators) if (folds.byOp.has(o.index) && o.outputs[0] === dIn) members.add(o.index);
    const pads = fold ? fold.pads : null;
    blocks.push({ expand, depthwise: dw, project, add, input, output: add ? add.outputs[0]! : pOut, pads, members });
    for (const m of members) used.add(m);
  }
  return blocks;
}

