// The TFLite writer (src/tflite/writer.ts): random graphs and the four real models of ../shared/models
// come back from decodeTflite(encodeTflite(g)) identical, laid out as TFLite requires (identifier,
// schema version, empty buffer 0, 16-byte aligned constants, both operator code fields, options
// union tags), and the re-encoded real MobileNetV2 runs to the same bytes as the original file.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QkernError } from "../../src/index.js";
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
