// The TFLite writer (src/tflite/writer.ts): random graphs and the four real models of ../shared/models
// come back from decodeTflite(encodeTflite(g)) identical, laid out as TFLite requires (identifier,
// schema version, empty buffer 0, 16-byte aligned constants, both operator code fields, options
// union tags), and the re-encoded real MobileNetV2 runs to the same bytes as the original file.
// Models qkern writes itself (src/tflite/build.ts): a ModelSpec quantized as QuantizedNetwork
// quantizes it, and run by loadModel to QuantizedNetwork's int8 logits byte for byte.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QkernError, QuantizedNetwork, calibrate, createQkern, efficientNetLite0, mobileNetV2, squeezeNet11, syntheticImage, type ModelSpec, type Qkern } from "../../src/index.js";
import { Builder, SeededInit } from "../../src/models/spec.js";
import { tfliteFromSpec, tfliteGraphFromSpec, tfliteParams } from "../../src/tflite/build.js";
import { FbReader } from "../../src/tflite/flatbuffer.js";
import { loadModel } from "../../src/tflite/load.js";
import { BUILTIN_OPS, decodeTflite, type TfliteModel } from "../../src/tflite/model.js";
import { encodeTflite, OPTIONS_TAGS } from "../../src/tflite/writer.js";
import { describeBuilds } from "../support/helpers.js";
import { sharedModel } from "../support/shared-models.js";
import { tfliteGraph } from "../support/tflite-graphs.js";

