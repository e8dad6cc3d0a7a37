// Cross-build identity of loaded TFLite models (TOLERANCES.crossBuild): every operator's output of
// the real MobileNetV2 on the dog photo is the same bytes in every build available in this run (the
// relaxed run compares all three).

import { expect, it } from "vitest";
import { loadModel } from "../../src/tflite/load.js";
import { allAvailableBuilds } from "../support/helpers.js";
import { sharedModel } from "../support/shared-models.js";

const mobilenet = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
const dog = sharedModel("dog_1x3x224x224.int8.bin");

it.skipIf(!mobilenet.ok || !dog.ok)(`${mobilenet.title}: every operator's output identical across the builds of this run`, async () => {
  const builds = await allAvailableBuilds();
  expect(builds.length).toBeGreaterThanOrEqual(2);
  const input = new Int8Array(dog.read().buffer);
  const bytes = mobilenet.read();
  const layers = builds.map((qk) => {
    using model = loadModel(qk, bytes); // every operator on its own (not fused; fused blocks: test/ops/tflite-fuse.test.ts)
    const seen: Array<[string, Buffer]> = [];
    model.run([input], { inspect: (o, b) => seen.push([`${o.index} ${o.op} ${o.tensor}`, Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray().slice()]) });
    return seen;
  });
  expect(layers[0]!.length).toBeGreaterThan(60);
  const differing = layers.slice(1).flatMap((l, i) => l.filter(([, b], j) => !b.equals(layers[0]![j]![1])).map(([name]) => `${name}: ${builds[i + 1]!.isa} vs ${builds[0]!.isa}`));
  expect(differing).toEqual([]);
}, 120_000);
