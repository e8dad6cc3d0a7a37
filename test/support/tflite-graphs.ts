// Random TFLite graphs for the writer's round trip (test/ops/tflite-writer.test.ts): tensors of every
// type with random shapes, constant data and per-tensor or per-axis quantization; operators of
// every code whose options the decoder reads (with random options), of codes it only names, of
// extended codes (> 127) and custom ones, wired in a valid execution order. Each graph comes with
// the TfliteModel that decodeTflite must return for it.

import fc from "fast-check";
import type { TfliteModel, TfliteOperator, TfliteOptions, TfliteTensor, TfliteTensorType } from "../../src/tflite/model.js";
import { BUILTIN_OPS, TENSOR_TYPES } from "../../src/tflite/model.js";
import type { TfliteModelInput } from "../../src/tflite/writer.js";

const BYTES: Partial<Record<TfliteTensorType, number>> = { float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1, float64: 8 };
const CONSTANT_TYPES = TENSOR_TYPES.filter((t) => BYTES[t] !== undefined);
const code = (name: string): number => Number(Object.entries(BUILTIN_OPS).find(([, n]) => n === name)![0]);

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const padding = fc.constantFrom("same" as const, "valid" as const);
const activation = fc.constantFrom("none" as const, "relu" as const, "relu_n1_to_1" as const, "relu6" as const, "tanh" as const, "sign_bit" as const);
const ints = fc.option(fc.array(int32, { maxLength: 5 }), { nil: null });

/** Options exactly as the decoder returns them, by operator name. */
const OPTIONS: Record<string, fc.Arbitrary<TfliteOptions>> = {
  CONV_2D: fc.record({ padding, strideW: int32, strideH: int32, activation, dilationW: int32, dilationH: int32 }),
  DEPTHWISE_CONV_2D: fc.record({ padding, strideW: int32, strideH: int32, depthMultiplier: int32, activation, dilationW: int32, dilationH: int32 }),
  FULLY_CONNECTED: fc.record({ activation, keepNumDims: fc.boolean() }),
  AVERAGE_POOL_2D: fc.record({ padding, strideW: int32, strideH: int32, filterW: int32, filterH: int32, activation }),
  MAX_POOL_2D: fc.record({ padding, strideW: int32, strideH: int32, filterW: int32, filterH: int32, activation }),
  ADD: fc.record({ activation }),
  SUB: fc.record({ activation }),
  MUL: fc.record({ activation }),
  CONCATENATION: fc.record({ axis: int32, activation }),
  RESHAPE: fc.record({ newShape: ints }),
  SOFTMAX: fc.record({ beta: fc.float() }),
  MEAN: fc.record({ keepDims: fc.boolean() }),
  SQUEEZE: fc.record({ squeezeDims: ints }),
  RESIZE_BILINEAR: fc.record({ alignCorners: fc.boolean(), halfPixelCenters: fc.boolean() }),
  RESIZE_NEAREST_NEIGHBOR: fc.record({ alignCorners: fc.boolean(), halfPixelCenters: fc.boolean() }),
};
/** Operators whose options the decoder does not read (PAD and TRANSPOSE have empty options tables). */
const PLAIN = ["PAD", "TRANSPOSE", "LOGISTIC", "DEQUANTIZE", "QUANTIZE", "HARD_SWISH", "GATHER", "TANH"];

type OpDraft = { code: number; op: string; options: TfliteOptions };
const opDraft: fc.Arbitrary<OpDraft> = fc.oneof(
  fc.constantFrom(...Object.keys(OPTIONS)).chain((name) => OPTIONS[name]!.map((options) => ({ code: code(name), op: name, options }))),
  fc.constantFrom(...PLAIN).map((name) => ({ code: code(name), op: name, options: {} })),
  fc.integer({ min: 128, max: 400 }).map((c) => ({ code: c, op: BUILTIN_OPS[c] ?? `BUILTIN_${c}`, options: {} })),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/).map((name) => ({ code: -1, op: `CUSTOM:${name}`, options: {} })),
);

