// TRANSPOSE through the loader against an index-by-index reference: every permutation of rank 1–4
// (the tiled path for rotations such as NCHW → NHWC, the general path for the rest), int8 and float32,
// odd sizes around the 32-element tiles; a wrong output shape is refused at load.

import fc from "fast-check";
import { expect, it } from "vitest";
import { loadModel } from "../../src/tflite/load.js";
import { encodeTflite } from "../../src/tflite/writer.js";
import { describeBuilds, expectError } from "../support/helpers.js";

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

function model(shape: readonly number[], perm: readonly number[], type: "int8" | "float32", outShape = perm.map((p) => shape[p]!)): Uint8Array {
  const q = type === "int8" ? { scale: [0.5], zeroPoint: [0] } : null;
  return encodeTflite({
    tensors: [
      { name: "x", shape, type, quant: q },
      { name: "perm", shape: [perm.length], type: "int32", data: new Uint8Array(Int32Array.from(perm).buffer) },
      { name: "y", shape: outShape, type, quant: q },
    ],
    inputs: [0], outputs: [2],
    operators: [{ code: 39, inputs: [0, 1], outputs: [2] }],
  });
}

describeBuilds("TFLite TRANSPOSE", (get) => {
  it("every permutation of rank 1–4 on random shapes gives the reference's elements (int8 and float32)", () => {
    const qk = get();
    const dim = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 30, max: 70 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(dim, { minLength: 4, maxLength: 4 }), fc.nat(), fc.boolean(), (r, dims, pick, float) => {
      const shape = dims.slice(0, r).map((d, i) => (i < r - 2 ? Math.min(d, 6) : d));
      const perms = permutations(r);
      const perm = perms[pick % perms.length]!;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = float ? Float32Array.from({ length: size }, (_, i) => i * 0.25 - 7) : Int8Array.from({ length: size }, (_, i) => ((i * 7) % 256) - 128);
      using m = loadModel(qk, model(shape, perm, float ? "float32" : "int8"));
      const y = m.run([x])[0]!;
      const outShape = perm.map((p) => shape[p]!);
      const inStride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const want = new (float ? Float32Array : Int8Array)(size);
      for (let o = 0; o < size; o++) {
        let rest = o;
        let src = 0;
        for (let d = r - 1; d >= 0; d--) {
          const idx = rest % outShape[d]!;
          rest = Math.floor(rest / outShape[d]!);
          src += idx * inStride[perm[d]!]!;
        }
        want[o] = x[src]!;
      }
      expect(Array.from(y), `shape [${shape}] perm [${perm}]`).toEqual(Array.from(want));
    }), { numRuns: 60, seed: 39 });
  });

  it("NCHW → NHWC with 3 and 4 channels (the unrolled path), int8 and float32", () => {
    const qk = get();
    for (const shape of [[2, 3, 5, 7], [1, 4, 33, 2], [1, 3, 1, 1]]) {
      for (const float of [false, true]) {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = float ? Float32Array.from({ length: size }, (_, i) => i + 0.5) : Int8Array.from({ length: size }, (_, i) => (i % 200) - 100);
        using m = loadModel(qk, model(shape, [0, 2, 3, 1], float ? "float32" : "int8"));
        const [n, c, h, w] = shape as [number, number, number, number];
        const want = Array.from({ length: size }, (_, o) => {
          const ch = o % c;
          const px = Math.floor(o / c) % (h * w);
          const b = Math.floor(o / (c * h * w));
          return x[(b * c + ch) * h * w + px]!;
        });
        expect(Array.from(m.run([x])[0]!), `[${shape}] ${float}`).toEqual(want);
      }
    }
  });

  it("refuses an output shape that is not the permuted input shape", () => {
    expectError(() => loadModel(get(), model([2, 3, 4], [0, 2, 1], "int8", [2, 3, 4])), "loadModel", "operator 0 (TRANSPOSE)", /gives \[2, 4, 3\], but the output is int8\[2,3,4\]/);
  });
});
