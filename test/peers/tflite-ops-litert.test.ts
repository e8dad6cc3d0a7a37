// The 'litert' numerics of avgPool2d, globalAvgPool and softmax against LiteRT.js itself
// (peers/litert.ts, its SIMD128 build): single-operator .tflite files written by
// test/support/tflite-build.ts, random 8-bit inputs biased to ties and saturation, every output byte
// equal, in every qkern build of the run. Skipped, saying why, where the LiteRT.js peer is missing.

import { afterAll, describe, expect, it } from "vitest";
import { optionalLitert } from "../support/litert-peer.js";
import { avgPool2d, globalAvgPool, softmax, type Qkern, type Tensor } from "../../src/index.js";
import { tflitePoolPadding } from "../../src/reference/index.js";
import { allAvailableBuilds, rng } from "../support/helpers.js";
import { avgPoolTflite, meanTflite, softmaxTflite } from "../support/tflite-build.js";

const { peer, reason } = await optionalLitert();
afterAll(() => peer?.dispose());
const builds = peer ? await allAvailableBuilds() : [];

function data(r: () => number, size: number, dtype: "int8" | "uint8"): Int8Array | Uint8Array {
  const lo = dtype === "int8" ? -128 : 0;
  const mode = Math.floor(r() * 3); // full range, near the top (ties after averaging), or narrow
  const v = Array.from({ length: size }, () => (mode === 0 ? lo + Math.floor(r() * 256) : mode === 1 ? lo + 250 + Math.floor(r() * 6) : lo + 120 + Math.floor(r() * 8)));
  return dtype === "int8" ? Int8Array.from(v) : Uint8Array.from(v);
}

const scaleOf = (r: () => number): number => Math.fround(r() < 0.3 ? 2 ** -Math.floor(r() * 8) : 0.001 + r() * 0.6);

function same(qk: Qkern, run: (qk: Qkern) => Tensor, expected: ArrayLike<number>, what: string): void {
  using y = run(qk);
  expect(Array.from(y.toArray()), `${what} (${qk.isa})`).toEqual(Array.from(expected));
}

describe.skipIf(!peer)(`'litert' numerics against LiteRT.js${peer ? "" : ` (skipped: ${reason})`}`, () => {
  it("SOFTMAX int8 and uint8: every byte equal (rows of 1 to 1000, betas 0.3 to 2)", async () => {
    const r = rng(15);
    for (let t = 0; t < 24; t++) {
      const dtype = t % 3 === 2 ? "uint8" : "int8";
      const [rows, n] = ([[1, 1], [2, 3], [1, 10], [3, 100], [1, 1000]] as const)[t % 5]!;
      const q = { scale: scaleOf(r), zeroPoint: dtype === "int8" ? Math.floor(r() * 256) - 128 : Math.floor(r() * 256) };
      const beta = Math.fround([1, 1, 0.3, 2, 0.5][t % 5]!);
      const model = await peer!.compile(softmaxTflite(rows, n, dtype, q, beta));
      for (let k = 0; k < 4; k++) {
        const x = data(r, rows * n, dtype);
        const want = model.run([x])[0]!;
        for (const qk of builds) {
          using xt = qk.tensor(x, [rows, n], { quant: q });
          same(qk, () => softmax(xt, { output: dtype, numerics: "litert", beta }), want, `softmax ${dtype} [${rows}, ${n}] scale ${q.scale} beta ${beta}`);
        }
      }
      model.dispose();
    }
  }, 120_000);

  it("MEAN over H and W, int8 and uint8, with and without keep_dims: every byte equal", async () => {
    const r = rng(40);
    for (let t = 0; t < 60; t++) {
      const dtype = t % 4 === 3 ? "uint8" : "int8";
      const keepDims = t % 2 === 0;
      const h = t % 5 === 0 ? 7 : 1 + Math.floor(r() * 6);
      const w = t % 5 === 0 ? 7 : 1 + Math.floor(r() * 6);
      const c = 1 + Math.floor(r() * 17);
      const zp = (): number => (dtype === "int8" ? -128 : 0) + Math.floor(r() * 256);
      const qx = { scale: scaleOf(r), zeroPoint: zp() };
      const qy = t % 3 === 0 ? qx : { scale: scaleOf(r), zeroPoint: zp() };
      const model = await peer!.compile(meanTflite([1, h, w, c], dtype, qx, qy, keepDims));
      for (let k = 0; k < 4; k++) {
        const x = data(r, h * w * c, dtype);
        const want = model.run([x])[0]!;
        for (const qk of builds) {
          using xt = qk.tensor(x, [1, h, w, c], { quant: qx });
          same(qk, () => globalAvgPool(xt, { output: qy, numerics: "litert" }), want, `MEAN ${dtype} [1, ${h}, ${w}, ${c}] keep_dims ${keepDims}`);
        }
      }
      model.dispose();
    }
  }, 120_000);

  it("MEAN: LiteRT rounds after adding the zero point (the case where ONNX Runtime's order differs)", async () => {
    // [1, 1, 2, 2] at scale 0.4, zero point −99 in and out: LiteRT gives 2 (roundHalfEven(1.5)); the
    // default arithmetic (ONNX Runtime's) gives 1 (roundHalfEven(100.5) − 99).
    const q = { scale: 0.4, zeroPoint: -99 };
    const model = await peer!.compile(meanTflite([1, 2, 2, 1], "int8", q, q, true));
    expect(Array.from(model.run([Int8Array.of(1, 1, 2, 2)])[0]!)).toEqual([2]);
    model.dispose();
    for (const qk of builds) {
      using x = qk.tensor(Int8Array.of(1, 1, 2, 2), [1, 2, 2, 1], { quant: q });
      same(qk, () => globalAvgPool(x, { numerics: "litert" }), [2], "litert");
      same(qk, () => globalAvgPool(x), [1], "default");
    }
  });

  it("AVERAGE_POOL_2D int8 with fused activations, SAME and VALID: every byte equal", async () => {
    const r = rng(1);
    const activations = [["none", 0], ["relu", 1], ["relu_n1_to_1", 2], ["relu6", 3]] as const;
    for (let t = 0; t < 40; t++) {
      const h = 1 + Math.floor(r() * 9);
      const c = 1 + Math.floor(r() * 20);
      const k = 1 + Math.floor(r() * 4);
      const s = 1 + Math.floor(r() * 3);
      const padding = t % 2 === 0 || h < k ? "same" : "valid";
      const [activation, code] = activations[t % 4]!;
      const q = { scale: scaleOf(r), zeroPoint: Math.floor(r() * 256) - 128 };
      const [o] = tflitePoolPadding(h, k, s, padding);
      const model = await peer!.compile(avgPoolTflite([1, h, h, c], [o, o], k, s, padding, code, q));
      for (let kk = 0; kk < 4; kk++) {
        const x = data(r, h * h * c, "int8");
        const want = model.run([x])[0]!;
        for (const qk of builds) {
          using xt = qk.tensor(x, [1, h, h, c], { quant: q });
          same(qk, () => avgPool2d(xt, { kernel: k, strides: s, padding, numerics: "litert", activation }), want, `AVERAGE_POOL_2D ${h}×${h}×${c} k${k} s${s} ${padding} ${activation}`);
        }
      }
      model.dispose();
    }
  }, 120_000);
});
