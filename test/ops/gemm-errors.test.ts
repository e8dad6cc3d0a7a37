// Bad input to packGemmWeights / gemm: each case a QkernError naming op, argument and shapes.
import { describe, expect, it } from "vitest";
import { createQkern, gemm, packGemmWeights } from "../../src/index.js";
import { expectError } from "../support/helpers.js";

describe("gemm error catalogue", async () => {
  const qk = await createQkern({ isa: "scalar" });
  const a = qk.tensor(new Int8Array(6), [2, 3], { quant: { scale: 0.1 } });
  const b = qk.tensor(new Int8Array(12), [3, 4], { quant: { axis: 1, scale: [0.1, 0.1, 0.1, 0.1] } });
  const w = packGemmWeights(b);

  it("dtype, shape and layout mismatches", () => {
    expectError(() => packGemmWeights(qk.tensor(new Int32Array(2), [1, 2])), "packGemmWeights", "b", /must have dtype int8 or uint8 or float32, got int32\[1,2\]/);
    expectError(() => packGemmWeights(qk.tensor(new Int8Array(8), [2, 2, 2])), "packGemmWeights", "b", /must be 2-D/);
    expectError(() => packGemmWeights(b, { layout: "kk" as "kn" }), "packGemmWeights", "options.layout", /'kn' or 'nk'/);
    expectError(() => packGemmWeights(b, { layout: "nk" }), "packGemmWeights", "b", /axis 0 for layout 'nk'/);
    expectError(() => gemm(qk.tensor(new Int8Array(8), [2, 4]), w), "gemm", "a", /must be \[..., M, K\] with K = 3 .* got int8\[2,4\]/);
    expectError(() => gemm(qk.tensor(new Int32Array(6), [2, 3]), w), "gemm", "a", /int8 or uint8, got int32/);
    expectError(() => gemm(a, w, { out: qk.empty("int32", [2, 3]) }), "gemm", "options.out", /expected int32\[2,4\]/);
    expectError(() => gemm(a, {} as never), "gemm", "weights", /packGemmWeights/);
  });

  it("bias length and values", () => {
    expectError(() => packGemmWeights(b, { bias: [1, 2, 3] }), "packGemmWeights", "options.bias", /N = 4 values, got 3/);
    expectError(() => packGemmWeights(b, { bias: [1, 2, 3, 0.5] }), "packGemmWeights", "options.bias", /element 3 is 0.5/);
    expectError(() => packGemmWeights(b, { floatBias: [1, 2, NaN, 0] }), "packGemmWeights", "options.floatBias", /not finite/);
  });

  it("reduceRange refuses weights outside the 7-bit range, float weights and non-boolean values", () => {
    const b7 = qk.tensor(new Int8Array([-64, 63, 0, 64, 1, 2]), [3, 2], { quant: { scale: 0.1 } });
    expectError(() => packGemmWeights(b7, { reduceRange: true }), "packGemmWeights", "b",
      /reduceRange needs 7-bit int8 weights in \[-64, 63\], got 64 at k = 1, n = 1 \(b: int8\[3,2\], layout 'kn'\); quantize with chooseQuantParams\(min, max, \{ reduceRange: true \}\)/);
    expectError(() => packGemmWeights(b7, { reduceRange: true, layout: "nk" }), "packGemmWeights", "b", /got 64 at k = 1, n = 1 \(b: int8\[3,2\], layout 'nk'\)/);
    const u7 = qk.tensor(new Uint8Array([0, 127, 128, 5]), [2, 2], { quant: { scale: 0.1, zeroPoint: 200 } });
    expectError(() => packGemmWeights(u7, { reduceRange: true }), "packGemmWeights", "b", /7-bit uint8 weights in \[0, 127\], got 128 at k = 1, n = 0/);
    expectError(() => packGemmWeights(qk.tensor(new Int8Array([-65, 0]), [1, 2]), { reduceRange: true }), "packGemmWeights", "b", /got -65 at k = 0, n = 0/);
    expectError(() => packGemmWeights(qk.tensor([0.5, 1], [1, 2]), { reduceRange: true }), "packGemmWeights", "options.reduceRange", /applies to int8\/uint8 weights, got float32\[1,2\]/);
    expectError(() => packGemmWeights(b, { reduceRange: "yes" as unknown as boolean }), "packGemmWeights", "options.reduceRange", /must be true or false, got yes/);
    expect(packGemmWeights(qk.tensor(new Uint8Array([0, 127, 64, 5]), [2, 2]), { reduceRange: true }).reduceRange).toBe(true);
  });

  it("scale / zero-point arity and missing parameters", () => {
    expectError(() => qk.tensor(new Int8Array(12), [3, 4], { quant: { axis: 1, scale: [0.1, 0.1] } }), "tensor", "options.quant.scale", /must hold 4 values/);
    const plain = packGemmWeights(qk.tensor(new Int8Array(12), [3, 4]));
    expectError(() => gemm(a, plain, { output: { dtype: "int8", scale: 1 } }), "gemm", "weights", /have no scales/);
    expectError(() => gemm(qk.tensor(new Int8Array(6), [2, 3]), w, { output: "float32" }), "gemm", "a", /no quantization parameters/);
    const perRow = qk.tensor(new Int8Array(6), [2, 3], { quant: { axis: 0, scale: [0.1, 0.2] } });
    expectError(() => gemm(perRow, w, { output: { dtype: "int8", scale: 1 } }), "gemm", "a", /per-row activation parameters need the float32 output/);
    expectError(() => gemm(qk.tensor(new Int8Array(6), [2, 3], { quant: { axis: 1, scale: [1, 1, 1] } }), w), "gemm", "a", /per row of a 2-D A \(axis 0\)/);
    expectError(() => gemm(a, w, { output: "int16" as "int32" }), "gemm", "options.output", /'int32', 'float32'/);
    expectError(() => gemm(a, w, { output: { dtype: "int8", scale: 1 }, stage: "q" as "fp32" }), "gemm", "options.stage", /'fp32' or 'fixedpoint'/);
  });

  it("a disposed packed handle or tensor, and another instance", async () => {
    const w2 = packGemmWeights(b);
    w2.dispose();
    w2.dispose();
    expectError(() => gemm(a, w2), "gemm", "weights", /were disposed/);
    expectError(() => w2.ptr, "ptr", "weights", /disposed/);
    const other = await createQkern({ isa: "scalar" });
    const a2 = other.tensor(new Int8Array(6), [2, 3]);
    expectError(() => gemm(a2, w), "gemm", "weights", /another qkern instance/);
  });

  it("K large enough to overflow int32 is refused with the bound", () => {
    const k = 70000; // 70000 · 255 · 128 > 2^31 for uint8 A with zero point 0
    const bigB = qk.tensor(new Int8Array(k), [k, 1], { quant: { scale: 1 } });
    const wb = packGemmWeights(bigB);
    const ua = qk.tensor(new Uint8Array(k), [1, k], { quant: { scale: 1, zeroPoint: 0 } });
    expectError(() => gemm(ua, wb), "gemm", "a", /K = 70000 risks int32 overflow: 70000 · 255 · 128 .* split K into parts of at most 65793/);
    const sa = qk.tensor(new Int8Array(k), [1, k], { quant: { scale: 1, zeroPoint: 0 } });
    expect(gemm(sa, wb).shape).toEqual([1, 1]); // int8 · int8 with zero points 0: 70000 · 128 · 128 < 2^31
    expect(gemm(ua, packGemmWeights(bigB, { reduceRange: true })).shape).toEqual([1, 1]); // 7-bit B: 70000 · 255 · 64 < 2^31
  });

  it("checks the output-stage options", () => {
    expectError(() => gemm(a, w, { output: { dtype: "int8", scale: 1 }, clampMin: 300 }), "gemm", "options.clampMin", /\[-128, 127\]/);
    expectError(() => gemm(a, w, { output: { dtype: "int8", scale: -1 } }), "empty", "options.quant.scale", /finite and > 0/);
  });
});
