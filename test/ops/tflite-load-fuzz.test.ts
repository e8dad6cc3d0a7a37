// Damaged model files through the whole loader (decode, validate, plan, pack, lower), not only the
// decoder: loadModel either refuses the file with a QkernError and the instance's memory is exactly
// where it was, or the model loads, runs without any error (everything a run could trip on was
// checked at load) and dispose returns every byte. Two files: a small network qkern writes itself
// (every layer kind the loader runs; no ../shared needed) and hello_world (../shared/models).

import fc from "fast-check";
import { expect, it } from "vitest";
import { QkernError, calibrate, syntheticImage, type ModelSpec, type Qkern } from "../../src/index.js";
import { Builder, SeededInit } from "../../src/models/spec.js";
import { tfliteFromSpec } from "../../src/tflite/build.js";
import { loadModel } from "../../src/tflite/load.js";
import { describeBuilds } from "../support/helpers.js";
import { sharedModel } from "../support/shared-models.js";

function smallNet(): ModelSpec {
  const b = new Builder(new SeededInit(4));
  let x = b.conv("input", 3, 8, 3, 2, "relu6", "same");
  x = b.add(x, b.conv(b.dwconv(x, 8, 3, 1, "relu6"), 8, 8, 1, 1, "none"));
  x = b.gap(b.conv(x, 8, 12, 1, 1, "relu"));
  return { name: "fuzz-net", inputShape: [1, 9, 7, 3], layers: b.layers, output: b.fc(x, 12, 5, "logits") };
}

const mutation = (length: number) => fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.integer({ min: 0, max: length - 1 }) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.integer({ min: 0, max: length - 1 }), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("word" as const), at: fc.integer({ min: 0, max: length - 4 }), value: fc.constantFrom(0, 1, 2, 3, 7, 0x7fffffff, 0xffffffff, 0x80000000, length, length - 4) }),
);

function fuzz(qk: Qkern, good: Uint8Array, numRuns: number, seed: number): { loaded: number; refused: number } {
  const counts = { loaded: 0, refused: 0 };
  fc.assert(fc.property(mutation(good.length), (d) => {
    const b = d.kind === "truncate" ? good.slice(0, d.at) : good.slice();
    if (d.kind === "flip") b[d.at]! ^= d.bits;
    if (d.kind === "word") new DataView(b.buffer).setUint32(d.at, d.value, true);
    const before = qk.memoryStats();
    let model;
    try {
      model = loadModel(qk, b);
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(QkernError);
      expect(qk.memoryStats(), `memory after refusing (${JSON.stringify(d)}): ${String(e)}`).toMatchObject({ bytesInUse: before.bytesInUse, allocations: before.allocations });
      counts.refused++;
      return;
    }
    counts.loaded++;
    try {
      const inputs = model.inputs.map((t) => new (t.dtype === "uint8" ? Uint8Array : Int8Array)(t.shape.reduce((x, y) => x * y, 1)).fill(t.zeroPoint));
      const outputs = model.run(inputs);
      expect(outputs.length).toBe(model.outputs.length);
    } finally {
      model.dispose();
    }
    expect(qk.memoryStats()).toMatchObject({ bytesInUse: before.bytesInUse, allocations: before.allocations });
  }), { numRuns, seed });
  return counts;
}

const hello = sharedModel("hello_world_int8.tflite");

describeBuilds("loadModel on damaged files", (get) => {
  it("a small network qkern writes itself: refused with a QkernError and memory as before, or loads, runs and frees everything", () => {
    const qk = get();
    const spec = smallNet();
    const good = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
    const counts = fuzz(qk, good, 1500, 21);
    // Both outcomes happen (flips inside weight data load fine; flips in offsets are refused).
    expect(counts.loaded).toBeGreaterThan(50);
    expect(counts.refused).toBeGreaterThan(50);
  });

  it.skipIf(!hello.ok)(`${hello.title}: refused with memory as before, or loads, runs and frees everything`, () => {
    fuzz(get(), hello.read(), 1500, 22);
  });
});