/** Deep equality of two decoded graphs, constant data compared byte for byte. */
function expectSameGraph(got: TfliteModel, want: TfliteModel): void {
  const data = (m: TfliteModel): Array<Buffer | null> => m.tensors.map((t) => (t.data === null ? null : Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  const [dg, dw] = [data(got), data(want)];
  expect(dg.map((d) => d?.length ?? null)).toEqual(dw.map((d) => d?.length ?? null));
  dg.forEach((d, i) => expect(d === null || d.equals(dw[i]!), `tensor ${i} data`).toBe(true));
  const rest = (m: TfliteModel): unknown => ({ ...m, tensors: m.tensors.map((t) => ({ ...t, data: t.data === null ? null : "constant" })) });
  expect(rest(got)).toEqual(rest(want));
}

/** What the raw file says, read with the bounds-checked reader: layout facts the decoder does not return. */
function layout(bytes: Uint8Array): { identifier: string; version: number; buffer0: number; dataOffsets: number[]; codes: Array<[number, number]>; tags: number[] } {
  const r = new FbReader(bytes);
  const m = r.root();
  const buffers = m.tables(4, "buffers")!;
  const g = m.tables(2, "subgraphs")![0]!;
  return {
    identifier: r.identifier(),
    version: m.u32(0, "version"),
    buffer0: buffers[0]!.bytes(0, "data")?.byteLength ?? 0,
    dataOffsets: buffers.slice(1).map((b) => b.bytes(0, "data")!.byteOffset - bytes.byteOffset),
    codes: m.tables(1, "operator_codes")!.map((c) => [c.i8(0, "deprecated"), c.i32(3, "builtin")]),
    tags: g.tables(3, "operators")!.map((o) => o.u8(3, "builtin_options_type")),
  };
}

describe("encodeTflite: random graphs", () => {
  it("decodeTflite(encodeTflite(g)) returns g: tensors (shapes, types, constant data, per-tensor/per-axis quantization), operators (codes, versions, options), inputs, outputs", () => {
    fc.assert(fc.property(tfliteGraph, ({ input, expected }) => {
      const bytes = encodeTflite(input);
      expectSameGraph(decodeTflite(bytes), expected);
    }), { numRuns: 400, seed: 1515 });
  });

  it("lays the file out as TFLite requires: TFL3, schema 3, empty buffer 0, constants 16-byte aligned, deprecated code min(code, 127), options union tags", () => {
    fc.assert(fc.property(tfliteGraph, ({ input }) => {
      const bytes = encodeTflite(input);
      const l = layout(bytes);
      expect([l.identifier, l.version, l.buffer0]).toEqual(["TFL3", 3, 0]);
      expect(l.dataOffsets.length).toBe(input.tensors.filter((t) => t.data).length);
      for (const o of l.dataOffsets) expect(o % 16).toBe(0);
      for (const [deprecated, builtin] of l.codes) expect(deprecated).toBe(Math.min(builtin, 127));
      expect(l.tags).toEqual(input.operators.map((o) => (o.code === -1 ? 0 : OPTIONS_TAGS[BUILTIN_OPS[o.code] ?? ""] ?? 0)));
    }), { numRuns: 100, seed: 1516 });
  });

  it("the options union tags are schema.fbs's (union BuiltinOptions, NONE = 0)", () => {
    expect(OPTIONS_TAGS).toEqual({
      CONV_2D: 1, DEPTHWISE_CONV_2D: 2, AVERAGE_POOL_2D: 5, MAX_POOL_2D: 5, FULLY_CONNECTED: 8, SOFTMAX: 9, CONCATENATION: 10, ADD: 11, RESIZE_BILINEAR: 15,
      RESHAPE: 17, MUL: 21, PAD: 22, TRANSPOSE: 26, MEAN: 27, SUB: 28, SQUEEZE: 30, RESIZE_NEAREST_NEIGHBOR: 74,
    });
  });

  it("refuses graphs it cannot write, naming the tensor or operator", () => {
    const t = { name: "x", shape: [2], type: "int8" as const };
    const ok = { tensors: [t, t], inputs: [0], outputs: [1], operators: [{ code: 0, inputs: [0, 0], outputs: [1] }] };
    expect(decodeTflite(encodeTflite(ok)).operators[0]!.op).toBe("ADD");
    expect(() => encodeTflite({ ...ok, inputs: [2] })).toThrow(QkernError);
    expect(() => encodeTflite({ ...ok, operators: [{ code: 0, inputs: [0, 5], outputs: [1] }] })).toThrow(/operator 0 \(ADD\) inputs.*tensor 5/);
    expect(() => encodeTflite({ ...ok, operators: [{ code: -1, inputs: [0], outputs: [1] }] })).toThrow(/custom/);
    expect(() => encodeTflite({ ...ok, tensors: [t, { ...t, shape: [-1] }] })).toThrow(/tensor 1 \(x\).*shape/);
    expect(() => encodeTflite({ ...ok, tensors: [t, { ...t, quant: { scale: [1, 2], zeroPoint: [0] } }] })).toThrow(/2 scales but 1 zero points/);
  });
});

const REAL = ["hello_world_int8.tflite", "person_detect.tflite", "micro_speech_quantized.tflite", "mobilenet_v2_quantized_1x3x224x224.tflite"];

describe("encodeTflite: the real models (../shared/models)", () => {
  for (const file of REAL) {
    const m = sharedModel(file);
    it.skipIf(!m.ok)(`${m.title}: decoded, re-encoded and decoded again gives the same graph; constants 16-byte aligned`, () => {
      const original = decodeTflite(m.read());
      const bytes = encodeTflite(original);
      expectSameGraph(decodeTflite(bytes), original);
      for (const o of layout(bytes).dataOffsets) expect(o % 16).toBe(0);
    });
  }
});

const mobilenet = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
const dog = sharedModel("dog_1x3x224x224.int8.bin");

describeBuilds("encodeTflite: the re-encoded real MobileNetV2 runs", (get) => {
  it.skipIf(!mobilenet.ok || !dog.ok)(`${mobilenet.title}: loadModel on the re-encoded file gives the original file's output bytes on the dog photo`, () => {
    const original = mobilenet.read();
    const input = new Int8Array(dog.read().buffer);
    using a = loadModel(get(), original);
    using b = loadModel(get(), encodeTflite(decodeTflite(original)));
    const [ya] = a.run([input]);
    const [yb] = b.run([input]);
    expect(Array.from(yb!)).toEqual(Array.from(ya!));
    expect(ya![258]).toBe(107); // LiteRT.js's top-1 logit (SOURCE.md), so the comparison is not between two wrong runs
  });
});

/** Every layer kind the loader runs, with both paddings, strides 1 and 2, kernels 1, 3 and 5, every fused activation. */
function loaderNet(seed: number): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 8, 3, 2, "relu6", "valid");
  const d = b.dwconv(x, 8, 5, 1, "relu");
  x = b.add(x, b.conv(d, 8, 8, 1, 1, "none"));
  x = b.conv(x, 8, 12, 3, 1, "relu", "same");
  x = b.dwconv(x, 12, 3, 2, "none");
  x = b.gap(b.conv(x, 12, 20, 1, 1, "relu6"));
  return { name: "loader-net", inputShape: [1, 21, 18, 3], layers: b.layers, output: b.fc(x, 20, 10, "logits") };
}

