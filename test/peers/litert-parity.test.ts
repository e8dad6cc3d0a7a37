// qkern's TFLite loader with 'litert' numerics against LiteRT.js (peers/litert.ts) on the real
// models (MobileNetV2, hello_world, person_detect, micro_speech): every output byte identical, in every qkern build of the run, against LiteRT.js's SIMD128
// build (the build every engine here runs; its relaxed build gives the same bytes, see litert.test.ts).

import { afterAll, expect } from "vitest";
import { loadLitert, type Litert } from "../../peers/litert.js";
import { loadModel } from "../../src/tflite/load.js";
import { allAvailableBuilds, rng } from "../support/helpers.js";
import { readBmp8, sharedModels } from "../support/shared-models.js";
import { fixRank1QuantizedDimension } from "../support/tflite-io.js";

const shared = sharedModels();
const builds = await allAvailableBuilds();
let litert: Litert | undefined;
const oracle = async (): Promise<Litert> => (litert ??= await loadLitert("simd"));
afterAll(() => litert?.dispose());

shared.it("MobileNetV2 on the dog photo: all 1,000 int8 outputs identical to LiteRT.js in every build", ["mobilenet_v2_quantized_1x3x224x224.tflite", "dog_1x3x224x224.int8.bin"], async () => {
  const bytes = shared.read("mobilenet_v2_quantized_1x3x224x224.tflite");
  const input = new Int8Array(shared.read("dog_1x3x224x224.int8.bin").buffer);
  const model = await (await oracle()).compile(bytes);
  const expected = Array.from(model.run([input])[0]!);
  model.dispose();
  expect(expected.length).toBe(1000);
  for (const qk of builds) {
    using m = loadModel(qk, bytes);
    expect(Array.from(m.run([input])[0]!), qk.isa).toEqual(expected);
  }
}, 120_000);

shared.it("hello_world: identical to LiteRT.js at every one of the 256 int8 inputs, in every build", ["hello_world_int8.tflite"], async () => {
  const bytes = shared.read("hello_world_int8.tflite");
  const model = await (await oracle()).compile(bytes);
  const expected = Array.from({ length: 256 }, (_, i) => model.run([Int8Array.of(i - 128)])[0]![0]!);
  model.dispose();
  for (const qk of builds) {
    using m = loadModel(qk, bytes);
    expect(Array.from({ length: 256 }, (_, i) => m.run([Int8Array.of(i - 128)])[0]![0]!), qk.isa).toEqual(expected);
  }
}, 120_000);

shared.it("person_detect on person.bmp and no_person.bmp: identical to LiteRT.js in every build (LiteRT.js runs a copy with its rank-1 bias axes repaired)", ["person_detect.tflite", "person.bmp", "no_person.bmp"], async () => {
  const bytes = shared.read("person_detect.tflite");
  const model = await (await oracle()).compile(fixRank1QuantizedDimension(bytes).bytes);
  const images = ["person.bmp", "no_person.bmp"].map((f) => new Int8Array(readBmp8(shared.read(f)).pixels.buffer));
  const expected = images.map((img) => Array.from(model.run([img])[0]!));
  model.dispose();
  expect(expected).toEqual([[-113, 113], [60, -60]]);
  for (const qk of builds) {
    using m = loadModel(qk, bytes);
    expect(images.map((img) => Array.from(m.run([img])[0]!)), qk.isa).toEqual(expected);
  }
}, 120_000);

shared.it("micro_speech on 20 seeded feature inputs: identical to LiteRT.js in every build", ["micro_speech_quantized.tflite"], async () => {
  const bytes = shared.read("micro_speech_quantized.tflite");
  const model = await (await oracle()).compile(bytes);
  const r = rng(1960);
  const inputs = Array.from({ length: 20 }, () => Int8Array.from({ length: 1960 }, () => Math.floor(r() * 256) - 128));
  const expected = inputs.map((x) => Array.from(model.run([x])[0]!));
  model.dispose();
  for (const qk of builds) {
    using m = loadModel(qk, bytes);
    expect(inputs.map((x) => Array.from(m.run([x])[0]!)), qk.isa).toEqual(expected);
  }
}, 120_000);
