// Float32 TFLite models (no quantization) on qkern's float kernels: the seed networks written by
// tfliteFromSpec(..., { float: true }) give FloatNetwork's logits bit for bit (same kernels, same
// order) in every build, and within TOLERANCES.floatModelVsLitert of LiteRT.js (its SIMD128 build;
// skipped where the peer is missing, saying why). Operators outside the float set, and operators
// mixing float32 with 8-bit tensors, are refused at load naming the operator.

import { afterAll, expect, it } from "vitest";
import { optionalLitert } from "../support/litert-peer.js";
import { FloatNetwork, QkernError, efficientNetLite0, mobileNetV2, squeezeNet11, syntheticImage } from "../../src/index.js";
import { tfliteFromSpec } from "../../src/tflite/build.js";
import { loadModel } from "../../src/tflite/load.js";
import { encodeTflite } from "../../src/tflite/writer.js";
import { describeBuilds, expectError } from "../support/helpers.js";

const { peer, reason } = await optionalLitert();
afterAll(() => peer?.dispose());

describeBuilds("float32 TFLite models", (get) => {
  it("MobileNetV2, SqueezeNet 1.1 and EfficientNet-Lite0 written as float32 files: FloatNetwork's logits bit for bit", () => {
    const qk = get();
    for (const spec of [mobileNetV2(1), squeezeNet11(2), efficientNetLite0(3)]) {
      using model = loadModel(qk, tfliteFromSpec(spec, new Map(), { float: true }));
      expect(model.inputs.map((i) => [i.dtype, i.shape])).toEqual([["float32", [1, 224, 224, 3]]]);
      using net = new FloatNetwork(qk, spec);
      const img = syntheticImage(spec.inputShape, 4);
      expect(Array.from(model.run([img])[0]!), spec.name).toEqual(Array.from(net.run(img).logits));
    }
  });

  it.skipIf(peer === undefined)(`MobileNetV2 float32: within 1e-4 of the largest logit of LiteRT.js's (TOLERANCES.floatModelVsLitert)${peer ? "" : ` (skipped: ${reason})`}`, async () => {
    const spec = mobileNetV2(1);
    const bytes = tfliteFromSpec(spec, new Map(), { float: true });
    const pm = await peer!.compile(bytes);
    const img = syntheticImage(spec.inputShape, 5);
    const want = Array.from(pm.run([img])[0]!);
    pm.dispose();
    using model = loadModel(get(), bytes);
    const got = model.run([img])[0]!;
    const scale = Math.max(...want.map(Math.abs));
    const worst = Math.max(...want.map((w, i) => Math.abs(w - got[i]!)));
    expect(scale).toBeGreaterThan(0.1);
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
  });

  it("refuses float32 operators outside the float set and operators mixing float32 with int8, naming them", () => {
    const qk = get();
    const q = { scale: [0.1], zeroPoint: [0] };
    const logistic = encodeTflite({ tensors: [{ name: "x", shape: [4], type: "float32" }, { name: "y", shape: [4], type: "float32" }], inputs: [0], outputs: [1], operators: [{ code: 14, inputs: [0], outputs: [1] }] });
    expectError(() => loadModel(qk, logistic), "loadModel", "operator 0 (LOGISTIC)", /computes on float32 tensor 0 \(x\); float32 runs only in CONV_2D/);
    const mixed = encodeTflite({
      tensors: [{ name: "a", shape: [4], type: "float32" }, { name: "b", shape: [4], type: "int8", quant: q }, { name: "y", shape: [4], type: "float32" }],
      inputs: [0, 1], outputs: [2], operators: [{ code: 0, inputs: [0, 1], outputs: [2], options: { activation: "none" } }],
    });
    expectError(() => loadModel(qk, mixed), "loadModel", "operator 0 (ADD)", /mixes float32 tensor 0 \(a\) with 8-bit ones/);
    expect(() => loadModel(qk, mixed)).toThrow(QkernError);
  });
});