/**
 * Writes `spec`, runs it with loadModel ('litert') and QuantizedNetwork (stage fp32, ADD layers with
 * LiteRT's arithmetic, as the loaded model) on one image; returns both int8 outputs and the written file.
 */
function bothRuns(qk: Qkern, spec: ModelSpec, calibrationSeeds: number[], imageSeed: number): { loaded: Int8Array; network: Int8Array; bytes: Uint8Array; net: QuantizedNetwork } {
  const params = calibrate(qk, spec, calibrationSeeds.map((s) => syntheticImage(spec.inputShape, s)));
  const net = new QuantizedNetwork(qk, spec, params, { stage: "fp32", addNumerics: "litert" });
  const seen = new Map<string, Int8Array>();
  net.run(syntheticImage(spec.inputShape, imageSeed), (name, t) => void ((name === "input" || name === spec.output) && seen.set(name, (t.data as Int8Array).slice())));
  const bytes = tfliteFromSpec(spec, params);
  using model = loadModel(qk, bytes);
  const [y] = model.run([seen.get("input")!]);
  return { loaded: y as Int8Array, network: seen.get(spec.output)!, bytes, net };
}

describeBuilds("tfliteFromSpec: models qkern writes itself", (get) => {
  it("every layer kind the loader runs: loadModel gives QuantizedNetwork's int8 logits byte for byte, with the same int8 weights, scales and int32 biases", () => {
    for (const seed of [1, 2, 3]) {
      const spec = loaderNet(seed);
      const r = bothRuns(get(), spec, [seed + 10, seed + 20], seed + 10);
      using _net = r.net;
      expect(Array.from(r.loaded), `seed ${seed}`).toEqual(Array.from(r.network));
      const g = decodeTflite(r.bytes);
      const tensor = (name: string) => g.tensors.find((t) => t.name === name)!;
      for (const [name, q] of r.net.quantized) {
        const w = tensor(`${name}/weights`);
        expect(new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.byteLength)).toEqual(q.weights);
        expect(w.quant!.scale).toEqual(q.scales);
        const bias = tensor(`${name}/bias`);
        expect(new Int32Array(bias.data!.slice().buffer)).toEqual(q.bias);
      }
      expect(g.operators.map((o) => o.op)).toEqual(["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "ADD", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "MEAN", "FULLY_CONNECTED"]);
    }
  });

  it("MobileNetV2 (seed 1, float32 weights) written as int8 TFLite: loadModel gives QuantizedNetwork's int8 logits byte for byte", () => {
    const spec = mobileNetV2(1);
    const r = bothRuns(get(), spec, [1, 2], 1);
    using _net = r.net;
    expect(Array.from(r.loaded)).toEqual(Array.from(r.network));
    expect(new Set(r.loaded).size, "logits are not constant").toBeGreaterThan(10);
    const g = decodeTflite(r.bytes);
    expect(g.operators.length).toBe(spec.layers.length);
    const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const [name, q] of r.net.quantized) {
      const [w, b] = [`${name}/weights`, `${name}/bias`].map((n) => g.tensors.find((t) => t.name === n)!);
      expect(bytesOf(w!.data!).equals(bytesOf(q.weights)), `${name} weights`).toBe(true);
      expect(bytesOf(b!.data!).equals(bytesOf(q.bias)), `${name} bias`).toBe(true);
    }
  });

  it("EfficientNet-Lite0 (seed 3: 5×5 depthwise, stride-2 SAME, residual ADDs) written as int8 TFLite: loadModel gives QuantizedNetwork's int8 logits byte for byte", () => {
    const spec = efficientNetLite0(3);
    const r = bothRuns(get(), spec, [3, 4], 5);
    using _net = r.net;
    expect(Array.from(r.loaded)).toEqual(Array.from(r.network));
    expect(new Set(r.loaded).size, "logits are not constant").toBeGreaterThan(10);
    expect(decodeTflite(r.bytes).operators.length).toBe(spec.layers.length);
  });
});

