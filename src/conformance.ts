/**
 * `qkern/conformance`: a fixed workload (quantize, dequantize, dynamic quantization, both output
 * stages, GEMM in each output stage and as GEMV, depthwise convolution, int4, palettized and
 * sparse GEMM) on small seeded inputs, reduced to FNV-1a checksums of the output bytes. Run it in
 * any engine and compare with the checksums Node's scalar build prints: all builds and engines
 * must agree byte for byte.
 *
 * @example
 * ```ts
 * import { createQkern } from 'qkern';
 * import { runConformance } from 'qkern/conformance';
 * const report = runConformance(await createQkern({ isa: 'scalar' }));
 * console.log(report.checksum, report.cases.length); // the same string in every engine
 * ```
 * @packageDocumentation
 */

import "./dispose-symbol.js";
import { gemmInt4, packInt4Weights } from "./ops/gemm-int4.js";
import { gemmPalettized, packPalettizedWeights } from "./ops/gemm-palettized.js";
import { gemm } from "./ops/gemm.js";
import { packGemmWeights } from "./ops/pack-gemm-weights.js";
import { depthwiseConv2d } from "./ops/depthwise-conv2d.js";
import { packDepthwiseWeights } from "./ops/pack-depthwise-weights.js";
import { dequantize } from "./ops/dequantize.js";
import { dynamicQuantize } from "./ops/dynamic-quantize.js";
import { quantize } from "./ops/quantize.js";
import { requantize } from "./ops/requantize.js";
import { quantizeInt4 } from "./int4.js";
import { palettize } from "./palettize.js";
import { prune } from "./prune.js";
import type { Isa } from "./runtime/load.js";
import type { Qkern } from "./qkern.js";
import type { Tensor } from "./tensor.js";
import { conformanceInputs, type ConformanceInputs } from "./conformance-inputs.js";

/** One case of the workload: its output tensor and the checksum of its bytes. */
export interface ConformanceCase {
  /** `family/variant`, e.g. `gemm/fp32-stage`. */
  readonly name: string;
  /** dtype and shape of the output, e.g. `int8[5,19]`. */
  readonly output: string;
  /** FNV-1a (32-bit) of the output bytes (then of the quantization parameters, if the op chose them), 8 hex digits. */
  readonly checksum: string;
}

/** What `runConformance` returns. */
export interface ConformanceReport {
  /** The build that ran. */
  readonly isa: Isa;
  /** The cases in a fixed order. */
  readonly cases: readonly ConformanceCase[];
  /** The wasm-level self-test export (the one `wasm-interp` runs), 8 hex digits. */
  readonly selftest: string;
  /** FNV-1a over all case checksums and the self-test: one string to compare. */
  readonly checksum: string;
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** Called with each case's output before it is disposed (tests compare them with references). */
  readonly inspect?: (name: string, output: Tensor) => void;
}

const FNV_OFFSET = 0x811c9dc5;

function fnv(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 16777619) >>> 0;
  return h;
}

const hex = (h: number): string => (h >>> 0).toString(16).padStart(8, "0");

function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, t.byteLength);
}

/** The op-chosen quantization parameters as bytes (float32 scales, int32 zero points). */
function quantBytes(t: Tensor): Uint8Array {
  const q = t.quant;
  if (q === null) return new Uint8Array(0);
  const scales = typeof q.scale === "number" ? [q.scale] : Array.from(q.scale);
  const zps = typeof q.zeroPoint === "number" ? [q.zeroPoint] : Array.from(q.zeroPoint ?? []);
  const out = new Uint8Array(4 * (scales.length + zps.length));
  new Float32Array(out.buffer, 0, scales.length).set(scales);
  new Int32Array(out.buffer, 4 * scales.length, zps.length).set(zps);
  return out;
}

type CaseFn = (qk: Qkern, d: ConformanceInputs) => Tensor;

