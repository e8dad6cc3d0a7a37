/**
 * qkern: quantized int8/int4 kernels for WebAssembly behind a typed tensor API.
 *
 * @example
 * ```ts
 * import { createQkern, quantize, dequantize } from 'qkern';
 * const qk = await createQkern();
 * const x = qk.tensor([0.1, -0.5, 2]);
 * const q = quantize(x, { dtype: 'int8', scale: 0.02 });
 * console.log(qk.isa, q.toArray(), dequantize(q).toArray());
 * ```
 * @packageDocumentation
 */

import "./dispose-symbol.js";
export { createQkern, type CreateOptions } from "./create.js";
export { detect, type Detection } from "./runtime/detect.js";
export type { Isa } from "./runtime/load.js";
export type { KernelFn, LinearMemory, MemoryStats } from "./runtime/runtime.js";
export { Qkern, type RawLayer } from "./qkern.js";
export { Tensor, type DataOf, type ValuesOf, type TensorOptions } from "./tensor.js";
export type { DType, QuantDType, IntDType } from "./dtype.js";
export { QkernError } from "./errors.js";
export {
  chooseQuantParams,
  isPerAxisQuant,
  quantizeMultiplier,
  roundHalfEven,
  type ChooseOptions,
  type ChosenQuant,
  type PerAxisQuant,
  type PerTensorQuant,
  type QuantInput,
  type QuantParams,
  type QuantizedMultiplier,
} from "./quant.js";
export { outputMultipliers, type ClampOptions, type MultiplierContext, type Multipliers, type OutputStage } from "./output-stage.js";
export { KERNELS, type KernelInfo } from "./registry.js";
export { quantize, type QuantizeSpec } from "./ops/quantize.js";
export { dequantize } from "./ops/dequantize.js";
export { dynamicQuantize, type DynamicQuantizeOptions } from "./ops/dynamic-quantize.js";
export { requantize, type RequantizeOptions, type RequantizeSpec } from "./ops/requantize.js";
export { gemm, type GemmOptions, type GemmOutput } from "./ops/gemm.js";
export { packGemmWeights, PackedGemmWeights, type PackGemmOptions } from "./ops/pack-gemm-weights.js";
export { depthwiseConv2d, type DepthwiseConv2dOptions } from "./ops/depthwise-conv2d.js";
export { packDepthwiseWeights, PackedDepthwiseWeights, type PackDepthwiseOptions } from "./ops/pack-depthwise-weights.js";
export { dequantizeInt4, fromMatMulNBits, fromQ4_0, quantizeInt4, toMatMulNBits, toQ4_0, type Int4Weights, type MatMulNBits, type QuantizeInt4Options } from "./int4.js";
export { gemmInt4, packInt4Weights, PackedInt4Weights, type GemmInt4Options } from "./ops/gemm-int4.js";
export { depalettize, palettize, type PalettizedWeights, type PalettizeOptions } from "./palettize.js";
export { gemmPalettized, packPalettizedWeights, PackedPalettizedWeights } from "./ops/gemm-palettized.js";
export { prune, pruneGlobal, type PruneOptions, type PruneResult, type PruneStructure } from "./prune.js";
export { SPARSE_THRESHOLD, SPARSE_THRESHOLD_SMALL_K } from "./ops/pack-gemm-weights.js";
export { conv2d, packConvWeights, PackedConvWeights, type Conv2dOptions, type PackConvOptions } from "./ops/conv2d.js";
export { add, type AddOptions } from "./ops/add.js";
export { activation, activationTable, type ActivationFn, type ActivationOptions } from "./ops/activation.js";
export { avgPool2d, type AvgPool2dOptions } from "./ops/avg-pool2d.js";
export { globalAvgPool, type GlobalAvgPoolOptions } from "./ops/global-avg-pool.js";
export { maxPool2d, type MaxPool2dOptions } from "./ops/max-pool2d.js";
export type { Pool2dOptions } from "./ops/pool-common.js";
export { concat, requantTable, type ConcatOptions } from "./ops/concat.js";
export { mulChannels } from "./ops/mul-channels.js";
export { sub } from "./ops/sub.js";
export { relu, type ReluOptions } from "./ops/relu.js";
export { mul } from "./ops/mul.js";
export type { TfliteBinaryOptions } from "./ops/binary.js";
export { softmax, type SoftmaxOptions } from "./ops/softmax.js";
export { resize, type ResizeOptions } from "./ops/resize.js";
export type { TfliteFusedActivation, TfliteNumerics } from "./ops/tflite-arith.js";
export { createObserver, type Observer, type ObserverKind, type ObserverOptions } from "./calibrate.js";
export { calibrate } from "./models/calibration.js";
export { FloatNetwork } from "./models/float-network.js";
export { sqnr, topK } from "./models/metrics.js";
export { Network, type LayerTiming, type RunResult } from "./models/network.js";
export { QuantizedNetwork, type ActivationParams, type QuantizedLayer, type QuantizeModelOptions } from "./models/quantized-network.js";
export { efficientNetLite0, mobileNetV2, MODELS, squeezeNet11, syntheticImage } from "./models/architectures.js";
export { layerInputs, parameterCount, type Activation, type LayerSpec, type ModelSpec } from "./models/spec.js";
export { exportWeights, importWeights, type WeightsManifest } from "./models/weights-io.js";
export { loadModel, Model, type LoadModelOptions, type ModelTensorInfo, type OperatorTiming } from "./tflite/load.js";
export type { RunnerMemory } from "./graph/runner.js";
export { tfliteFromSpec, tfliteParams, type TfliteFromSpecOptions } from "./tflite/build.js";
export {
  decodeTflite, type TfliteModel, type TfliteTensor, type TfliteOperator, type TfliteQuant, type TfliteOptions, type TfliteTensorType, type TflitePadding, type TfliteActivation,
} from "./tflite/model.js";
export { encodeTflite, type TfliteModelInput, type TfliteTensorInput, type TfliteOperatorInput, type TfliteQuantInput } from "./tflite/writer.js";
