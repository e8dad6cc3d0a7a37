// ADD / SUB / MUL (with broadcasting), QUANTIZE, DEQUANTIZE, RELU / RELU6 / RELU_N1_TO_1,
// CONCATENATION and MAX_POOL_2D: single-operator .tflite files (test/support/tflite-build.ts) run by
// LiteRT.js (peers/litert.ts, SIMD128 build, and its relaxed build in the relaxed run) and by loadModel with 'litert' numerics in every qkern
// build; every output byte equal. Inputs biased to ties, saturation and extreme zero points. Skipped,
// saying why, where the LiteRT.js peer is missing.

import { afterAll, describe, expect, it } from "vitest";
import { optionalLitert } from "../support/litert-peer.js";
import { loadModel, type Qkern } from "../../src/index.js";
import type { TfliteActivation } from "../../src/tflite/model.js";
import { tflitePoolPadding } from "../../src/reference/index.js";
import { allAvailableBuilds, rng } from "../support/helpers.js";
import { binaryTflite, concatTflite, floatIoTflite, maxPoolTflite, unaryTflite } from "../support/tflite-build.js";

const { peer, reason } = await optionalLitert("simd");
const { peer: relaxedPeer } = await optionalLitert("relaxed");
afterAll(() => {
  peer?.dispose();
  relaxedPeer?.dispose();
});
const builds: Qkern[] = peer ? await allAvailableBuilds() : [];

type Q8 = "int8" | "uint8";
const lo = (d: Q8): number => (d === "int8" ? -128 : 0);
const f = Math.fround;
const scaleOf = (r: () => number): number => f(r() < 0.3 ? 2 ** -Math.floor(r() * 8) : 0.001 + r() * 0.3);
const zpOf = (r: () => number, d: Q8): number => lo(d) + (r() < 0.2 ? (r() < 0.5 ? 0 : 255) : Math.floor(r() * 256));

function data(r: () => number, size: number, d: Q8): Int8Array | Uint8Array {
  const mode = Math.floor(r() * 3);
  const v = Array.from({ length: size }, () => lo(d) + (mode === 0 ? Math.floor(r() * 256) : mode === 1 ? (r() < 0.5 ? 0 : 255) : 124 + Math.floor(r() * 8)));
  return d === "int8" ? Int8Array.from(v) : Uint8Array.from(v);
}

/** Runs `bytes` in LiteRT.js and through loadModel in every build on `inputs`: every output equal. */
async function compare(bytes: Uint8Array, inputs: ReadonlyArray<Int8Array | Uint8Array | Float32Array>, what: string): Promise<void> {
  const model = await peer!.compile(bytes);
  const want = model.run(inputs).map((y) => Array.from(y));
  model.dispose();
  if (relaxedPeer) {
    const relaxed = await relaxedPeer.compile(bytes);
    expect(relaxed.run(inputs).map((y) => Array.from(y)), `${what} (LiteRT.js relaxed build)`).toEqual(want);
    relaxed.dispose();
  }
  for (const qk of builds) {
    using m = loadModel(qk, bytes, { numerics: "litert" });
    expect(m.run(inputs).map((y) => Array.from(y)), `${what} (${qk.isa})`).toEqual(want);
  }
}

const ACTS: readonly TfliteActivation[] = ["none", "relu", "relu6", "relu_n1_to_1"];
const BROADCASTS: ReadonlyArray<[number[], number[]]> = [
  [[1, 3, 4, 8], [1, 3, 4, 8]], [[1, 3, 4, 8], [8]], [[1, 3, 4, 8], [1, 1, 1, 8]], [[1, 3, 4, 8], [1]], [[1], [1, 2, 5, 3]],
  [[1, 5, 1, 3], [1, 1, 4, 1]], [[2, 3, 1, 17], [3, 5, 17]], [[1, 4, 4, 1], [1, 1, 1, 6]],
];