/** The layers the loader does not run yet as well: concat (fire module) and max pooling. */
function squeezeLike(seed: number): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 8, 3, 2, "relu", "valid");
  x = b.maxpool(x, 3, 2);
  const s = b.conv(x, 8, 4, 1, 1, "relu");
  x = b.concat([b.conv(s, 4, 6, 1, 1, "relu"), b.conv(s, 4, 6, 3, 1, "relu")]);
  x = b.gap(b.conv(x, 12, 5, 1, 1, "relu", "same", "classifier"));
  return { name: "squeeze-like", inputShape: [1, 23, 23, 3], layers: b.layers, output: x };
}

describeBuilds("tfliteFromSpec: SqueezeNet (CONCATENATION, MAX_POOL_2D)", (get) => {
  it("SqueezeNet 1.1 written as int8 TFLite with the converter's parameter constraints: loadModel gives QuantizedNetwork's int8 logits byte for byte", () => {
    const qk = get();
    const spec = squeezeNet11(2);
    const params = tfliteParams(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 3), syntheticImage(spec.inputShape, 4)]));
    using net = new QuantizedNetwork(qk, spec, params, { stage: "fp32" });
    const seen = new Map<string, Int8Array>();
    net.run(syntheticImage(spec.inputShape, 3), (name, t) => void ((name === "input" || name === spec.output) && seen.set(name, (t.data as Int8Array).slice())));
    const bytes = tfliteFromSpec(spec, params);
    const ops = decodeTflite(bytes).operators.map((o) => o.op);
    expect([ops.filter((o) => o === "CONCATENATION").length, ops.filter((o) => o === "MAX_POOL_2D").length]).toEqual([8, 3]);
    for (const numerics of ["litert", "reference"] as const) {
      using model = loadModel(qk, bytes, { numerics });
      const [y] = model.run([seen.get("input")!]);
      if (numerics === "litert") expect(Array.from(y!)).toEqual(Array.from(seen.get(spec.output)!));
      expect(new Set(y).size, "logits are not constant").toBeGreaterThan(10);
    }
  });
});

