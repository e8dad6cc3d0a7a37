// Pieces of the TFLite loader (load.ts) that do not need the Model: PAD folding, tensor data views,
// parameter conversions and the data-movement operators (PAD, TRANSPOSE, RESHAPE) run in TypeScript.

import { QkernError } from "../errors.js";
import { activationRange } from "../ops/tflite-arith.js";
import type { ClampOptions } from "../output-stage.js";
import type { Tensor } from "../tensor.js";
import type { TfliteActivation, TfliteModel, TfliteOperator, TfliteTensor } from "./model.js";

const op = "loadModel";

export type PadFold = { readonly input: number; readonly pads: [number, number, number, number] };
/** Folded PADs by their output tensor (for the convolution reading it) and by operator index (to skip them). */
export type PadFolds = { readonly byTensor: Map<number, PadFold>; readonly byOp: Set<number> };

/** PADs of NHWC height/width by the zero point whose only reader is a VALID convolution: the convolution pads instead. */
export function foldablePads(g: TfliteModel): PadFolds {
  const readers = new Map<number, TfliteOperator[]>();
  for (const o of g.operators) for (const i of o.inputs) if (i >= 0) readers.set(i, [...(readers.get(i) ?? []), o]);
  const byTensor = new Map<number, PadFold>();
  const byOp = new Set<number>();
  for (const o of g.operators) {
    if (o.op !== "PAD") continue;
    const out = o.outputs[0]!;
    const rs = readers.get(out) ?? [];
    const padT = g.tensors[o.inputs[1]!];
    if (rs.length !== 1 || g.outputs.includes(out) || !padT?.data) continue;
    const r = rs[0]!;
    if ((r.op !== "CONV_2D" && r.op !== "DEPTHWISE_CONV_2D") || r.inputs[0] !== out || r.options.padding !== "valid") continue;
    const p = Array.from(int32Data(padT));
    const [inT, outT] = [g.tensors[o.inputs[0]!]!, g.tensors[out]!];
    if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) continue;
    if (!sameQuant(inT, outT)) continue;
    byTensor.set(out, { input: o.inputs[0]!, pads: [p[2]!, p[4]!, p[3]!, p[5]!] });
    byOp.add(o.index);
  }
  return { byTensor, byOp };
}

export function sameQuant(a: TfliteTensor, b: TfliteTensor): boolean {
  if (a.type === "float32" && b.type === "float32") return true; // no parameters to differ
  return a.type === b.type && a.quant !== null && b.quant !== null && a.quant.scale[0] === b.quant.scale[0] && a.quant.zeroPoint[0] === b.quant.zeroPoint[0];
}

export function activationDtype(t: TfliteTensor): "int8" | "uint8";
export function activationDtype(t: TfliteTensor, allowFloat: true): "int8" | "uint8" | "float32";
/** The dtype of an activation: int8 / uint8, or float32 where `allowFloat` (a model's float inputs and outputs: checkFloatUse). */
export function activationDtype(t: TfliteTensor, allowFloat = false): "int8" | "uint8" | "float32" {
  if (t.type === "int8" || t.type === "uint8" || (allowFloat && t.type === "float32")) return t.type;
  throw new QkernError(op, `tensor ${t.index} (${t.name})`, `is ${t.type}; only int8/uint8 activations are supported (float32 only as a model input read by QUANTIZE or an output written by DEQUANTIZE: float models are not supported)`);
}

/** Operators that run on float32 tensors (float models), all their tensors float32. */
export const FLOAT_OPS: ReadonlySet<string> = new Set([
  "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MEAN", "AVERAGE_POOL_2D", "MAX_POOL_2D", "SOFTMAX", "CONCATENATION", "RESHAPE", "SQUEEZE", "PAD", "TRANSPOSE",
]);

/**
 * float32 activations: read by QUANTIZE or written by DEQUANTIZE (a quantized model's float32 inputs
 * and outputs), or all the activations of one of FLOAT_OPS (a float model, on qkern's float kernels).
 * Anything else (a float LOGISTIC, an operator mixing float and 8-bit tensors) is refused, naming the
 * operator and tensor.
 */
export function checkFloatUse(g: TfliteModel): void {
  for (const o of g.operators) {
    const acts = [...o.inputs.filter((i) => i >= 0 && g.tensors[i]!.data === null), ...o.outputs];
    const float = acts.filter((i) => g.tensors[i]!.type === "float32");
    if (float.length === 0) continue;
    if (o.op === "QUANTIZE" && o.outputs.every((i) => g.tensors[i]!.type !== "float32")) continue;
    if (o.op === "DEQUANTIZE" && o.inputs.every((i) => i < 0 || g.tensors[i]!.type !== "float32")) continue;
    if (FLOAT_OPS.has(o.op) && float.length === acts.length) continue;
    const t = g.tensors[float[0]!]!;
    throw new QkernError(op, `operator ${o.index} (${o.op})`, FLOAT_OPS.has(o.op)
      ? `mixes float32 tensor ${t.index} (${t.name}) with 8-bit ones`
      : `computes on float32 tensor ${t.index} (${t.name}); float32 runs only in ${[...FLOAT_OPS].join(", ")} (float models), QUANTIZE's input and DEQUANTIZE's output`);
  }
}

