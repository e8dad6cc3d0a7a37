// An inverted-residual block (src/tflite/fuse.ts) as one step over tiles of output rows: for each
// tile, the expansion rows it needs (those the previous tile already expanded are moved to the
// front of a small buffer, the others computed), the depthwise convolution of those rows (the
// image's top and bottom padding where the tile touches them), the projection, and the residual ADD.
// Every call is the same public op on the same integer data as the unfused operators, with the same
// output quantization and clamps, so the bytes are identical (tests compare with `fuse: false`).

import { add } from "../../ops/add.js";
import type { Tensor } from "../../tensor.js";
import { viewOf } from "../../tensor.js";
import type { Block } from "../fuse.js";
import { QkernError } from "../../errors.js";
import { activationDtype, perTensor } from "../steps.js";
import { convStep, prepareConv } from "./conv.js";
import type { LowerContext } from "./context.js";

const op = "loadModel";

/** Bytes the expansion and depthwise buffers of one tile aim at (they stay in L2 with room to spare). */
export const TILE_BYTES = 160 * 1024;

/** A view of `rows` rows of NHWC `t` (batch 1) starting at row `row`. */
function rowsOf(t: Tensor, row: number, rows: number): Tensor {
  const [, , w, c] = t.shape as [number, number, number, number];
  return viewOf(t, row * w * c, t.dtype, [1, rows, w, c], t.quant, op);
}

export function lowerBlock(cx: LowerContext, b: Block, where: string, tileBytes = TILE_BYTES): () => void {
  const g = cx.graph;
  const x = cx.act(b.input);
  const y = cx.act(b.output);
  const expand = b.expand ? prepareConv(cx, b.expand, `${where}: operator ${b.expand.index} (CONV_2D)`) : null;
  const dw = prepareConv(cx, b.depthwise, `${where}: operator ${b.depthwise.index} (DEPTHWISE_CONV_2D)`);
  const project = prepareConv(cx, b.project, `${where}: operator ${b.project.index} (CONV_2D)`);
  // Buffers of a tensor of the graph that no longer exists as a whole: its dtype and quantization.
  const tensorLike = (i: number, shape: readonly number[]): Tensor => {
    const t = g.tensors[i]!;
    return cx.own(cx.qk.empty(activationDtype(t), shape, { quant: perTensor(t) }));
  };
  const [, h, w] = x.shape as [number, number, number, number];
  const eInfo = g.tensors[b.expand ? b.expand.outputs[0]! : b.input]!;
  const ce = eInfo.shape[3]!;
  const dOut = b.depthwise.outputs[0]!;
  const [, ho, wo] = g.tensors[dOut]!.shape as [number, number, number, number];
  const pOut = b.project.outputs[0]!;
  const cout = g.tensors[pOut]!.shape[3]!;
  const [, kh, kw] = g.tensors[b.depthwise.inputs[1]!]!.shape as [number, number, number, number];
  const [sh, sw] = dw.options.strides;
  // The depthwise padding as explicit rows and columns.
  const pads = (size: number, out: number, k: number, s: number, p: typeof dw.options.padding, before: number, after: number): [number, number] => {
    if (Array.isArray(p)) return [p[before]!, p[after]!];
    if (p === "valid") return [0, 0];
    const total = Math.max((out - 1) * s + k - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [pt] = pads(h, ho, kh, sh, dw.options.padding, 0, 2);
  const [pl, pr] = pads(w, wo, kw, sw, dw.options.padding, 1, 3);
  const rowBytes = w * ce;
  const tile = Math.max(1, Math.min(ho, Math.floor((tileBytes - Math.max(kh - sh, 0) * rowBytes) / (sh * rowBytes + wo * ce))));
  const inRows = (tile - 1) * sh + kh;
  // The expanded activation of a tile's input rows, the depthwise output, and the projection before the ADD.
  const eBuf = expand ? tensorLike(b.expand!.outputs[0]!, [1, inRows, w, ce]) : null;
  const dBuf = tensorLike(dOut, [1, tile, wo, ce]);
  const pBuf = b.add ? tensorLike(pOut, [1, tile, wo, cout]) : null;
  // The ADD as the loader's ADD computes it (lower/elementwise.ts): TFLite's arithmetic of the numerics.
  const activation = b.add?.options.activation ?? "none";
  if (activation !== "none" && activation !== "relu" && activation !== "relu6" && activation !== "relu_n1_to_1") throw new QkernError(op, where, `fused activation ${activation} is not supported`);
  const addOpts = { numerics: cx.numerics, activation } as const;
  const steps: Array<() => void> = [];
  let prev: [number, number] | null = null;
  for (let oy0 = 0; oy0 < ho; oy0 += tile) {
    const oy1 = Math.min(ho, oy0 + tile);
    const r0 = oy0 * sh - pt;
    const r1 = (oy1 - 1) * sh - pt + kh;
    const c0 = Math.max(0, r0);
    const c1 = Math.min(h, r1);
    let dIn: Tensor;
    if (eBuf !== null) {
      // Rows [c0, prev end) were expanded for the previous tile: move them to the front.
      const keep = prev === null ? 0 : Math.max(0, prev[1] - c0);
      if (keep > 0) {
        const from = (c0 - prev![0]) * rowBytes;
        const bytes = keep * rowBytes;
        if (from > 0) steps.push(() => void cx.qk.rt.views().u8.copyWithin(eBuf.ptr, eBuf.ptr + from, eBuf.ptr + from + bytes));
      }
      if (c1 - c0 - keep > 0) steps.push(convStep(expand!, rowsOf(x, c0 + keep, c1 - c0 - keep), rowsOf(eBuf, keep, c1 - c0 - keep)));
      dIn = rowsOf(eBuf, 0, c1 - c0);
    } else dIn = rowsOf(x, c0, c1 - c0);
    prev = [c0, c1];
    const dOutRows = rowsOf(dBuf, 0, oy1 - oy0);
    steps.push(convStep({ ...dw, options: { ...dw.options, padding: [c0 - r0, pl, r1 - c1, pr] } }, dIn, dOutRows));
    if (b.add === null) {
      steps.push(convStep(project, dOutRows, rowsOf(y, oy0, oy1 - oy0)));
      continue;
    }
    const p = rowsOf(pBuf!, 0, oy1 - oy0);
    steps.push(convStep(project, dOutRows, p));
    const xr = rowsOf(x, oy0, oy1 - oy0);
    const [a1, a2] = b.add.inputs[0] === pOut ? [p, xr] : [xr, p];
    const opts = { ...addOpts, out: rowsOf(y, oy0, oy1 - oy0) };
    steps.push(() => void add(a1, a2, opts));
  }
  return () => {
    for (let i = 0; i < steps.length; i++) steps[i]!();
  };
}
