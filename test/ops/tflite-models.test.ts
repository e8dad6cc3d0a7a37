// Real TFLite models (../shared/models) through the loader, in every build: the expectations their
// sources publish (SOURCE.md there), and identical output bytes across builds.

import { expect, it } from "vitest";
import { loadModel } from "../../src/tflite/load.js";
import { encodeTflite } from "../../src/tflite/writer.js";
import { describeBuilds, expectError } from "../support/helpers.js";
import { sharedModel } from "../support/shared-models.js";

const mobilenet = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
const dog = sharedModel("dog_1x3x224x224.int8.bin");
const hello = sharedModel("hello_world_int8.tflite");

describeBuilds("TFLite models", (get) => {
  it.skipIf(!mobilenet.ok || !dog.ok)(`${mobilenet.title}: the dog photo gives LiteRT.js's top-5 classes and int8 logits (258, 259, 261, 203, 257 / 107, 84, 75, 68, 64)`, () => {
    using model = loadModel(get(), mobilenet.read());
    expect(model.inputs.map((i) => [i.dtype, i.shape])).toEqual([["int8", [1, 3, 224, 224]]]);
    const input = new Int8Array(dog.read().buffer);
    const [y] = model.run([input]);
    const top = [...y!.keys()].sort((a, b) => y![b]! - y![a]! || a - b).slice(0, 5);
    expect(top).toEqual([258, 259, 261, 203, 257]);
    expect(top.map((i) => y![i])).toEqual([107, 84, 75, 68, 64]);
    // A second run gives the same bytes (nothing left over from the first).
    expect(Array.from(model.run([input])[0]!)).toEqual(Array.from(y!));
  });

  it.skipIf(!hello.ok)(`${hello.title}: y within 0.05 of sin(x) at the four inputs of its upstream test`, () => {
    using model = loadModel(get(), hello.read());
    const [inp] = model.inputs;
    const [outp] = model.outputs;
    for (const x of [0.77, 1.57, 2.3, 3.14]) {
      const q = Math.max(-128, Math.min(127, Math.round(x / inp!.scale) + inp!.zeroPoint));
      const [y] = model.run([Int8Array.of(q)]);
      expect(Math.abs((y![0]! - outp!.zeroPoint) * outp!.scale - Math.sin(x))).toBeLessThanOrEqual(0.05);
    }
  });

  it.skipIf(!mobilenet.ok || !dog.ok)("with 'reference' numerics (TFLite's reference kernels) the dog is still class 258, with other bytes than LiteRT's", () => {
    using model = loadModel(get(), mobilenet.read(), { numerics: "reference" });
    using litert = loadModel(get(), mobilenet.read());
    const input = new Int8Array(dog.read().buffer);
    const [y] = model.run([input]);
    const [z] = litert.run([input]);
    expect([...y!.keys()].sort((a, b) => y![b]! - y![a]! || a - b)[0]).toBe(258);
    expect(Array.from(y!)).not.toEqual(Array.from(z!));
  });
});

describeBuilds("TFLite constants read as activations", (get) => {
  it("ADD with a constant operand uses the constant's data, and a constant graph output returns its data", () => {
    const q = { scale: Float32Array.of(0.1), zeroPoint: Int32Array.of(0), axis: 0 };
    const bytes = encodeTflite({
      tensors: [
        { name: "x", shape: [4], type: "int8", data: null, quant: q },
        { name: "c", shape: [4], type: "int8", data: new Uint8Array(Int8Array.of(10, 20, 30, 40).buffer), quant: q },
        { name: "y", shape: [4], type: "int8", data: null, quant: q },
      ],
      inputs: [0],
      outputs: [2, 1],
      operators: [{ code: 0, inputs: [0, 1], outputs: [2], options: { activation: "none" } }],
    });
    using model = loadModel(get(), bytes);
    const [y, c] = model.run([Int8Array.of(1, 2, 3, -4)]);
    expect(Array.from(y!)).toEqual([11, 22, 33, 36]);
    expect(Array.from(c!)).toEqual([10, 20, 30, 40]);
  });
});

describeBuilds("Model inputs", (get) => {
  // y = x + c (ADD, int8, scale 0.1), written as a graph object (loadModel encodes and decodes it).
  const q = { scale: [0.1], zeroPoint: [0] };
  const graph = {
    tensors: [
      { name: "x", shape: [4], type: "int8" as const, quant: q },
      { name: "c", shape: [4], type: "int8" as const, data: new Uint8Array(Int8Array.of(10, 20, 30, 40).buffer), quant: q },
      { name: "y", shape: [4], type: "int8" as const, quant: q },
    ],
    inputs: [0],
    outputs: [2],
    operators: [{ code: 0, inputs: [0, 1], outputs: [2], options: { activation: "none" as const } }],
  };

  it("by position or by name; typed arrays, plain arrays or qkern tensors give the same bytes", () => {
    const qk = get();
    using model = loadModel(qk, graph);
    using t = qk.tensor(Int8Array.of(1, 2, 3, -4), [4], { quant: { scale: 0.1 } });
    const want = [11, 22, 33, 36];
    const cases = { "typed array": [Int8Array.of(1, 2, 3, -4)], "plain array": [[1, 2, 3, -4]], "by name": { x: [1, 2, 3, -4] }, tensor: [t], "tensor by name": { x: t } };
    for (const [what, inputs] of Object.entries(cases)) expect(Array.from(model.run(inputs)[0]!), what).toEqual(want);
  });

  it("refuses unknown or missing names, wrong counts, values outside int8 and tensors of another dtype or size, naming the input", () => {
    const qk = get();
    using model = loadModel(qk, graph);
    using u8 = qk.tensor(Uint8Array.of(1, 2, 3, 4), [4], { quant: { scale: 0.1 } });
    using short = qk.tensor(Int8Array.of(1, 2), [2], { quant: { scale: 0.1 } });
    expectError(() => model.run({ z: [1, 2, 3, 4] }), "run", "inputs", /exactly the model's inputs \(x\), got z/);
    expectError(() => model.run({}), "run", "inputs", /exactly the model's inputs \(x\), got none/);
    expectError(() => model.run([]), "run", "inputs", /must hold 1 arrays \(one per model input: x\), got 0/);
    expectError(() => model.run([[1, 2, 300, 4]]), "run", "values", /element 2 is 300, not an integer in \[-128, 127\] for int8/);
    expectError(() => model.run({ x: u8 }), "run", "inputs.x", /is uint8\[4\]; x is int8\[4\]/);
    expectError(() => model.run([short]), "run", "inputs[0]", /is int8\[2\]; x is int8\[4\]/);
    expectError(() => model.run(Int8Array.of(1, 2, 3, 4) as never), "run", "inputs", /an array \(by position\) or an object keyed by input name/);
  });
});
