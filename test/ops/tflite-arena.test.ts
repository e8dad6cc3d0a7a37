// The loader's activation arena (src/graph/arena.ts, src/tflite/plan.ts): no two tensors alive at
// once share a byte; a model in the arena gives the same bytes as with every tensor in its own
// allocation (guard mode, which also checks that no kernel writes past its output); RESHAPE runs as
// an alias; runs allocate nothing and dispose returns everything.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calibrate, createQkern, mobileNetV2, syntheticImage, type ModelSpec } from "../../src/index.js";
import { ARENA_ALIGN, planArena } from "../../src/graph/arena.js";
import { Builder, SeededInit } from "../../src/models/spec.js";
import { tfliteFromSpec } from "../../src/tflite/build.js";
import { loadModel } from "../../src/tflite/load.js";
import { encodeTflite } from "../../src/tflite/writer.js";
import { describeBuilds } from "../support/helpers.js";

describe("planArena", () => {
  it("tensors with overlapping lifetimes never share a byte; slots are aligned; sharing never costs more than no sharing", () => {
    const request = fc.record({ bytes: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 5000 })), first: fc.integer({ min: 0, max: 12 }), len: fc.integer({ min: 0, max: 6 }) });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 40 }), (rs) => {
        const reqs = rs.map((r) => ({ bytes: r.bytes, first: r.first, last: r.first + r.len }));
        const plan = planArena(reqs);
        const live = (s: number) => reqs.map((r, i) => [r, i] as const).filter(([r]) => r.first <= s && s <= r.last);
        for (let s = 0; s <= 18; s++) {
          const ranges = live(s).map(([r, i]) => [plan.offsets[i]!, plan.offsets[i]! + Math.max(r.bytes, 1)] as const).sort((a, b) => a[0] - b[0]);
          for (let k = 1; k < ranges.length; k++) expect(ranges[k]![0]).toBeGreaterThanOrEqual(ranges[k - 1]![1]);
          expect(live(s).reduce((n, [r]) => n + r.bytes, 0)).toBeLessThanOrEqual(plan.bytes);
        }
        reqs.forEach((r, i) => {
          expect(plan.offsets[i]! % ARENA_ALIGN).toBe(0);
          expect(plan.offsets[i]! + r.bytes).toBeLessThanOrEqual(plan.bytes);
        });
        expect(plan.bytes).toBeLessThanOrEqual(plan.unshared);
      }),
    );
  });
});

/** Residual branches that stay alive across several layers, both paddings, a stride-2 depthwise. */
function branchy(seed: number): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 8, 3, 2, "relu6", "valid");
  const e = b.conv(x, 8, 24, 1, 1, "relu6");
  const d = b.dwconv(e, 24, 3, 1, "relu6");
  x = b.add(x, b.conv(d, 24, 8, 1, 1, "none"));
  const y = b.add(x, b.conv(b.dwconv(b.conv(x, 8, 16, 1, 1, "relu"), 16, 5, 1, "relu"), 16, 8, 1, 1, "none"));
  x = b.dwconv(b.add(y, x), 8, 3, 2, "none");
  x = b.gap(b.conv(x, 8, 20, 1, 1, "relu6"));
  return { name: "branchy", inputShape: [1, 23, 19, 3], layers: b.layers, output: b.fc(x, 20, 10, "logits") };
}

describeBuilds("TFLite activation arena", (get, isa) => {
  it("a model in the arena gives the bytes of the same model with every tensor on its own (guard mode: no kernel writes past its output)", async () => {
    const qk = get();
    const guarded = await createQkern({ isa, guard: true });
    for (const seed of [1, 2]) {
      const spec = branchy(seed);
      const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, seed + 5)]));
      using a = loadModel(qk, bytes);
      using b = loadModel(guarded, bytes);
      expect(a.memory.arenaBytes).toBeGreaterThan(0);
      expect(a.memory.arenaBytes).toBeLessThan(a.memory.unsharedBytes);
      expect(b.memory.arenaBytes).toBe(0);
      for (const s of [3, 4]) {
        const x = Int8Array.from(syntheticImage(spec.inputShape, s), (v) => Math.max(-128, Math.min(127, Math.round(v * 40))));
        expect(Array.from(a.run([x])[0]!), `seed ${seed}, image ${s}`).toEqual(Array.from(b.run([x])[0]!));
      }
    }
  });
});

describeBuilds("TFLite model memory", (get) => {
  it("MobileNetV2: the arena holds every intermediate in under a quarter of their total bytes; runs allocate nothing; dispose returns every byte", () => {
    const qk = get();
    const spec = mobileNetV2(1);
    const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
    const before = qk.memoryStats();
    const model = loadModel(qk, bytes); // not fused: every intermediate a tensor (fusion shrinks it further: tflite-fuse.test.ts)
    expect(model.memory.arenaBytes).toBeLessThan(model.memory.unsharedBytes / 4);
    const x = new Int8Array(224 * 224 * 3).fill(3);
    const first = model.run([x])[0]!;
    const loaded = qk.memoryStats();
    const again = model.run([x])[0]!;
    expect(qk.memoryStats()).toMatchObject({ bytesInUse: loaded.bytesInUse, allocations: loaded.allocations });
    expect(Array.from(again)).toEqual(Array.from(first));
    model.dispose();
    expect(qk.memoryStats()).toMatchObject({ bytesInUse: before.bytesInUse, allocations: before.allocations });
  });

  it("RESHAPE runs as an alias of its input (no step, no copy), also when it feeds FULLY_CONNECTED", () => {
    const q = (s: number) => ({ scale: Float32Array.of(s), zeroPoint: Int32Array.of(0), axis: 0 });
    const w = Int8Array.from({ length: 3 * 16 }, (_, i) => ((i * 37) % 255) - 127);
    const bytes = encodeTflite({
      tensors: [
        { name: "x", shape: [1, 2, 2, 4], type: "int8", data: null, quant: q(0.05) },
        { name: "shape", shape: [2], type: "int32", data: new Uint8Array(Int32Array.of(1, 16).buffer), quant: null },
        { name: "flat", shape: [1, 16], type: "int8", data: null, quant: q(0.05) },
        { name: "w", shape: [3, 16], type: "int8", data: new Uint8Array(w.buffer), quant: q(0.01) },
        { name: "y", shape: [1, 3], type: "int8", data: null, quant: q(0.1) },
      ],
      inputs: [0],
      outputs: [4],
      operators: [
        { code: 22, inputs: [0, 1], outputs: [2], options: { newShape: [1, 16] } },
        { code: 9, inputs: [2, 3, -1], outputs: [4], options: { activation: "none" } },
      ],
    });
    using model = loadModel(get(), bytes);
    const x = Int8Array.from({ length: 16 }, (_, i) => i * 9 - 70);
    const [y] = model.run([x]);
    expect(model.timings.map((t) => t.op)).toEqual(["FULLY_CONNECTED"]);
    // y[n] = round(Σ x·w · 0.05·0.01 / 0.1), clamped: the reference written out.
    const want = [0, 1, 2].map((n) => Math.max(-128, Math.min(127, Math.round(x.reduce((s, v, k) => s + v * w[n * 16 + k]!, 0) * 0.005))));
    expect(Array.from(y!)).toEqual(want);
  });
});
