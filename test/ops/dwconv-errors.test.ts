// Bad input to packDepthwiseWeights / depthwiseConv2d: each a QkernError naming op, argument, shapes.
import { describe, expect, it } from "vitest";
import { createQkern, depthwiseConv2d, packDepthwiseWeights } from "../../src/index.js";
import { expectError } from "../support/helpers.js";

describe("depthwise error catalogue", async () => {
  const qk = await createQkern({ isa: "scalar" });
  const x = qk.tensor(new Int8Array(1 * 5 * 5 * 8), [1, 5, 5, 8], { quant: { scale: 0.1 } });
  const w = packDepthwiseWeights(qk.tensor(new Int8Array(3 * 3 * 8), [3, 3, 8], { quant: { scale: 0.1 } }));

  it("channel mismatch and wrong ranks", () => {
    const x6 = qk.tensor(new Int8Array(1 * 5 * 5 * 6), [1, 5, 5, 6]);
    expectError(() => depthwiseConv2d(x6, w), "depthwiseConv2d", "x", /has 6 channels, but the weights have 8 output channels/);
    expectError(() => depthwiseConv2d(qk.tensor(new Int8Array(25), [5, 5, 1]), w), "depthwiseConv2d", "x", /NHWC/);
    expectError(() => packDepthwiseWeights(qk.tensor(new Int8Array(9), [3, 3])), "packDepthwiseWeights", "w", /\[KH, KW, C·multiplier\]/);
    expectError(() => packDepthwiseWeights(qk.tensor(new Int8Array(18), [2, 3, 3, 1]), { layout: "onnx" }), "packDepthwiseWeights", "w", /\[C·multiplier, 1, KH, KW\]/);
    expectError(() => depthwiseConv2d(qk.tensor(new Float32Array(200), [1, 5, 5, 8]), w), "depthwiseConv2d", "x", /int8 or uint8, got float32/);
  });

  it("kernel larger than the padded input", () => {
    const big = packDepthwiseWeights(qk.tensor(new Int8Array(7 * 7 * 8), [7, 7, 8]));
    expectError(() => depthwiseConv2d(x, big), "depthwiseConv2d", "weights", /kernel 7 \(dilation 1, stride 1\) is larger than the padded input 5/);
    expectError(() => depthwiseConv2d(x, w, { dilations: 3 }), "depthwiseConv2d", "weights", /larger than the padded input/);
    expect(depthwiseConv2d(x, big, { padding: "same" }).shape).toEqual([1, 5, 5, 8]);
  });

  it("strides / dilations <= 0 and bad padding", () => {
    expectError(() => depthwiseConv2d(x, w, { strides: 0 }), "depthwiseConv2d", "options.strides", /integers >= 1/);
    expectError(() => depthwiseConv2d(x, w, { strides: [1, -1] }), "depthwiseConv2d", "options.strides", /integers >= 1/);
    expectError(() => depthwiseConv2d(x, w, { dilations: [0, 1] }), "depthwiseConv2d", "options.dilations", /integers >= 1/);
    expectError(() => depthwiseConv2d(x, w, { padding: "full" as "same" }), "depthwiseConv2d", "options.padding", /'valid', 'same' or \[top, left, bottom, right\]/);
    expectError(() => depthwiseConv2d(x, w, { padding: [1, 1, 1] as unknown as [number, number, number, number] }), "depthwiseConv2d", "options.padding", /top, left, bottom, right/);
    expectError(() => depthwiseConv2d(x, w, { padding: [1, -1, 1, 1] }), "depthwiseConv2d", "options.padding", />= 0/);
  });

  it("wrong bias length or values", () => {
    const wt = qk.tensor(new Int8Array(9 * 8), [3, 3, 8]);
    expectError(() => packDepthwiseWeights(wt, { bias: [1, 2, 3] }), "packDepthwiseWeights", "options.bias", /must hold 8 values/);
    expectError(() => packDepthwiseWeights(wt, { bias: new Array(8).fill(0.5) }), "packDepthwiseWeights", "options.bias", /element 0 is 0.5/);
  });

  it("outputs, disposed weights, other instances", async () => {
    expectError(() => depthwiseConv2d(x, w, { out: qk.empty("int32", [1, 5, 5, 8]) }), "depthwiseConv2d", "options.out", /expected int32\[1,3,3,8\]/);
    expectError(() => depthwiseConv2d(x, w, { output: "float32" as "int32" }), "depthwiseConv2d", "options.output", /'int32' or/);
    const plain = packDepthwiseWeights(qk.tensor(new Int8Array(9 * 8), [3, 3, 8]));
    expectError(() => depthwiseConv2d(x, plain, { output: { dtype: "int8", scale: 1 } }), "depthwiseConv2d", "weights", /have no scales/);
    plain.dispose();
    expectError(() => depthwiseConv2d(x, plain), "depthwiseConv2d", "weights", /were disposed/);
    const other = await createQkern({ isa: "scalar" });
    expectError(() => depthwiseConv2d(other.tensor(new Int8Array(200), [1, 5, 5, 8]), w), "depthwiseConv2d", "weights", /another qkern instance/);
  });
});
