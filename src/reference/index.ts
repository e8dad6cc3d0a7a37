/**
 * Reference implementations (`qkern/reference`): short, obviously-right TypeScript versions of
 * qkern's numeric contracts, for checking qkern and other runtimes. Slow by design.
 *
 * @example
 * ```ts
 * import { quantizeLinear, requantizeFixedpoint } from 'qkern/reference';
 * quantizeLinear([0.5, -1], [2], 'int8', { scale: 0.01 });        // Int32Array [50, -100]
 * requantizeFixedpoint(1000, 1 << 30, -3, 0, -128, 127);            // 63 (1000 · 0.5 / 8 rounded)
 * ```
 * @packageDocumentation
 */
export {
  channelOf,
  dequantizeLinear,
  dynamicParamsS8,
  dynamicParamsU8,
  quantizeLinear,
  quantizeValue,
  rangeOf,
  roundHalfEven,
  type RefQuant,
} from "./quantize.js";
export { fp32Multiplier, quantizeMultiplierRef, rdbpot, requantizeFixedpoint, requantizeFp32, srdhm } from "./requantize.js";
export { gemmFixedpointStage, gemmFloatStage, gemmFp32Stage, matmulInteger, type RefGemm } from "./gemm.js";
export { depthwiseFloat, depthwiseInteger, depthwiseOutputSize, samePadding, type RefDepthwise } from "./depthwise.js";
export { decodeMatMulNBits, decodeQ4_0, int4BlockSums, int4Float, palettizedBlockSums, quantizeActivationsRef } from "./int4.js";
export { conv2dFloat, conv2dInteger, convOutputSize, qaddFixedpoint, qaddFp32, qaverage, qfunction, qmul, type RefConv } from "./nn.js";
export {
  avgPoolTflite, meanLitert, meanTfliteBuiltin, meanTfliteMicro, tfliteActivationRange, tfliteMultiplyByQuantizedMultiplier, tflitePoolPadding, tfliteQuantizeMultiplier,
  type RefTflitePool, type RefTfliteQuant, type TfliteActivation,
} from "./tflite.js";
export { expfMusl, gemmlowpExpOnNegativeValues, softmaxParamsTflite, softmaxTfliteLitert, softmaxTfliteReference } from "./tflite-softmax.js";
export { broadcastIndexRef, tfliteAddRef, tfliteConcatRequantRef, tfliteMulRef, tfliteQuantizeRef, tfliteReluRef, tfliteRequantizeRef } from "./tflite-elementwise.js";
export { gemmlowpExp, hardSwishTflite, tfliteActivationReference, tfliteActivationXnnpack } from "./tflite-activations.js";
export { resizeBilinearTfliteInteger, resizeBilinearXnnpack, resizeNearestTflite, type RefResize } from "./tflite-resize.js";
