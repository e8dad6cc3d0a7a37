// Fused inverted-residual blocks (src/tflite/fuse.ts, lower/block.ts): a model run with its blocks
// fused gives the same bytes as the same model run operator by operator (the default), in every
// build: random block shapes (expansion or none, depthwise 3×3 / 5×5, strides 1 and 2, SAME and
// VALID, with and without the residual ADD) at random tile sizes down to one row, MobileNetV2 and
// EfficientNet-Lite0 as qkern writes them, and the real MobileNetV2 (its PADs folded into the
// stride-2 depthwise convolutions) on the dog photo.

import fc from "fast-check";
import { expect, it } from "vitest";
import { calibrate, efficientNetLite0, mobileNetV2, syntheticImage, type ModelSpec } from "../../src/index.js";
import { Builder, SeededInit, type Activation } from "../../src/models/spec.js";
import { tfliteFromSpec } from "../../src/tflite/build.js";
import { loadModel } from "../../src/tflite/load.js";
import { describeBuilds } from "../support/helpers.js";
import { sharedModel } from "../support/shared-models.js";

interface BlockCase { readonly expansion: number; readonly k: 3 | 5; readonly stride: 1 | 2; readonly valid: boolean; readonly residual: boolean; readonly act: Activation }

function net(seed: number, h: number, w: number, c: number, blocks: readonly BlockCase[]): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, c, 3, 1, "relu6", "same");
  let ch = c;
  let [hh, ww] = [h, w];
  blocks.forEach((k0, i) => {
    // VALID only where the map still holds the kernel.
    const k = { ...k0, valid: k0.valid && hh >= k0.k && ww >= k0.k };
    [hh, ww] = k.valid ? [Math.floor((hh - k.k) / k.stride) + 1, Math.floor((ww - k.k) / k.stride) + 1] : [Math.ceil(hh / k.stride), Math.ceil(ww / k.stride)];
    const e = k.expansion === 1 ? x : b.conv(x, ch, ch * k.expansion, 1, 1, k.act);
    const ce = ch * k.expansion;
    const d = `dw${i}`;
    b.layers.push({ op: "dwconv", name: d, input: e, shape: [k.k, k.k, ce], weights: b.init.weights(k.k * k.k * ce, k.k * k.k, Math.SQRT2), bias: b.init.bias(ce, 0.05), stride: k.stride, padding: k.valid ? "valid" : "same", activation: k.act });
    const residual = k.residual && k.stride === 1 && !k.valid;
    const out = residual ? ch : ch + 4;
    const p = b.conv(d, ce, out, 1, 1, "none");
    x = residual ? b.add(p, x) : p;
    ch = out;
  });
  x = b.gap(x);
  return { name: "blocks", inputShape: [1, h, w, 3], layers: b.layers, output: b.fc(x, ch, 6, "logits") };
}

const image = (spec: ModelSpec, seed: number): Int8Array => Int8Array.from(syntheticImage(spec.inputShape, seed), (v) => Math.max(-128, Math.min(127, Math.round(v * 50))));

const mobilenet = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
const dog = sharedModel("dog_1x3x224x224.int8.bin");

describeBuilds("fused inverted-residual blocks", (get) => {
  it("random blocks at random tile sizes: the bytes of the unfused run", () => {
    const qk = get();
    const block = fc.record({
      expansion: fc.constantFrom(1, 2, 3, 6), k: fc.constantFrom(3 as const, 5 as const), stride: fc.constantFrom(1 as const, 2 as const),
      valid: fc.boolean(), residual: fc.boolean(), act: fc.constantFrom<Activation>("none", "relu", "relu6"),
    });
    fc.assert(fc.property(
      fc.integer({ min: 5, max: 21 }), fc.integer({ min: 5, max: 17 }), fc.integer({ min: 2, max: 9 }), fc.array(block, { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 1000 }),
      (h, w, c, blocks, tileBytes, seed) => {
        const spec = net(seed, h, w, c, blocks);
        const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, seed)]));
        using plain = loadModel(qk, bytes, { fuse: false });
        using fused = loadModel(qk, bytes, { fuse: true, fuseTuning: { minBytes: 0, tileBytes } });
        expect(fused.timings.filter((t) => t.op.startsWith("INVERTED_RESIDUAL")).length).toBe(blocks.length);
        const x = image(spec, seed + 1);
        expect(Array.from(fused.run([x])[0]!)).toEqual(Array.from(plain.run([x])[0]!));
      },
    ), { numRuns: 25, seed: 2112 });
  });

  it("MobileNetV2 and EfficientNet-Lite0 written by qkern: fused, the bytes of the unfused run", () => {
    const qk = get();
    for (const spec of [mobileNetV2(1), efficientNetLite0(3)]) {
      const bytes = tfliteFromSpec(spec, calibrate(qk, spec, [syntheticImage(spec.inputShape, 1)]));
      using plain = loadModel(qk, bytes);
      using fused = loadModel(qk, bytes, { fuse: true });
      expect(fused.timings.filter((t) => t.op.startsWith("INVERTED_RESIDUAL")).length, spec.name).toBeGreaterThan(3);
      expect(fused.memory.arenaBytes).toBeLessThan(plain.memory.arenaBytes);
      const x = image(spec, 2);
      expect(Array.from(fused.run([x])[0]!), spec.name).toEqual(Array.from(plain.run([x])[0]!));
    }
  });

  it.skipIf(!mobilenet.ok || !dog.ok)(`${mobilenet.title}: fused (PADs folded into the stride-2 depthwise convolutions) gives the unfused bytes on the dog photo`, () => {
    const qk = get();
    const x = new Int8Array(dog.read().buffer);
    using plain = loadModel(qk, mobilenet.read());
    expect(plain.timings.some((t) => t.op.startsWith("INVERTED_RESIDUAL"))).toBe(false); // not fused by default
    for (const tileBytes of [1, 20_000, 1 << 20]) {
      using fused = loadModel(qk, mobilenet.read(), { fuse: true, fuseTuning: { minBytes: 0, tileBytes } });
      expect(fused.timings.filter((t) => t.op.startsWith("INVERTED_RESIDUAL")).length).toBe(17);
      expect(Array.from(fused.run([x])[0]!), `tiles of ${tileBytes} bytes`).toEqual(Array.from(plain.run([x])[0]!));
    }
  });
});
