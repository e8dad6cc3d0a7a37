// LOGISTIC, TANH, HARD_SWISH, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR and grouped CONV_2D with
// 'litert' numerics against LiteRT.js itself (peers/litert.ts, its SIMD128 build): single-operator
// .tflite files written by test/support/tflite-build.ts, run through loadModel and through the public
// ops (activation, resize) in every qkern build of the run, every output byte equal. Skipped, saying
// why, where the LiteRT.js peer is missing.

import { afterAll, describe, expect, it } from "vitest";
import { optionalLitert } from "../support/litert-peer.js";
import { activation, resize } from "../../src/index.js";
import { loadModel } from "../../src/tflite/load.js";
import { allAvailableBuilds, rng } from "../support/helpers.js";
import { groupedConvTflite, resizeTflite, lutTflite } from "../support/tflite-build.js";

const { peer, reason } = await optionalLitert();
afterAll(() => peer?.dispose());
const builds = peer ? await allAvailableBuilds() : [];

type Q8 = "int8" | "uint8";
const LO: Record<Q8, number> = { int8: -128, uint8: 0 };
const typed = (v: number[], dtype: Q8): Int8Array | Uint8Array => (dtype === "int8" ? Int8Array.from(v) : Uint8Array.from(v));
/** Scales biased to the edges: exact powers of two, tiny, large (saturating) and plain. */
const scaleOf = (r: () => number): number => Math.fround([2 ** -Math.floor(r() * 12), 1e-4 + r() * 1e-3, 0.2 + r() * 3, 0.001 + r() * 0.1][Math.floor(r() * 4)]!);
const zpOf = (r: () => number, dtype: Q8): number => LO[dtype] + [0, 255, 128, 1, 254, Math.floor(r() * 256)][Math.floor(r() * 6)]!;

/** The bytes loadModel gives (litert numerics) in every build, each compared with `want`. */
function sameThroughLoader(bytes: Uint8Array, x: Int8Array | Uint8Array, want: ArrayLike<number>, what: string): void {
  for (const qk of builds) {
    using model = loadModel(qk, bytes, { numerics: "litert" });
    expect(Array.from(model.run([x])[0]!), `${what} loadModel (${qk.isa})`).toEqual(Array.from(want));
  }
}