describe.skipIf(!peer)(`TFLite arithmetic and tensor ops: loadModel 'litert' against LiteRT.js${peer ? "" : ` (skipped: ${reason})`}`, () => {
  for (const [code, name] of [[0, "ADD"], [41, "SUB"], [18, "MUL"]] as const) {
    it(`${name} int8 / uint8, broadcasting, fused activations: every byte equal`, async () => {
      const r = rng(code + 100);
      for (let t = 0; t < 40; t++) {
        const dtype: Q8 = t % 4 === 3 ? "uint8" : "int8";
        const [sa, sb] = BROADCASTS[t % BROADCASTS.length]!;
        const sy = [...new Array(Math.max(sa.length, sb.length)).keys()].map((i) => {
          const d1 = sa[sa.length - Math.max(sa.length, sb.length) + i] ?? 1;
          const d2 = sb[sb.length - Math.max(sa.length, sb.length) + i] ?? 1;
          return Math.max(d1, d2);
        });
        const qa = { scale: scaleOf(r), zeroPoint: zpOf(r, dtype) };
        const qb: { scale: number; zeroPoint: number } = { scale: scaleOf(r), zeroPoint: zpOf(r, dtype) };
        // Every other case puts the output scale a power of two away (exact halves: the two numerics round ties differently).
        const tie = t % 2 === 1 ? 2 ** Math.floor(r() * 4) : 0;
        const ys = code === 18 ? f(tie ? qa.scale * qb.scale * tie : qa.scale * qb.scale * (0.05 + 2 * r())) : f(tie ? qa.scale * tie : Math.max(qa.scale, qb.scale) * (0.2 + 2 * r()));
        if (tie && code !== 18) qb.scale = f(qa.scale / 2 ** Math.floor(r() * 3));
        const qy = { scale: ys, zeroPoint: zpOf(r, dtype) };
        const act = ACTS[t % 4]!;
        const bytes = binaryTflite(code, sa, sb, sy, dtype, qa, qb, qy, act);
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        await compare(bytes, [data(r, size(sa), dtype), data(r, size(sb), dtype)], `${name} ${dtype} [${sa}] [${sb}] ${act} qa ${JSON.stringify(qa)} qb ${JSON.stringify(qb)} qy ${JSON.stringify(qy)}`);
      }
    }, 120_000);
  }

  it("ADD with scale ratios outside XNNPACK's range (TFLite's kernel runs): every byte equal", async () => {
    const r = rng(9);
    for (const [sa, sb, sy] of [[2 ** -12, 0.5, 0.5], [0.001, 0.3, 0.4], [1, 1, 2 ** -9]] as const) {
      const q = (s: number) => ({ scale: f(s), zeroPoint: Math.floor(r() * 40) - 20 });
      await compare(binaryTflite(0, [1, 2, 2, 4], [1, 2, 2, 4], [1, 2, 2, 4], "int8", q(sa), q(sb), q(sy), "none"), [data(r, 16, "int8"), data(r, 16, "int8")], `ADD scales ${sa} ${sb} ${sy}`);
    }
  }, 60_000);

  it("QUANTIZE float32 → int8 / uint8 (ties), int8 ↔ uint8, int8 → int8, uint8 → uint8: every byte equal", async () => {
    const r = rng(114);
    for (let t = 0; t < 32; t++) {
      const kinds: ReadonlyArray<[Q8 | "float32", Q8]> = [["float32", "int8"], ["float32", "uint8"], ["int8", "int8"], ["int8", "uint8"], ["uint8", "int8"], ["uint8", "uint8"]];
      const [from, to] = kinds[t % kinds.length]!;
      const qy = { scale: scaleOf(r), zeroPoint: zpOf(r, to) };
      const n = 1 + Math.floor(r() * 70);
      if (from === "float32") {
        // Half-integer multiples of the scale (ties), and values beyond the range.
        const x = Float32Array.from({ length: n }, () => f((r() < 0.5 ? Math.floor(r() * 300) - 150 + 0.5 : (r() - 0.5) * 400) * qy.scale));
        await compare(unaryTflite(114, [n], "float32", null, to, qy), [x], `QUANTIZE float32 → ${to} ${JSON.stringify(qy)}`);
      } else {
        const qx = { scale: t % 3 === 0 ? qy.scale : scaleOf(r), zeroPoint: t % 3 === 0 ? qy.zeroPoint - lo(to) + lo(from) : zpOf(r, from) };
        await compare(unaryTflite(114, [n], from, qx, to, qy), [data(r, n, from)], `QUANTIZE ${from} → ${to} ${JSON.stringify(qx)} ${JSON.stringify(qy)}`);
      }
    }
  }, 120_000);

  it("DEQUANTIZE int8 / uint8 → float32 and a float32-in, float32-out model (QUANTIZE, RELU6, DEQUANTIZE): every value equal", async () => {
    const r = rng(6);
    for (let t = 0; t < 12; t++) {
      const d: Q8 = t % 2 ? "uint8" : "int8";
      const q = { scale: scaleOf(r), zeroPoint: zpOf(r, d) };
      await compare(unaryTflite(6, [1, 3, 7], d, q, "float32", null), [data(r, 21, d)], `DEQUANTIZE ${d} ${JSON.stringify(q)}`);
      const qy = { scale: f(6 / 255), zeroPoint: lo(d) };
      const x = Float32Array.from({ length: 30 }, () => f((r() - 0.3) * 10));
      await compare(floatIoTflite([2, 15], d, q, qy), [x], `float32 → ${d} → RELU6 → float32`);
    }
  }, 120_000);

  for (const [code, name] of [[19, "RELU"], [21, "RELU6"], [20, "RELU_N1_TO_1"]] as const) {
    it(`${name} int8 / uint8, equal and differing input and output parameters: every byte equal`, async () => {
      const r = rng(code);
      for (let t = 0; t < 16; t++) {
        const d: Q8 = t % 4 === 3 ? "uint8" : "int8";
        const qx = { scale: scaleOf(r), zeroPoint: zpOf(r, d) };
        const qy = t % 2 === 0 ? qx : { scale: f(qx.scale * (0.3 + 2 * r())), zeroPoint: zpOf(r, d) };
        await compare(unaryTflite(code, [1, 4, 4, 5], d, qx, d, qy), [data(r, 80, d)], `${name} ${d} ${JSON.stringify(qx)} ${JSON.stringify(qy)}`);
      }
    }, 120_000);
  }

  it("CONCATENATION on every axis (int8 with equal parameters, uint8 requantized): every byte equal", async () => {
    const r = rng(2);
    for (let t = 0; t < 24; t++) {
      const d: Q8 = t % 3 === 2 ? "uint8" : "int8";
      const axis = [3, 1, 2, 0, -1][t % 5]!;
      const k = 2 + (t % 3);
      const base = [1 + (t % 2), 2, 3, 4];
      const a = axis < 0 ? axis + 4 : axis;
      const shapes = Array.from({ length: k }, () => base.map((v, j) => (j === a ? 1 + Math.floor(r() * 4) : v)));
      const qy = { scale: scaleOf(r), zeroPoint: zpOf(r, d) };
      const qs = shapes.map(() => (d === "int8" || r() < 0.3 ? qy : { scale: scaleOf(r), zeroPoint: zpOf(r, d) }));
      const inputs = shapes.map((s) => data(r, s.reduce((x, y) => x * y, 1), d));
      await compare(concatTflite(shapes, axis, d, qs, qy), inputs, `CONCATENATION ${d} axis ${axis} ${JSON.stringify(shapes)}`);
    }
  }, 120_000);

  it("MAX_POOL_2D int8 / uint8, SAME and VALID, fused activations: every byte equal", async () => {
    const r = rng(17);
    for (let t = 0; t < 32; t++) {
      const d: Q8 = t % 4 === 3 ? "uint8" : "int8";
      const h = 1 + Math.floor(r() * 9);
      const c = 1 + Math.floor(r() * 20);
      const k: [number, number] = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
      const s = 1 + Math.floor(r() * 2);
      const padding = t % 2 === 0 || h < Math.max(...k) ? "same" : "valid";
      const q = { scale: scaleOf(r), zeroPoint: zpOf(r, d) };
      const [oh] = tflitePoolPadding(h, k[0], s, padding);
      const [ow] = tflitePoolPadding(h, k[1], s, padding);
      const act = ACTS[t % 4]!;
      await compare(maxPoolTflite([1, h, h, c], [oh, ow], k, s, padding, act, d, q), [data(r, h * h * c, d)], `MAX_POOL_2D ${d} ${h}×${h}×${c} k${k} s${s} ${padding} ${act}`);
    }
  }, 120_000);
});