/** The fused activation of a float operator as the float ops take it. */
export function floatActivation(a: TfliteActivation, where: string): { activation?: "relu" | "relu6"; clampMin?: number; clampMax?: number } {
  if (a === "none") return {};
  if (a === "relu" || a === "relu6") return { activation: a };
  if (a === "relu_n1_to_1") return { clampMin: -1, clampMax: 1 };
  throw new QkernError(op, where, `fused activation ${a} is not supported`);
}

/** float32 constant data (little endian) as a Float32Array copy. */
export function float32Data(t: TfliteTensor, where: string): Float32Array {
  if (t.type !== "float32") throw new QkernError(op, where, `tensor ${t.index} (${t.name}) is ${t.type}; float32 expected`);
  const d = t.data!;
  const n = d.byteLength >>> 2;
  if (LITTLE_ENDIAN && d.byteOffset % 4 === 0) return new Float32Array(d.buffer, d.byteOffset, n).slice();
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return Float32Array.from({ length: n }, (_, i) => v.getFloat32(4 * i, true));
}

export function elementBytes(t: TfliteTensor): number {
  return activationDtype(t, true) === "float32" ? 4 : 1;
}

export function perTensor(t: TfliteTensor): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (q === null || q.scale.length !== 1) throw new QkernError(op, `tensor ${t.index} (${t.name})`, "activations need per-tensor quantization parameters");
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
}


export function weightQuant(t: TfliteTensor, axis: number, where: string): { axis: number; scale: Float32Array; zeroPoint: Int32Array } | { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (q === null) throw new QkernError(op, where, `weights ${t.name} have no quantization parameters`);
  if (q.scale.length === 1) return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
  if (q.axis !== axis) throw new QkernError(op, where, `weights ${t.name} are quantized along axis ${q.axis}; expected ${axis}`);
  return { axis, scale: q.scale, zeroPoint: q.zeroPoint };
}

export function int8Data(t: TfliteTensor, where: string): Int8Array {
  if (t.type !== "int8") throw new QkernError(op, where, `weights ${t.name} are ${t.type}; int8 weights are supported`);
  return new Int8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength);
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function int32Data(t: TfliteTensor): Int32Array {
  if (t.type !== "int32") throw new QkernError(op, `tensor ${t.index} (${t.name})`, `must be int32, got ${t.type}`);
  const d = t.data!;
  const n = d.byteLength >>> 2;
  // Little-endian file data: on a little-endian host an aligned view is the values (copied: the model keeps no view into the file).
  if (LITTLE_ENDIAN && d.byteOffset % 4 === 0) return new Int32Array(d.buffer, d.byteOffset, n).slice();
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getInt32(4 * i, true);
  return out;
}

/**
 * A fused activation as quantized clamp bounds of `out`, TFLite's CalculateActivationRangeQuantized
 * (activationRange of the TFLite-numerics ops), passed as clampMin/clampMax so that every op clamps to
 * exactly these integers.
 */
export function clamp(a: TfliteActivation, out: Pick<Tensor, "dtype" | "quant">, where: string): ClampOptions {
  if (a === "none") return {};
  const q = out.quant as { scale: number; zeroPoint: number } | null;
  if (q === null || (out.dtype !== "int8" && out.dtype !== "uint8")) throw new QkernError(op, where, `a fused activation needs a quantized 8-bit output (${out.dtype})`);
  if (a !== "relu" && a !== "relu6" && a !== "relu_n1_to_1") throw new QkernError(op, where, `fused activation ${a} is not supported`);
  const [clampMin, clampMax] = activationRange(op, a, q.scale, q.zeroPoint, out.dtype);
  return { clampMin, clampMax };
}

export function copyBytes(from: Tensor, to: Tensor): void {
  to.rt.views().u8.copyWithin(to.ptr, from.ptr, from.ptr + from.byteLength);
}