/** The workload, in order. Every case creates its inputs in `qk` and returns one output tensor. */
const CASES: ReadonlyArray<readonly [string, CaseFn]> = [
  ["quantize/int8", (qk, d) => { using x = qk.tensor(d.x, d.xShape); return quantize(x, { dtype: "int8", ...d.q8 }); }],
  ["quantize/uint8-axis1", (qk, d) => { using x = qk.tensor(d.x, d.xShape); return quantize(x, { dtype: "uint8", ...d.qAxis }); }],
  ["quantize/int4", (qk, d) => { using x = qk.tensor(d.x, d.xShape); return quantize(x, { dtype: "int4", ...d.q4 }); }],
  ["dequantize/int8", (qk, d) => { using q = qk.tensor(d.i8, d.xShape, { quant: d.q8 }); return dequantize(q); }],
  ["dynamicQuantize/uint8", (qk, d) => { using x = qk.tensor(d.xFinite, d.xShape); return dynamicQuantize(x); }],
  ["dynamicQuantize/int8-per-row", (qk, d) => { using x = qk.tensor(d.xFinite, d.xShape); return dynamicQuantize(x, { dtype: "int8", perRow: true }); }],
  ["requantize/fp32", (qk, d) => { using a = qk.tensor(d.acc, d.accShape, { quant: d.accQuant }); return requantize(a, { dtype: "int8", ...d.requantOut }); }],
  ["requantize/fixedpoint-relu", (qk, d) => { using a = qk.tensor(d.acc, d.accShape, { quant: d.accQuant }); return requantize(a, { dtype: "uint8", ...d.requantOutU8 }, { stage: "fixedpoint", activation: "relu" }); }],
  ["gemm/int32", (qk, d) => withGemm(qk, d, (a, w) => gemm(a, w))],
  ["gemm/fp32-stage", (qk, d) => withGemm(qk, d, (a, w) => gemm(a, w, { output: { dtype: "int8", ...d.gemmOut } }))],
  ["gemm/fixedpoint-stage-relu", (qk, d) => withGemm(qk, d, (a, w) => gemm(a, w, { output: { dtype: "int8", ...d.gemmOut }, stage: "fixedpoint", activation: "relu" }))],
  ["gemm/float32-dynamic", (qk, d) => {
    using x = qk.tensor(d.gemmX, [d.gemm.m, d.gemm.k]);
    using a = dynamicQuantize(x, { dtype: "int8", perRow: true });
    using b = qk.tensor(d.gemm.b, [d.gemm.k, d.gemm.n], { quant: d.gemm.bQuant });
    using w = packGemmWeights(b, { floatBias: d.gemm.floatBias });
    return gemm(a, w, { output: "float32" });
  }],
  ["gemv/int32-u8-weights", (qk, d) => {
    using a = qk.tensor(d.gemv.a, [1, d.gemv.k], { quant: { scale: 0.1, zeroPoint: d.gemv.za } });
    using b = qk.tensor(d.gemv.b, [d.gemv.k, d.gemv.n], { quant: { scale: 0.02, zeroPoint: d.gemv.zb } });
    using w = packGemmWeights(b);
    return gemm(a, w);
  }],
  ["dwconv/3x3-uint8-fp32-stage", (qk, d) => {
    const g = d.dw3;
    using x = qk.tensor(g.x, [1, g.h, g.w, g.c], { quant: { scale: g.xScale, zeroPoint: g.zx } });
    using wt = qk.tensor(g.w8, [3, 3, g.c], { quant: { axis: 2, scale: g.wScales } });
    using w = packDepthwiseWeights(wt, { bias: g.bias });
    return depthwiseConv2d(x, w, { padding: "same", output: { dtype: "uint8", scale: g.yScale, zeroPoint: 128 } });
  }],
  ["dwconv/5x5-stride2-mult2-int32", (qk, d) => {
    const g = d.dw5;
    using x = qk.tensor(g.x, [1, g.h, g.w, g.c], { quant: { scale: 0.05, zeroPoint: g.zx } });
    using wt = qk.tensor(g.w8, [5, 5, 2 * g.c], { quant: { scale: 0.01 } });
    using w = packDepthwiseWeights(wt, { bias: g.bias });
    return depthwiseConv2d(x, w, { padding: "same", strides: 2 });
  }],
  ["dwconv/3x3-float32", (qk, d) => {
    const g = d.dw3;
    using x = qk.tensor(g.xf, [1, g.h, g.w, g.c]);
    using wt = qk.tensor(g.wf, [3, 3, g.c]);
    using w = packDepthwiseWeights(wt, { bias: g.fbias });
    return depthwiseConv2d(x, w, { padding: "same" });
  }],
  ["int4/float32-per-block", (qk, d) => {
    using x = qk.tensor(d.int4.x, [d.int4.m, d.int4.k]);
    using w = packInt4Weights(qk, quantizeInt4(d.int4.w, [d.int4.k, d.int4.n], { blockSize: 32 }));
    return gemmInt4(x, w);
  }],
  ["int4/int32-asymmetric", (qk, d) => {
    using x = qk.tensor(d.int4.x, [d.int4.m, d.int4.k]);
    using w = packInt4Weights(qk, quantizeInt4(d.int4.w, [d.int4.k, d.int4.n], { blockSize: 64, scheme: "asymmetric" }));
    return gemmInt4(x, w, { output: "int32", activations: "per-row" });
  }],
  ["palettized/int32", (qk, d) => {
    using x = qk.tensor(d.int4.x, [d.int4.m, d.int4.k]);
    using w = packPalettizedWeights(qk, palettize(d.int4.w, [d.int4.k, d.int4.n], { bits: 4, seed: 3 }));
    return gemmPalettized(x, w, { output: "int32" });
  }],
  ["sparse/int32", (qk, d) => withSparse(qk, d, d.sparse.m, (a, w) => gemm(a, w))],
  ["sparse/gemv-fp32-stage", (qk, d) => withSparse(qk, d, 1, (a, w) => gemm(a, w, { output: { dtype: "int8", scale: 0.5, zeroPoint: -4 } }))],
];