describe("tfliteGraphFromSpec: the graph written", () => {
  const params = (spec: ModelSpec, zeroPoint = -5): Map<string, { scale: number; zeroPoint: number }> =>
    new Map(["input", ...spec.layers.map((l) => l.name)].map((n, i) => [n, { scale: 0.01 + i / 1000, zeroPoint }]));

  it("operators, options, shapes and quantization as the TFLite converter writes them (MobileNetV2: weights per output channel, biases at inScale·wScale[c], MEAN over [1, 2] keeping dims)", () => {
    const spec = mobileNetV2(1);
    const p = params(spec);
    const g = decodeTflite(tfliteFromSpec(spec, p));
    expect(g.description).toBe("qkern mobilenetv2");
    expect(g.inputs.map((i) => [g.tensors[i]!.name, g.tensors[i]!.type, g.tensors[i]!.shape])).toEqual([["input", "int8", [1, 224, 224, 3]]]);
    expect(g.outputs.map((i) => [g.tensors[i]!.name, g.tensors[i]!.shape])).toEqual([["logits", [1, 1000]]]);
    for (const o of g.operators) {
      const out = g.tensors[o.outputs[0]!]!;
      expect([out.type, Array.from(out.quant!.scale), Array.from(out.quant!.zeroPoint)]).toEqual(["int8", [Math.fround(p.get(out.name)!.scale)], [-5]]);
      if (o.op === "MEAN") {
        expect(o.options).toEqual({ keepDims: true });
        expect(Array.from(new Int32Array(g.tensors[o.inputs[1]!]!.data!.slice().buffer))).toEqual([1, 2]);
        continue;
      }
      if (o.op === "ADD") continue;
      const [x, w, b] = o.inputs.map((i) => g.tensors[i]!);
      const axis = { CONV_2D: 0, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 0 }[o.op as "CONV_2D"];
      expect([w!.type, w!.quant!.axis, w!.quant!.scale.length, w!.quant!.zeroPoint.every((z) => z === 0)]).toEqual(["int8", axis, w!.shape[axis], true]);
      expect(b!.type).toBe("int32");
      expect(b!.quant!.scale).toEqual(Float32Array.from(w!.quant!.scale, (s) => x!.quant!.scale[0]! * s));
      if (o.op === "DEPTHWISE_CONV_2D") expect(o.options).toMatchObject({ depthMultiplier: 1, padding: "same", dilationW: 1, dilationH: 1 });
    }
    const ops: Record<string, number> = {};
    for (const o of g.operators) ops[`${o.op} v${o.version}`] = (ops[`${o.op} v${o.version}`] ?? 0) + 1;
    expect(ops).toEqual({ "CONV_2D v3": 35, "DEPTHWISE_CONV_2D v3": 17, "ADD v2": 10, "MEAN v2": 1, "FULLY_CONNECTED v4": 1 });
  });

  it("concat as CONCATENATION along channels and max pooling as MAX_POOL_2D (written and decoded; the loader refuses int8 inputs whose parameters differ from the output's, as TFLite does)", async () => {
    const spec = squeezeLike(5);
    const bytes = tfliteFromSpec(spec, params(spec));
    const g = decodeTflite(bytes);
    const pool = g.operators.find((o) => o.op === "MAX_POOL_2D")!;
    expect(pool.options).toEqual({ padding: "valid", strideW: 2, strideH: 2, filterW: 3, filterH: 3, activation: "none" });
    expect(g.tensors[pool.outputs[0]!]!.shape).toEqual([1, 5, 5, 8]);
    const cat = g.operators.find((o) => o.op === "CONCATENATION")!;
    expect([cat.options, cat.inputs.length, g.tensors[cat.outputs[0]!]!.shape]).toEqual([{ axis: 3, activation: "none" }, 2, [1, 5, 5, 12]]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 1, 1, 5]);
    const qk = await createQkern({ isa: "scalar" });
    expect(() => loadModel(qk, bytes)).toThrow(/operator 1 \(MAX_POOL_2D\).*equal input and output quantization/);
    const pooled = new Map(params(spec));
    pooled.set(spec.layers[1]!.name, pooled.get(spec.layers[0]!.name)!);
    expect(() => loadModel(qk, tfliteFromSpec(spec, pooled))).toThrow(/operator \d+ \(CONCATENATION\).*TFLite's int8 CONCATENATION requires them equal/);
    using ok = loadModel(qk, tfliteFromSpec(spec, tfliteParams(spec, params(spec))));
    expect(ok.outputs[0]!.shape).toEqual([1, 1, 1, 5]);
  });

  it("refuses what it cannot write: uint8 activation parameters, missing parameters, an unknown output", () => {
    const spec = squeezeLike(5);
    expect(() => tfliteGraphFromSpec(spec, params(spec, 128))).toThrow(/zero point 128: int8 activations/);
    const p = params(spec);
    p.delete("classifier");
    expect(() => tfliteGraphFromSpec(spec, p)).toThrow(/no calibrated parameters for tensor classifier/);
    expect(() => tfliteGraphFromSpec({ ...spec, output: "nowhere" }, params(spec))).toThrow(/spec.output.*nowhere/);
  });
});
