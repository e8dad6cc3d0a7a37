// The operators the loader runs, by TFLite builtin name. Adding an operator: a Lowering in this
// folder and one line here.

import { convolution, fullyConnected } from "./conv.js";
import type { Lowering } from "./context.js";
import { binaryOp } from "./elementwise.js";
import { pad, reshape, transpose } from "./layout.js";
import { hardSwish, logistic, tanh } from "./nonlinear.js";
import { averagePool, mean, softmaxOp } from "./pool.js";
import { concatenation, dequantizeOp, maxPool, quantizeOp, reluOp } from "./tensor-ops.js";
import { resizeBilinear, resizeNearest } from "./resize.js";

export const LOWERINGS: Readonly<Record<string, Lowering>> = {
  CONV_2D: convolution,
  DEPTHWISE_CONV_2D: convolution,
  FULLY_CONNECTED: fullyConnected,
  ADD: binaryOp,
  SUB: binaryOp,
  MUL: binaryOp,
  MEAN: mean,
  AVERAGE_POOL_2D: averagePool,
  SOFTMAX: softmaxOp,
  PAD: pad,
  TRANSPOSE: transpose,
  RESHAPE: reshape,
  SQUEEZE: reshape,
  QUANTIZE: quantizeOp,
  DEQUANTIZE: dequantizeOp,
  RELU: reluOp,
  RELU6: reluOp,
  RELU_N1_TO_1: reluOp,
  CONCATENATION: concatenation,
  MAX_POOL_2D: maxPool,
  LOGISTIC: logistic,
  TANH: tanh,
  HARD_SWISH: hardSwish,
  RESIZE_BILINEAR: resizeBilinear,
  RESIZE_NEAREST_NEIGHBOR: resizeNearest,
};

/** Supported operator names, for error messages and docs. */
export const SUPPORTED_OPS: readonly string[] = Object.keys(LOWERINGS);
