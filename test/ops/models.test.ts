// Models: the published architectures (parameter counts), float vs int8 agreement, every layer
// kind in every build (a small network exercising conv, depthwise, add, concat, max pool, global
// pool, fully connected), weight files, and the calibration observers.
import { describe, expect, it } from "vitest";
import {
  FloatNetwork, QuantizedNetwork, calibrate, createObserver, createQkern, exportWeights, importWeights, mobileNetV2, parameterCount, squeezeNet11,
  efficientNetLite0, sqnr, syntheticImage, topK, type ModelSpec,
} from "../../src/index.js";
import { Builder, SeededInit } from "../../src/models/spec.js";
import { allAvailableBuilds, describeBuilds } from "../support/helpers.js";

function tinyModel(seed: number): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 8, 3, 2, "relu6");
  const d = b.dwconv(x, 8, 3, 1, "relu6");
  x = b.add(x, b.conv(d, 8, 8, 1, 1, "none"));
  const e1 = b.conv(x, 8, 6, 1, 1, "relu");
  const e3 = b.conv(x, 8, 6, 3, 1, "relu");
  x = b.concat([e1, e3]);
  x = b.maxpool(x, 3, 2);
  x = b.conv(x, 12, 16, 5, 1, "relu6");
  x = b.dwconv(x, 16, 5, 2, "relu6");
  x = b.gap(x);
  return { name: "tiny", inputShape: [1, 19, 17, 3], layers: b.layers, output: b.fc(x, 16, 10, "logits") };
}

describe("architectures", () => {
  it("match the published parameter counts (BatchNorm folded into conv biases)", () => {
    // MobileNetV2 1.0: 3,504,872 with BatchNorm (2 per channel); folded, each conv gets one bias instead.
    expect(parameterCount(mobileNetV2())).toBe(3_487_816);
    expect(parameterCount(squeezeNet11())).toBe(1_235_496);
    expect(efficientNetLite0().layers.filter((l) => l.op === "dwconv").length).toBe(16);
  });

  it("weight files round-trip and are checked against the architecture", () => {
    const spec = tinyModel(4);
    const { manifest, data } = exportWeights(spec);
    const back = importWeights(tinyModel(99), manifest, data);
    back.layers.forEach((l, i) => {
      const o = spec.layers[i]!;
      if ("weights" in l && "weights" in o) expect(Array.from(l.weights)).toEqual(Array.from(o.weights));
    });
    expect(() => importWeights(mobileNetV2(), manifest, data)).toThrow(/importWeights: manifest.tensors/);
    expect(() => importWeights(spec, { ...manifest, format: "x" as "qkern-weights-1" }, data)).toThrow(/qkern-weights-1/);
  });
});

describeBuilds("networks", (get) => {
  it("run every layer kind in int8 and float32 and agree", () => {
    const qk = get();
    const spec = tinyModel(7);
    // Calibrated on the image it is tested on (plus two others), so activations are not clipped.
    const images = [10, 1, 2].map((s) => syntheticImage(spec.inputShape, s));
    const params = calibrate(qk, spec, images);
    using f = new FloatNetwork(qk, spec);
    for (const activations of ["int8", "uint8"] as const) {
      using q = new QuantizedNetwork(qk, spec, calibrate(qk, spec, images, { activations }), { activations });
      const img = syntheticImage(spec.inputShape, 10);
      const fl = f.run(img).logits;
      const ql = q.run(img).logits;
      expect(ql.length).toBe(10);
      expect(sqnr(fl, ql)).toBeGreaterThan(18);
      expect(topK(ql, 1)).toEqual(topK(fl, 1));
    }
    using fixed = new QuantizedNetwork(qk, spec, params, { stage: "fixedpoint" });
    expect(fixed.run(syntheticImage(spec.inputShape, 10)).logits.length).toBe(10);
    expect(qk.memoryStats().allocations).toBeGreaterThan(0);
  });

  // Also the regression test of a leak it found: FloatNetwork (and so calibrate) never freed the
  // float weight tensors it packed from (14 MB per MobileNetV2 calibration).
  it("int8 runs reuse their layer outputs: same logits on every run, no growth after the first, all freed on dispose", () => {
    const qk = get();
    const spec = tinyModel(3);
    const images = [5, 6].map((s) => syntheticImage(spec.inputShape, s));
    const before = qk.memoryStats();
    const q = new QuantizedNetwork(qk, spec, calibrate(qk, spec, images));
    const packed = qk.memoryStats();
    const first = [q.run(images[0]!).logits, q.run(images[1]!).logits];
    const kept = qk.memoryStats();
    expect(kept.allocations).toBeGreaterThan(packed.allocations); // the layer outputs
    for (let i = 0; i < 3; i++) {
      expect(Array.from(q.run(images[i % 2]!).logits)).toEqual(Array.from(first[i % 2]!));
      expect(qk.memoryStats().allocations).toBe(kept.allocations);
      expect(qk.memoryStats().bytesInUse).toBe(kept.bytesInUse);
    }
    // A fresh network computes the same logits (the kept outputs carry nothing between runs).
    using fresh = new QuantizedNetwork(qk, spec, calibrate(qk, spec, images));
    expect(Array.from(fresh.run(images[1]!).logits)).toEqual(Array.from(first[1]!));
    fresh.dispose();
    q.dispose();
    expect(qk.memoryStats().allocations).toBe(before.allocations);
    expect(qk.memoryStats().bytesInUse).toBe(before.bytesInUse);
  });
});

