import { QkernError } from "../errors.js";
import { isPerAxisQuant, type PerTensorQuant } from "../quant.js";
import { f32Dwconv } from "../kernels/f32_dwconv.js";
import { outputParams } from "../kernels/output.js";
import { qs8Dwconv } from "../kernels/qs8_dwconv.js";
import { clampBounds, floatClamp, outputMultipliers, type ClampOptions, type Multipliers, type OutputStage } from "../output-stage.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Tensor } from "../tensor.js";
import { axisGeometry, checkOutShape, checkSameInstance, checkTensor, pair, parsePadding } from "./common.js";
import { PackedDepthwiseWeights } from "./pack-depthwise-weights.js";

/** Options of `depthwiseConv2d`. */
export interface DepthwiseConv2dOptions extends ClampOptions {
  /** Stride [h, w] or one number for both; default 1. */
  readonly strides?: number | readonly [number, number];
  /** Dilation [h, w] or one number; default 1. */
  readonly dilations?: number | readonly [number, number];
  /** `valid` (default), `same` (TFLite rules: output = ceil(input / stride)), or [top, left, bottom, right]. */
  readonly padding?: "valid" | "same" | readonly [number, number, number, number];
  /**
   * Integer weights: `int32` accumulators (default) or `{ dtype, scale, zeroPoint }` for an 8-bit
   * output through `stage`. Float weights always give float32. Ignored when `out` is given.
   */
  readonly output?: "int32" | { readonly dtype: "int8" | "uint8"; readonly scale: number; readonly zeroPoint?: number };
  /** Output stage for 8-bit outputs: `fp32` (default, ONNX QLinearConv) or `fixedpoint` (TFLite). */
  readonly stage?: OutputStage;
  /** Caller-provided output [N, OH, OW, C·multiplier]. */
  readonly out?: Tensor;
  /** @internal Tests: force a kernel tile (`3x3p16c`, `5x5p16c`, `anyp16c`, `anyp1c`). */
  readonly forceTile?: string;
}

/**
 * Depthwise 2-D convolution, NHWC: out[n, y, x, c·m + j] = Σ (in − zin)(w − zw) + bias over the
 * kernel window (padding contributes nothing), then an output stage; or float32 with float
 * weights. Channel multiplier m = weights' channels / input channels. Maps ONNX QLinearConv and
 * Conv with group = C, and TFLite DEPTHWISE_CONV_2D.
 *
 * @example
 * ```ts
 * const x = qk.tensor(new Uint8Array(1 * 8 * 8 * 32).fill(130), [1, 8, 8, 32], { quant: { scale: 0.02, zeroPoint: 128 } });
 * const w = packDepthwiseWeights(qk.tensor(new Int8Array(9 * 32).fill(3), [3, 3, 32], { quant: { scale: 0.01 } }));
 * depthwiseConv2d(x, w, { padding: 'same', strides: 2, output: { dtype: 'uint8', scale: 0.05, zeroPoint: 128 }, activation: 'relu6' });
 * ```
 */
export function depthwiseConv2d(x: Tensor, w: PackedDepthwiseWeights, options: DepthwiseConv2dOptions = {}): Tensor {
  const op = "depthwiseConv2d";
  const float = w instanceof PackedDepthwiseWeights && w.dtype === "float32";
  const input = checkTensor(op, "x", x, float ? ["float32"] : ["int8", "uint8"]);
  if (!(w instanceof PackedDepthwiseWeights)) throw new QkernError(op, "weights", `must come from packDepthwiseWeights, got ${String(w)}`);
  const wPtr = w.checkUse(op, "x", input);
  if (input.shape.length !== 4) throw new QkernError(op, "x", `must be NHWC [N, H, W, C], got ${input}`);
  const [n, h, wd, c] = input.shape as [number, number, number, number];
  if (c < 1 || w.channels % c !== 0) {
    throw new QkernError(op, "x", `has ${c} channels, but the weights have ${w.channels} output channels (must be a multiple: C · multiplier) (x: ${input})`);
  }
  const mult = w.channels / c;
  const [sh, sw] = pair(op, "options.strides", options.strides);
  const [dh, dw] = pair(op, "options.dilations", options.dilations);
  const [padH, padW] = parsePadding(op, options.padding);
  const [oh, pt] = axisGeometry(op, h, w.kh, sh, dh, padH, input);
  const [ow, pl] = axisGeometry(op, wd, w.kw, sw, dw, padW, input);
  const oc = w.channels;
  const outShape = [n, oh, ow, oc];

  const aq = input.quant;
  if (!float && aq !== null && isPerAxisQuant(aq)) throw new QkernError(op, "x", `needs per-tensor quantization parameters (${input})`);
  const za = float || aq === null ? 0 : (aq as PerTensorQuant).zeroPoint;
  const stage = options.stage ?? "fp32";
  if (stage !== "fp32" && stage !== "fixedpoint") throw new QkernError(op, "options.stage", `must be 'fp32' or 'fixedpoint', got ${String(stage)}`);
  let out: Tensor;
  if (options.out !== undefined) {
    out = checkTensor(op, "options.out", options.out, float ? ["float32"] : ["int32", "int8", "uint8"]);
    checkSameInstance(op, input, [["options.out", out]]);
    checkOutShape(op, "options.out", out, outShape, () => `x: ${input}`);
    if ((out.dtype === "int8" || out.dtype === "uint8") && (out.quant === null || isPerAxisQuant(out.quant))) {
      throw new QkernError(op, "options.out", `needs per-tensor quantization parameters (${out})`);
    }
  } else if (float) {
    out = input.qk.empty("float32", outShape);
  } else {
    const spec = options.output ?? "int32";
    if (spec === "int32") out = input.qk.empty("int32", outShape);
    else if (spec !== null && typeof spec === "object" && (spec.dtype === "int8" || spec.dtype === "uint8")) {
      out = input.qk.empty(spec.dtype, outShape, { quant: { scale: spec.scale, zeroPoint: spec.zeroPoint ?? 0 } });
    } else throw new QkernError(op, "options.output", `must be 'int32' or { dtype: 'int8' | 'uint8', scale, zeroPoint }, got ${JSON.stringify(spec)}`);
  }
  const rt = input.rt;
  try {
    const kind = float ? "float" : out.dtype === "int32" ? "int32" : stage;
    const params = kind === "float" ? floatBounds(op, rt, w, options) : kind === "int32" ? 0 : stageParams(op, rt, w, input, out, kind, options);
    const bias = float ? 0 : foldedBias(op, rt, w, za);
    if (out.size === 0) return out;
    const esize = float ? 4 : 1;
    const outEsize = out.dtype === "int32" || out.dtype === "float32" ? 4 : 1;
    if (kind === "float") {
      f32Dwconv(rt).run(rt.workspace, op, {
        x: input.ptr, images: n, h, w: wd, c, multiplier: mult, oh, ow, kh: w.kh, kw: w.kw, sh, sw, dh, dw, pt, pl,
        esize, outEsize, padByte: 0, out: out.ptr, weights: wPtr, tile: options.forceTile, minmax: params,
      });
    } else {
      qs8Dwconv(rt).run(rt.workspace, op, {
        x: input.ptr, images: n, h, w: wd, c, multiplier: mult, oh, ow, kh: w.kh, kw: w.kw, sh, sw, dh, dw, pt, pl,
        esize, outEsize, padByte: za, out: out.ptr, weights: wPtr, tile: options.forceTile,
        unsigned: input.dtype === "uint8", stage: kind, bias, params,
      });
    }
  } catch (e) {
    if (out !== options.out) out.dispose();
    throw e;
  }
  return out;
}

