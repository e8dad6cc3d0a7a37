// What an operator's lowering sees of the model being loaded (src/tflite/load.ts): the planned
// activation tensors, the file's constants, ownership of what it packs, and the numerics. A lowering
// turns one TFLite operator into the closure that runs it on qkern's public ops with caller-provided
// outputs; everything it allocates is owned by the model and freed by `dispose`.

import type { Qkern } from "../../qkern.js";
import type { Tensor } from "../../tensor.js";
import type { TfliteModel, TfliteOperator, TfliteTensor } from "../model.js";
import type { PadFolds } from "../steps.js";

export interface LowerContext {
  readonly qk: Qkern;
  readonly graph: TfliteModel;
  /** `litert`: float32 requantization (XNNPACK); `reference`: TFLite's reference kernels (fixed point). */
  readonly numerics: "litert" | "reference";
  /** The requantization stage of the numerics (`fp32` for litert, `fixedpoint` for reference). */
  readonly stage: "fp32" | "fixedpoint";
  /** PADs folded into the convolution that reads them. */
  readonly pads: PadFolds;
  /** The activation tensor of TFLite tensor `i` (planned at load: a slot of the arena, or its own allocation). */
  act(i: number): Tensor;
  /** The constant TFLite tensor `i` (a QkernError if it is an activation). */
  constant(i: number): TfliteTensor;
  /** Hands `x` to the model: disposed with it. */
  own<T extends { dispose(): void }>(x: T): T;
  /** A new tensor like `like` (dtype, quantization) of `shape`, owned by the model. */
  scratch(like: Tensor, shape: readonly number[]): Tensor;
  /** The same bytes as `t` seen with another shape (no copy). */
  reshaped(t: Tensor, shape: readonly number[]): Tensor;
}

/** How one TFLite operator runs. */
export interface Lowering {
  /** The run closure of operator `o` (`where` names it for errors). */
  lower(cx: LowerContext, o: TfliteOperator, where: string): () => void;
  /** True when the operator's output is its first input's bytes unchanged (RESHAPE): it then runs as an alias, no step at all. */
  alias?(g: TfliteModel, o: TfliteOperator): boolean;
}

/** The operator's optional input `k` (-1 or absent: none). */
export function optionalInput(o: TfliteOperator, k: number): number | null {
  const i = o.inputs[k];
  return i === undefined || i === -1 ? null : i;
}