describe.skipIf(!peer)(`TFLite activations, resizes and grouped convolution against LiteRT.js${peer ? "" : ` (skipped: ${reason})`}`, () => {
  it("LOGISTIC, TANH, HARD_SWISH int8 and uint8: all 256 inputs, every byte equal (loadModel and activation(numerics: 'litert'))", async () => {
    const r = rng(21);
    const fns = [[14, "sigmoid"], [28, "tanh"], [117, "hardSwish"]] as const;
    for (let t = 0; t < 120; t++) {
      const [code, fn] = fns[t % 3]!;
      const dtype: Q8 = t % 6 < 3 ? "int8" : "uint8";
      const qx = { scale: scaleOf(r), zeroPoint: zpOf(r, dtype) };
      const qy = fn === "sigmoid" ? { scale: 1 / 256, zeroPoint: LO[dtype] } : fn === "tanh" ? { scale: 1 / 128, zeroPoint: LO[dtype] + 128 }
        : { scale: Math.fround(qx.scale * (0.1 + r() * 2)), zeroPoint: zpOf(r, dtype) };
      const bytes = lutTflite(code, [1, 16, 16], dtype, qx, qy);
      const model = await peer!.compile(bytes);
      const x = typed(Array.from({ length: 256 }, (_, i) => LO[dtype] + ((i * 167) & 255)), dtype);
      const want = model.run([x])[0]!;
      model.dispose();
      const what = `${fn} ${dtype} in ${JSON.stringify(qx)} out ${JSON.stringify(qy)}`;
      sameThroughLoader(bytes, x, want, what);
      for (const qk of builds) {
        using xt = qk.tensor(x, [1, 16, 16], { quant: qx });
        using y = activation(xt, fn, { numerics: "litert", output: qy });
        expect(Array.from(y.toArray()), `${what} activation (${qk.isa})`).toEqual(Array.from(want));
      }
    }
  }, 300_000);

  it("RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR, int8 and uint8, align_corners / half_pixel_centers / neither: every byte equal", async () => {
    const r = rng(22);
    // 2 → 82 rows: TFLite's fixed-point nearest-neighbour path reads row 1 for output row 41, the float formula row 0.
    const cases: Array<[number, number, number, number, number]> = [[2, 2, 82, 82, 1], [1, 1, 3, 5, 2], [7, 5, 1, 1, 3], [16, 16, 9, 33, 16]];
    for (let t = 0; t < 144; t++) {
      const code = t % 2 === 0 ? 23 : 97;
      const dtype: Q8 = t % 4 < 2 ? "int8" : "uint8";
      const flags = Math.floor(t / 4) % 3;
      const [ih, iw, oh, ow, c] = cases[t % 7] ?? [1 + Math.floor(r() * 12), 1 + Math.floor(r() * 12), 1 + Math.floor(r() * 30), 1 + Math.floor(r() * 30), 1 + Math.floor(r() * 20)];
      const q = { scale: scaleOf(r), zeroPoint: zpOf(r, dtype) };
      const [alignCorners, halfPixelCenters] = [flags === 1, flags === 2];
      const bytes = resizeTflite(code, [1, ih, iw, c], [oh, ow], dtype, q, alignCorners, halfPixelCenters);
      const model = await peer!.compile(bytes);
      const extremes = r() < 0.3;
      const x = typed(Array.from({ length: ih * iw * c }, () => LO[dtype] + (extremes ? (r() < 0.5 ? 0 : 255) : Math.floor(r() * 256))), dtype);
      const want = model.run([x])[0]!;
      model.dispose();
      const mode = code === 23 ? "bilinear" : "nearest";
      const what = `${mode} ${dtype} [${ih}, ${iw}, ${c}] → [${oh}, ${ow}] align ${alignCorners} half ${halfPixelCenters}`;
      sameThroughLoader(bytes, x, want, what);
      for (const qk of builds) {
        using xt = qk.tensor(x, [1, ih, iw, c], { quant: q });
        using y = resize(xt, { size: [oh, ow], mode, alignCorners, halfPixelCenters, numerics: "litert" });
        expect(Array.from(y.toArray()), `${what} resize (${qk.isa})`).toEqual(Array.from(want));
      }
    }
  }, 300_000);

  it("grouped CONV_2D (groups 2..6, one channel per group too), SAME and VALID, strides 1 and 2, fused activations: every byte equal", async () => {
    const r = rng(23);
    for (let t = 0; t < 30; t++) {
      const groups = [2, 3, 4, 6][t % 4]!;
      const icg = t % 5 === 4 ? 1 : 1 + Math.floor(r() * 5);
      const ocg = 1 + Math.floor(r() * 6);
      const [ic, oc] = [groups * icg, groups * ocg];
      const k = 1 + Math.floor(r() * 3);
      const h = k + Math.floor(r() * 8);
      const stride = 1 + (t % 2);
      const padding = t % 3 === 0 ? "valid" : "same";
      const o = padding === "same" ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
      const qx = { scale: Math.fround(0.01 + r() * 0.05), zeroPoint: Math.floor(r() * 256) - 128 };
      const qy = { scale: Math.fround(0.02 + r() * 0.2), zeroPoint: Math.floor(r() * 256) - 128 };
      const wShape = [oc, k, k, icg] as const;
      const w = { data: Int8Array.from({ length: oc * k * k * icg }, () => Math.floor(r() * 255) - 127), shape: wShape, scales: Array.from({ length: oc }, () => Math.fround(0.002 + r() * 0.01)) };
      const bias = Int32Array.from({ length: oc }, () => Math.floor(r() * 2000) - 1000);
      const bytes = groupedConvTflite([1, h, h, ic], w, bias, [1, o, o, oc], stride, padding, t % 4, qx, qy);
      const model = await peer!.compile(bytes);
      const x = Int8Array.from({ length: h * h * ic }, () => Math.floor(r() * 256) - 128);
      const want = model.run([x])[0]!;
      model.dispose();
      sameThroughLoader(bytes, x, want, `groups ${groups} [${h}, ${h}, ${ic}] → ${oc} k${k} s${stride} ${padding} act ${t % 4}`);
    }
  }, 300_000);
});

