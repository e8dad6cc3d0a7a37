// The TFLite decoder (src/tflite/): the real models of ../shared/models decode to the graphs their
// sources describe, and damaged files are refused with a QkernError (never another error, a hang or
// a wrong graph).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QkernError } from "../../src/index.js";
import { decodeTflite } from "../../src/tflite/model.js";
import { sharedModel } from "../support/shared-models.js";

const histogram = (ops: readonly { op: string }[]): Record<string, number> => {
  const h: Record<string, number> = {};
  for (const o of ops) h[o.op] = (h[o.op] ?? 0) + 1;
  return h;
};

describe("real models (../shared/models)", () => {
  const cases = [
    { file: "hello_world_int8.tflite", ops: { FULLY_CONNECTED: 3 }, input: [1, 1], output: [1, 1] },
    { file: "person_detect.tflite", ops: { DEPTHWISE_CONV_2D: 14, CONV_2D: 14, AVERAGE_POOL_2D: 1, RESHAPE: 1, SOFTMAX: 1 }, input: [1, 96, 96, 1], output: [1, 2] },
    { file: "micro_speech_quantized.tflite", ops: { RESHAPE: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 }, input: [1, 1960], output: [1, 4] },
    {
      file: "mobilenet_v2_quantized_1x3x224x224.tflite",
      ops: { TRANSPOSE: 1, PAD: 18, CONV_2D: 35, DEPTHWISE_CONV_2D: 17, ADD: 10, MEAN: 1, RESHAPE: 1, FULLY_CONNECTED: 1 },
      input: [1, 3, 224, 224], output: [1, 1000],
    },
  ];
  for (const c of cases) {
    const m = sharedModel(c.file);
    it.skipIf(!m.ok)(`${m.title}: operators, int8 input and output, per-channel weights`, () => {
      const model = decodeTflite(m.read());
      expect(histogram(model.operators)).toEqual(c.ops);
      expect(model.inputs.map((i) => [model.tensors[i]!.type, model.tensors[i]!.shape])).toEqual([["int8", c.input]]);
      expect(model.outputs.map((i) => [model.tensors[i]!.type, model.tensors[i]!.shape])).toEqual([["int8", c.output]]);
      for (const o of model.operators.filter((x) => x.op === "CONV_2D" || x.op === "DEPTHWISE_CONV_2D" || x.op === "FULLY_CONNECTED")) {
        const w = model.tensors[o.inputs[1]!]!;
        expect(w.data, `${o.op} ${o.index} weights are constant`).not.toBeNull();
        expect(w.type).toBe("int8");
        expect(w.quant!.zeroPoint.every((z) => z === 0)).toBe(true);
      }
    });
  }
});

describe("damaged files", () => {
  const m = sharedModel("hello_world_int8.tflite");
  it("non-TFLite bytes, short files and other identifiers are refused", () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(7), new TextEncoder().encode("not a model at all, clearly")]) {
      expect(() => decodeTflite(bytes)).toThrow(QkernError);
    }
  });
  it.skipIf(!m.ok)(`${m.title}: truncations, byte flips and overwritten offsets give a QkernError or a valid graph, never another error`, () => {
    const good = m.read();
    fc.assert(fc.property(
      fc.oneof(
        fc.record({ kind: fc.constant("truncate" as const), at: fc.integer({ min: 0, max: good.length - 1 }) }),
        fc.record({ kind: fc.constant("flip" as const), at: fc.integer({ min: 0, max: good.length - 1 }), bits: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ kind: fc.constant("word" as const), at: fc.integer({ min: 0, max: good.length - 4 }), value: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x80000000, good.length, good.length - 4) }),
      ),
      (d) => {
        const b = d.kind === "truncate" ? good.slice(0, d.at) : good.slice();
        if (d.kind === "flip") b[d.at]! ^= d.bits;
        if (d.kind === "word") new DataView(b.buffer).setUint32(d.at, d.value, true);
        try {
          const model = decodeTflite(b);
          // Accepted: then the graph is internally consistent.
          for (const o of model.operators) for (const i of [...o.inputs, ...o.outputs]) expect(i === -1 || (i >= 0 && i < model.tensors.length)).toBe(true);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(QkernError);
        }
      },
    ), { numRuns: 3000, seed: 15 });
  });
});