describe("networks across builds", () => {
  it("give identical int8 logits in every build (TOLERANCES.crossBuild)", async () => {
    const builds = await allAvailableBuilds();
    const spec = tinyModel(8);
    const params = calibrate(builds[0]!, spec, [syntheticImage(spec.inputShape, 1)]);
    const outs = builds.map((qk) => {
      using q = new QuantizedNetwork(qk, spec, params);
      return Array.from(q.run(syntheticImage(spec.inputShape, 2)).logits);
    });
    for (const o of outs) expect(o).toEqual(outs[0]);
  });

  it("with 7-bit (reduce-range) GEMM weights: identical logits in every build, still close to float32", async () => {
    const builds = await allAvailableBuilds();
    const spec = tinyModel(8);
    const images = [10, 1, 2].map((s) => syntheticImage(spec.inputShape, s));
    const params = calibrate(builds[0]!, spec, images);
    using f = new FloatNetwork(builds[0]!, spec);
    const fl = f.run(images[0]!).logits;
    const outs = builds.map((qk) => {
      using q = new QuantizedNetwork(qk, spec, params, { reduceRange: true });
      return Array.from(q.run(images[0]!).logits);
    });
    for (const o of outs) expect(o).toEqual(outs[0]);
    expect(sqnr(fl, outs[0]!)).toBeGreaterThan(15);
    expect(topK(outs[0]!, 1)).toEqual(topK(fl, 1));
  });

  it("MobileNetV2 int8 agrees with float32 (top-5 overlap, logits SQNR) on seeded images", async () => {
    const qk = await createQkern();
    const spec = mobileNetV2();
    const params = calibrate(qk, spec, [101, 102].map((s) => syntheticImage(spec.inputShape, s)));
    using f = new FloatNetwork(qk, spec);
    using q = new QuantizedNetwork(qk, spec, params);
    expect(q.modelBytes / f.weightBytes).toBeLessThanOrEqual(0.26);
    let overlap = 0;
    for (const seed of [1, 2, 3]) {
      const img = syntheticImage(spec.inputShape, seed);
      const fl = f.run(img).logits;
      const ql = q.run(img).logits;
      overlap += topK(fl, 5).filter((c) => topK(ql, 5).includes(c)).length;
      expect(sqnr(fl, ql)).toBeGreaterThan(18);
    }
    expect(overlap / 3).toBeGreaterThanOrEqual(4);
  });
});

describe("calibration observers", () => {
  const data = Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i) * 2 + (i === 5000 ? 40 : 0));
  it("minmax sees the extremes; moving average follows batches; percentile and mse clip the outlier", () => {
    const mm = createObserver("minmax");
    mm.observe(data);
    expect(mm.range()).toEqual([Math.min(...data), 40 + Math.sin(5000) * 2].map(Math.fround) as [number, number]);
    const ma = createObserver("moving-average", { averagingConstant: 0.5 });
    ma.observe([0, 10]);
    ma.observe([0, 20]);
    expect(ma.range()).toEqual([0, 15]);
    const p = createObserver("percentile", { percentile: 99.9 });
    p.observe(data);
    expect(p.range()[0]).toBeLessThan(-1.5);
    expect(p.range()[1]).toBeGreaterThan(1.5);
    expect(p.range()[1]).toBeLessThan(3);
    // mse trades clipping error against rounding error: with one outlier in 10000 it keeps the
    // outlier (clipping 38² costs more than the coarser steps); with 5% outliers it still stays
    // inside the min/max range.
    for (const outliers of [1, 500]) {
      const d = Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i) * 2 + (i % Math.floor(10000 / outliers) === 0 ? 40 : 0));
      const o = createObserver("mse");
      o.observe(d);
      const [lo, hi] = o.range();
      expect(lo).toBeGreaterThanOrEqual(Math.min(0, ...d) - 1e-3);
      expect(hi).toBeLessThanOrEqual(Math.max(...d) + 1e-3);
      expect(hi).toBeGreaterThan(1.5);
    }
    expect(() => createObserver("median" as "mse")).toThrow(/minmax/);
  });
});
