// The conformance workload (src/conformance.ts) in this Node process: Node's scalar build defines
// the checksums every engine must reproduce (test/engines/engines.test.ts), so first its outputs are
// checked exactly against the references, case by case, from the same seeded inputs. Then every
// build available in this run, and the JavaScript build (wasm2js) in Node, give its checksums.
import { describe, expect, it } from "vitest";
import { createQkern, quantizeInt4, palettize, prune, type Tensor } from "../../src/index.js";
import { createQkern as createQkernJs } from "../../src/js.js";
import { runConformance, type ConformanceReport } from "../../src/conformance.js";
import { conformanceInputs } from "../../src/conformance-inputs.js";
import {
  depthwiseFloat, depthwiseInteger, depthwiseOutputSize, dequantizeLinear, dynamicParamsS8, dynamicParamsU8, fp32Multiplier, gemmFixedpointStage,
  gemmFloatStage, gemmFp32Stage, int4BlockSums, int4Float, matmulInteger, palettizedBlockSums, quantizeActivationsRef, quantizeLinear,
  quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32, samePadding, type RefDepthwise,
} from "../../src/reference/index.js";
import { allAvailableBuilds } from "../support/helpers.js";

const d = conformanceInputs();
const f = Math.fround;

/** Per-row dynamic int8 quantization of a [rows, k] float matrix, as the references define it. */
function perRowS8(x: ArrayLike<number>, rows: number, k: number): { q: Int32Array; scales: number[] } {
  const q = new Int32Array(rows * k);
  const scales: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x).slice(r * k, (r + 1) * k);
    const p = dynamicParamsS8(row);
    q.set(quantizeLinear(row, [k], "int8", p), r * k);
    scales.push(p.scale);
  }
  return { q, scales };
}

function dw(h: number, w: number, c: number, kk: number, stride: number, multiplier: number): RefDepthwise {
  const [pt, pb] = samePadding(h, kk, stride, 1);
  const [pl, pr] = samePadding(w, kk, stride, 1);
  return { n: 1, h, w, c, kh: kk, kw: kk, multiplier, strides: [stride, stride], dilations: [1, 1], pads: [pt, pl, pb, pr] };
}

/** Block sums then the int4 float output, row by row, for activations quantized in blocks of `ablock`. */
function int4Rows(ablock: number, blockSize: number, scheme: "symmetric" | "asymmetric", float: boolean): number[] {
  const { m, k, n, x, w } = d.int4;
  const w4 = quantizeInt4(w, [k, n], { blockSize, scheme });
  const out: number[] = [];
  for (let r = 0; r < m; r++) {
    const { a, scales } = quantizeActivationsRef(x.subarray(r * k, (r + 1) * k), k, ablock);
    for (let col = 0; col < n; col++) {
      const sums = int4BlockSums(a, 0, w4, col);
      if (float) out.push(int4Float(sums, w4, col, (b) => scales[Math.floor((b * blockSize) / ablock)] as number, 0));
      else out.push(...sums);
    }
  }
  return out;
}

/** The expected values of each case, from the references. */
const EXPECTED: Record<string, () => ArrayLike<number>> = {
  "quantize/int8": () => quantizeLinear(d.x, d.xShape, "int8", d.q8),
  "quantize/uint8-axis1": () => quantizeLinear(d.x, d.xShape, "uint8", d.qAxis),
  "quantize/int4": () => quantizeLinear(d.x, d.xShape, "int4", d.q4),
  "dequantize/int8": () => dequantizeLinear(d.i8, d.xShape, d.q8),
  "dynamicQuantize/uint8": () => quantizeLinear(d.xFinite, d.xShape, "uint8", dynamicParamsU8(d.xFinite)),
  "dynamicQuantize/int8-per-row": () => perRowS8(d.xFinite, 7, 37).q,
  "requantize/fp32": () => Array.from(d.acc, (v, i) => requantizeFp32(v, fp32Multiplier(1, d.accQuant.scale[i % 37] as number, d.requantOut.scale), 5, -128, 127)),
  "requantize/fixedpoint-relu": () => Array.from(d.acc, (v, i) => {
    const q = quantizeMultiplierRef(f(d.accQuant.scale[i % 37] as number) / f(d.requantOutU8.scale));
    return requantizeFixedpoint(v, q.multiplier, q.shift, 100, 100, 255);
  }),
  "gemm/int32": () => gemmAcc(),
  "gemm/fp32-stage": () => gemmFp32Stage(gemmAcc(), d.gemm.n, d.gemm.aScale, d.gemm.bQuant.scale, d.gemmOut.scale, d.gemmOut.zeroPoint, -128, 127),
  "gemm/fixedpoint-stage-relu": () => gemmFixedpointStage(gemmAcc(), d.gemm.n, d.gemm.aScale, d.gemm.bQuant.scale, d.gemmOut.scale, d.gemmOut.zeroPoint, d.gemmOut.zeroPoint, 127),
  "gemm/float32-dynamic": () => {
    const { m, k, n, b, bQuant, floatBias } = d.gemm;
    const a = perRowS8(d.gemmX, m, k);
    return gemmFloatStage(matmulInteger({ m, k, n, a: a.q, aZeroPoint: 0, b, bZeroPoint: 0 }), n, a.scales, bQuant.scale, floatBias);
  },
  "gemv/int32-u8-weights": () => matmulInteger({ m: 1, k: d.gemv.k, n: d.gemv.n, a: d.gemv.a, aZeroPoint: d.gemv.za, b: d.gemv.b, bZeroPoint: d.gemv.zb }),
  "dwconv/3x3-uint8-fp32-stage": () => {
    const g = d.dw3;
    const acc = depthwiseInteger(dw(g.h, g.w, g.c, 3, 1, 1), g.x, g.zx, g.w8, new Int32Array(g.c), g.bias);
    return Array.from(acc, (v, i) => requantizeFp32(v, fp32Multiplier(g.xScale, g.wScales[i % g.c] as number, g.yScale), 128, 0, 255));
  },
  "dwconv/5x5-stride2-mult2-int32": () => depthwiseInteger(dw(d.dw5.h, d.dw5.w, d.dw5.c, 5, 2, 2), d.dw5.x, d.dw5.zx, d.dw5.w8, new Int32Array(2 * d.dw5.c), d.dw5.bias),
  "dwconv/3x3-float32": () => depthwiseFloat(dw(d.dw3.h, d.dw3.w, d.dw3.c, 3, 1, 1), d.dw3.xf, d.dw3.wf, d.dw3.fbias, -Infinity, Infinity),
  "int4/float32-per-block": () => int4Rows(32, 32, "symmetric", true),
  "int4/int32-asymmetric": () => int4Rows(128, 64, "asymmetric", false),
  "palettized/int32": () => {
    const { m, k, n, x, w } = d.int4;
    const p = palettize(w, [k, n], { bits: 4, seed: 3 });
    const out: number[] = [];
    for (let r = 0; r < m; r++) {
      const { a } = quantizeActivationsRef(x.subarray(r * k, (r + 1) * k), k, 128);
      for (let col = 0; col < n; col++) out.push(...palettizedBlockSums(a, 0, p, col, 128));
    }
    return out;
  },
  "sparse/int32": () => sparseAcc(d.sparse.m),
  "sparse/gemv-fp32-stage": () => gemmFp32Stage(sparseAcc(1), d.sparse.n, 0.05, 0.01, 0.5, -4, -128, 127),
};