function withGemm(qk: Qkern, d: ConformanceInputs, op: (a: Tensor, w: ReturnType<typeof packGemmWeights>) => Tensor): Tensor {
  const g = d.gemm;
  using a = qk.tensor(g.a, [g.m, g.k], { quant: { scale: g.aScale, zeroPoint: g.za } });
  using b = qk.tensor(g.b, [g.k, g.n], { quant: g.bQuant });
  using w = packGemmWeights(b, { bias: g.bias });
  return op(a, w);
}

function withSparse(qk: Qkern, d: ConformanceInputs, m: number, op: (a: Tensor, w: ReturnType<typeof packGemmWeights>) => Tensor): Tensor {
  const s = d.sparse;
  const pruned = prune(s.b, [s.k, s.n], { sparsity: 0.8, structure: "block1x4" });
  using a = qk.tensor(s.a.subarray(0, m * s.k), [m, s.k], { quant: { scale: 0.05, zeroPoint: s.za } });
  using b = qk.tensor(pruned.weights, [s.k, s.n], { quant: { scale: 0.01 } });
  using w = packGemmWeights(b, { bias: s.bias, sparse: true });
  return op(a, w);
}

/**
 * Runs the workload on `qk` and returns the checksums. Deterministic: the same in every build and
 * engine, or something is wrong there. Takes well under a second in Node, seconds in an
 * interpreter (QuickJS with `qkern/js`). Frees everything it allocates.
 *
 * @example
 * ```ts
 * import { createQkern } from 'qkern';
 * import { runConformance } from 'qkern/conformance';
 * const scalar = runConformance(await createQkern({ isa: 'scalar' }));
 * const best = runConformance(await createQkern());
 * console.log(best.isa, best.checksum === scalar.checksum); // e.g. simd128 true
 * for (const c of best.cases.slice(0, 2)) console.log(c.name, c.output, c.checksum);
 * ```
 */
export function runConformance(qk: Qkern, options: ConformanceOptions = {}): ConformanceReport {
  const d = conformanceInputs();
  const cases: ConformanceCase[] = [];
  let all = FNV_OFFSET;
  for (const [name, run] of CASES) {
    using out = run(qk, d);
    options.inspect?.(name, out);
    const h = fnv(fnv(FNV_OFFSET, tensorBytes(out)), quantBytes(out));
    cases.push({ name, output: `${out.dtype}[${out.shape.join(",")}]`, checksum: hex(h) });
    all = fnv(all, new Uint8Array(new Uint32Array([h]).buffer));
  }
  const selftest = qk.rt.selftest();
  all = fnv(all, new Uint8Array(new Uint32Array([selftest]).buffer));
  return { isa: qk.isa, cases, selftest: hex(selftest), checksum: hex(all) };
}