/** bias − za · Σ(w − zw) per channel (padded to 16), cached per input zero point. */
function foldedBias(op: string, rt: Runtime, w: PackedDepthwiseWeights, za: number): number {
  const last = w.lastBias;
  if (last !== null && last.za === za && w.reuseParams(last.key, last.ptr)) return last.ptr;
  const key = `bias|${za}`;
  const made = w.cachedParams(key, () => {
    const cp = Math.ceil(w.channels / 16) * 16;
    const ptr = rt.alloc(4 * cp, op);
    const folded = new Int32Array(cp);
    for (let c = 0; c < w.channels; c++) folded[c] = (w.bias[c] as number) - za * w.wsum[c]!;
    rt.views().i32.set(folded, ptr >>> 2);
    return ptr;
  });
  w.lastBias = { za, key, ptr: made };
  return made;
}

/** Output-stage params block (channels padded to 16), cached by its inputs. */
function stageParams(op: string, rt: Runtime, w: PackedDepthwiseWeights, x: Tensor, out: Tensor, stage: OutputStage, options: DepthwiseConv2dOptions): number {
  const aq = x.quant as PerTensorQuant | null;
  if (aq === null) throw new QkernError(op, "x", `has no quantization parameters, needed for an 8-bit output (${x})`);
  const scales = w.scales!;
  if (!w.hasScales) throw new QkernError(op, "weights", "have no scales (pack weights with quant params) but an 8-bit output needs them");
  const oq = out.quant as PerTensorQuant;
  const last = w.lastStage;
  if (last !== null && last.stage === stage && last.aScale === aq.scale && last.outScale === oq.scale && last.outZeroPoint === oq.zeroPoint &&
    last.outDtype === out.dtype && last.activation === options.activation && last.clampMin === options.clampMin && last.clampMax === options.clampMax &&
    w.reuseParams(last.key, last.ptr)) {
    return last.ptr;
  }
  const [qmin, qmax] = clampBounds(op, out.dtype, oq.zeroPoint, oq.scale, options);
  const key = `${stage}|${aq.scale}|${oq.scale}|${oq.zeroPoint}|${qmin}|${qmax}`;
  const made = w.cachedParams(key, () => {
    const cp = Math.ceil(w.channels / 16) * 16;
    const m = outputMultipliers(stage, aq.scale, scales, oq.scale, w.channels, { op, argument: out === options.out ? "options.out" : "options.output", shapes: `x: ${x}` });
    const pad = <T extends Float32Array | Int32Array>(v: T): T => {
      const r = new (v.constructor as new (k: number) => T)(cp);
      r.set(v);
      r.fill(v[v.length - 1]!, v.length);
      return r;
    };
    const padded: Multipliers = m.stage === "fp32" ? { stage: "fp32", scale: pad(m.scale) } : { stage: "fixedpoint", multiplier: pad(m.multiplier), shift: pad(m.shift) };
    const block = outputParams(rt);
    const ptr = rt.alloc(block.bytes(stage, cp), op);
    block.write(ptr, padded, oq.zeroPoint, qmin, qmax);
    return ptr;
  });
  w.lastStage = {
    stage, aScale: aq.scale, outScale: oq.scale, outZeroPoint: oq.zeroPoint, outDtype: out.dtype, activation: options.activation,
    clampMin: options.clampMin, clampMax: options.clampMax, key, ptr: made,
  };
  return made;
}

/** Float clamp bounds [min, max] from activation / clampMin / clampMax (real units). */
function floatBounds(op: string, rt: Runtime, w: PackedDepthwiseWeights, options: ClampOptions): number {
  const [lo, hi] = floatClamp(op, options);
  return w.cachedParams(`float|${lo}|${hi}`, () => {
    const ptr = rt.alloc(8, op);
    rt.views().f32.set([lo, hi], ptr >>> 2);
    return ptr;
  });
}