type TensorDraft = { role: "input" | "constant" | "activation"; name: string; shape: number[]; type: TfliteTensorType; quant: TfliteTensor["quant"]; seed: number };

const quantOf = (shape: number[]): fc.Arbitrary<TfliteTensor["quant"]> => {
  const scale = fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true });
  const axes = shape.map((d, i) => ({ d, i })).filter(({ d }) => d >= 2);
  const perAxis = axes.length === 0 ? [] : [fc.constantFrom(...axes).chain(({ d, i }) =>
    fc.tuple(fc.array(scale, { minLength: d, maxLength: d }), fc.array(int32, { minLength: d, maxLength: d })).map(([s, z]) => ({ scale: Float32Array.from(s), zeroPoint: Int32Array.from(z), axis: i })))];
  return fc.oneof(
    fc.constant(null),
    fc.tuple(scale, int32).map(([s, z]) => ({ scale: Float32Array.of(s), zeroPoint: Int32Array.of(z), axis: 0 })),
    ...perAxis,
  );
};

const tensorDraft: fc.Arbitrary<TensorDraft> = fc.record({
  role: fc.constantFrom("input" as const, "constant" as const, "activation" as const, "activation" as const),
  name: fc.string({ unit: "grapheme", maxLength: 12 }),
  shape: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
  seed: fc.nat(),
}).chain((t) => fc.record({
  type: t.role === "constant" ? fc.constantFrom(...CONSTANT_TYPES) : fc.constantFrom(...TENSOR_TYPES),
  quant: quantOf(t.shape),
}).map((x) => ({ ...t, ...x })));

/** Deterministic bytes from a seed. */
function bytesFrom(seed: number, n: number): Uint8Array {
  let s = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24));
}

/** A valid random graph and the model the decoder must return for it. */
export const tfliteGraph: fc.Arbitrary<{ input: TfliteModelInput; expected: TfliteModel }> = fc.record({
  description: fc.option(fc.string({ unit: "grapheme", maxLength: 20 }), { nil: null }),
  tensors: fc.array(tensorDraft, { minLength: 1, maxLength: 14 }),
  ops: fc.array(fc.record({ draft: opDraft, version: fc.integer({ min: 1, max: 12 }), picks: fc.array(fc.integer({ min: -1, max: 1000 }), { maxLength: 4 }), outs: fc.integer({ min: 1, max: 2 }) }), { maxLength: 10 }),
  outputPicks: fc.array(fc.nat(), { maxLength: 3 }),
}).map(({ description, tensors: drafts, ops, outputPicks }) => {
  const tensors: TfliteTensor[] = drafts.map((d, index) => {
    const size = d.shape.reduce((a, b) => a * b, 1);
    const data = d.role === "constant" ? bytesFrom(d.seed, size * BYTES[d.type]!) : null;
    return { index, name: d.name, shape: d.shape, type: d.type, data, quant: d.quant };
  });
  const inputs = drafts.flatMap((d, i) => (d.role === "input" ? [i] : []));
  const available = drafts.flatMap((d, i) => (d.role !== "activation" ? [i] : []));
  const unwritten = drafts.flatMap((d, i) => (d.role === "activation" ? [i] : []));
  const operators: TfliteOperator[] = [];
  for (const o of ops) {
    if (unwritten.length === 0) break;
    const opIns = o.picks.map((p) => (p === -1 || available.length === 0 ? -1 : available[p % available.length]!));
    const opOuts = unwritten.splice(0, o.outs);
    available.push(...opOuts);
    operators.push({ index: operators.length, code: o.draft.code, op: o.draft.op, version: o.version, inputs: opIns, outputs: opOuts, options: o.draft.options });
  }
  const outputs = outputPicks.map((p) => p % tensors.length);
  const expected: TfliteModel = { version: 3, description, tensors, inputs, outputs, operators, subgraphs: 1 };
  return { input: { description, tensors, inputs, outputs, operators }, expected };
});