function gemmAcc(): Int32Array {
  const { m, k, n, a, za, b, bias } = d.gemm;
  return matmulInteger({ m, k, n, a, aZeroPoint: za, b, bZeroPoint: 0, bias });
}

function sparseAcc(m: number): Int32Array {
  const s = d.sparse;
  const b = prune(s.b, [s.k, s.n], { sparsity: 0.8, structure: "block1x4" }).weights;
  return matmulInteger({ m, k: s.k, n: s.n, a: s.a.subarray(0, m * s.k), aZeroPoint: s.za, b, bZeroPoint: 0, bias: s.bias });
}

const scalar = await createQkern({ isa: "scalar" });
const outputs = new Map<string, { values: number[]; tensor: string }>();
const expected: ConformanceReport = runConformance(scalar, {
  inspect: (name: string, t: Tensor) => outputs.set(name, { values: Array.from(t.toArray() as ArrayLike<number>), tensor: String(t) }),
});

describe("conformance workload in Node's scalar build (the expected checksums)", () => {
  it("covers every case with a reference, and no two cases share a checksum", () => {
    expect(expected.cases.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(new Set(expected.cases.map((c) => c.checksum)).size).toBe(expected.cases.length);
    expect(expected.selftest).not.toBe("00000000"); // 0 means the wasm self-test leaked a block
  });

  for (const [name, reference] of Object.entries(EXPECTED)) {
    it(`${name} equals the reference exactly`, () => {
      const got = outputs.get(name);
      expect(got, "case ran").toBeDefined();
      const want = Array.from(reference());
      expect(got!.values.length, got!.tensor).toBe(want.length);
      // Degenerate outputs (all one value) would let any engine match: require some spread.
      expect(new Set(want).size, `${name} outputs vary`).toBeGreaterThan(2);
      expect(got!.values).toEqual(want);
    });
  }

  it("dynamicQuantize chose ONNX Runtime's parameters", () => {
    const qk = scalar;
    const report = runConformance(qk, {
      inspect: (name, t) => {
        if (name === "dynamicQuantize/uint8") expect(t.quant).toEqual(dynamicParamsU8(d.xFinite));
        if (name === "dynamicQuantize/int8-per-row") expect(Array.from((t.quant as { scale: Float32Array }).scale)).toEqual(perRowS8(d.xFinite, 7, 37).scales);
      },
    });
    expect(report).toEqual(expected);
  });

  it("frees everything it allocates and repeats itself exactly", () => {
    const before = scalar.memoryStats();
    expect(runConformance(scalar)).toEqual(expected);
    expect(scalar.memoryStats().allocations).toBe(before.allocations);
    expect(scalar.memoryStats().bytesInUse).toBe(before.bytesInUse);
  });
});

describe("conformance in this Node process", () => {
  it("every wasm build available in this run gives the scalar checksums", async () => {
    const builds = await allAvailableBuilds();
    for (const qk of builds) expect({ ...runConformance(qk), isa: "scalar" }, qk.isa).toEqual(expected);
  });

  it("the JavaScript build (qkern/js, wasm2js) gives the scalar checksums", async () => {
    const qk = await createQkernJs();
    expect(qk.isa).toBe("scalar");
    expect(runConformance(qk)).toEqual(expected);
    await expect(createQkernJs({ isa: "simd128" as "scalar" })).rejects.toThrow(/qkern\/js has only the scalar build/);
  });
});