export function padStep(x: Tensor, out: Tensor, pads: number[], where: string): () => void {
  if (x.shape.length !== 4 || pads.length !== 8 || pads[0] !== 0 || pads[1] !== 0 || pads[6] !== 0 || pads[7] !== 0) {
    throw new QkernError(op, where, `PAD of ${x} by [${pads.join(", ")}] is not supported (NHWC height and width only)`);
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [top, left] = [pads[2]!, pads[4]!];
  const [oh, ow] = [out.shape[1]!, out.shape[2]!];
  const zp = out.quant === null ? 0 : (out.quant as { zeroPoint: number }).zeroPoint;
  return () => {
    const src = x.data as Int8Array | Float32Array;
    const dst = out.data as Int8Array | Float32Array;
    dst.fill(zp);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const from = ((b * h + y) * w) * c;
        dst.set(src.subarray(from, from + w * c), ((b * oh + y + top) * ow + left) * c);
      }
    }
  };
}

export function transposeStep(x: Tensor, out: Tensor, perm: number[], where: string): () => void {
  const r = x.shape.length;
  if (perm.length !== r || [...perm].sort((a, b) => a - b).join() !== Array.from({ length: r }, (_, i) => i).join()) throw new QkernError(op, where, `permutation [${perm.join(", ")}] does not fit ${x}`);
  if (r > 4) throw new QkernError(op, where, `TRANSPOSE of rank ${r} is not supported`);
  const want = perm.map((p) => x.shape[p]!);
  if (out.shape.join() !== want.join()) throw new QkernError(op, where, `TRANSPOSE of ${x} by [${perm.join(", ")}] gives [${want.join(", ")}], but the output is ${out}`);
  // The common case (NCHW → NHWC and back): an identity prefix, then the rest rotated: a batch of 2-D
  // transposes [A, B] → [B, A], in tiles so that both sides stay in cache.
  const k = perm.findIndex((p, i) => p !== i);
  const j = k < 0 ? r : perm[k]!;
  const rotation = k >= 0 && perm.slice(k).every((p, i) => p === (i < r - j ? j + i : k + i - (r - j)));
  if (k < 0 || rotation) {
    const size = (from: number, to: number): number => x.shape.slice(from, to).reduce((a, b) => a * b, 1);
    const [outer, rows, cols] = k < 0 ? [1, 1, x.size] : [size(0, k), size(k, j), size(j, r)];
    const T = 32;
    if (rows === 3 || rows === 4) {
      // Image channels (NCHW RGB or RGBA → NHWC): one pixel at a time, unrolled (3× the tiled loop in V8).
      const c2 = 2 * cols;
      const c3 = 3 * cols;
      return () => {
        const src = x.data as Int8Array | Float32Array;
        const dst = out.data as Int8Array | Float32Array;
        for (let o = 0, base = 0; o < outer; o++, base += rows * cols) {
          let d = base;
          if (rows === 3) for (let p = base, end = base + cols; p < end; p++, d += 3) { dst[d] = src[p]!; dst[d + 1] = src[p + cols]!; dst[d + 2] = src[p + c2]!; }
          else for (let p = base, end = base + cols; p < end; p++, d += 4) { dst[d] = src[p]!; dst[d + 1] = src[p + cols]!; dst[d + 2] = src[p + c2]!; dst[d + 3] = src[p + c3]!; }
        }
      };
    }
    return () => {
      const src = x.data as Int8Array | Float32Array;
      const dst = out.data as Int8Array | Float32Array;
      for (let o = 0, base = 0; o < outer; o++, base += rows * cols) {
        for (let a0 = 0; a0 < rows; a0 += T) {
          const a1 = Math.min(rows, a0 + T);
          for (let b0 = 0; b0 < cols; b0 += T) {
            const b1 = Math.min(cols, b0 + T);
            for (let a = a0; a < a1; a++) {
              for (let b = b0, s = base + a * cols + b0, d = base + b0 * rows + a; b < b1; b++, s++, d += rows) dst[d] = src[s]!;
            }
          }
        }
      }
    };
  }
  const inStrides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // As 4-D (leading 1s added): for each output index (a, b, c, d), source offset = a·s0 + b·s1 + c·s2 + d·s3.
  const pad4 = <T>(v: T[], fill: T): T[] => [...new Array<T>(4 - r).fill(fill), ...v];
  const [d0, d1, d2, d3] = pad4(want, 1) as [number, number, number, number];
  const [s0, s1, s2, s3] = pad4(perm.map((p) => inStrides[p]!), 0) as [number, number, number, number];
  return () => {
    const src = x.data as Int8Array | Float32Array;
    const dst = out.data as Int8Array | Float32Array;
    let o = 0;
    for (let a = 0; a < d0; a++) {
      for (let b = 0; b < d1; b++) {
        for (let c = 0; c < d2; c++) {
          let s = a * s0 + b * s1 + c * s2;
          for (let d = 0; d < d3; d++, s += s3) dst[o++] = src[s]!;
        }
      }
    }
  };
}
