// Conformance of gemmInt4 with onnxruntime-web's MatMulNBits (com.microsoft, bits 4): the same
// weights (toMatMulNBits of one quantizeInt4 result: B uint8 [N, n_blocks, block/2], scales float
// [N·n_blocks], zero_points uint8 [N·ceil(n_blocks/2)] or omitted = 8) and the same float inputs,
// on every build available in this process. The two cannot be bit-identical: qkern quantizes the
// activations to int8 (per block of the weights, or per row) and sums exactly per block; ORT
// dequantizes the weights to float32 and runs a float32 GEMM. So each output is compared with the
// exact float64 product T = Σ_k x_k·(q_k − zq)·scale, and qkern with ORT, within bounds derived per
// element (u = 2^−24, the float32 unit roundoff):
//   qkern − T   ≤ Σ_k e_k·|W_k| + (n_blocks + 2)·2^−23·Σ_k (|x_k| + s_a)·|W_k|
//       e_k = (1/2 + 2^−16)·s_a, the int8 rounding error of x_k at activation scale s_a = f32(max|x|/127)
//       (the 2^−16 covers the float32 division x/s_a); e_k = 0 where x_k/s_a is an integer (then any
//       rounding is exact). The second term is TOLERANCES.blockFloatSum, with Σ_b |term_b| ≤ Σ_k (|x_k| + s_a)|W_k|.
//   ORT − T     ≤ (K + 48)·u·Σ_k |x_k|·(|W_k| + s_w): a float32 dot product of K terms in any order
//       (γ_K·Σ|x·w|), over weights dequantized in float32 with an error of at most 48·u·s_w (covers
//       both (q − z)·s and q·s − z·s).
//   qkern − ORT ≤ the sum of the two.
// "grid" inputs are multiples of 2^−7 with ±127·2^−7 in every 32-block, so int8 quantization is
// lossless for every block size and per row: there qkern and ORT differ by float rounding alone,
// and a wrong nibble order, block order, zero point or scale could not hide inside the bound.
//
// What onnxruntime-web 1.30 does (probed in Node 20, wasm backend, one thread): MatMulNBits runs for
// block sizes 16..128, with or without zero_points, at accuracy_level 0..4; its wasm build has no
// MLAS n-bit kernels, so every level takes the fallback (dequantize all of B to float32 each call,
// then the float32 GEMM) and level 4 (int8 activations on x86/ARM) gives bit-identical results to
// level 0. The last test pins that down so this comment cannot go stale silently.
import fc from "fast-check";
import onnxProto from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";
import { gemmInt4, packInt4Weights, quantizeInt4, toMatMulNBits, type Int4Weights, type Qkern } from "../../src/index.js";
import { graphModel, loadOrt, type OnnxNode, type OnnxValue } from "../../peers/ort.js";
import { rng } from "../support/helpers.js";
import { expectRelaxedCompared, peerBuilds } from "../support/peer.js";
import { TOLERANCES } from "../tolerances.js";
import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-web";

const BATCH = 24;
const RUNS = 20;
const CASES = BATCH * RUNS;
const U = 2 ** -24;

const { builds, isaList, buildList } = await peerBuilds();
const ort = await loadOrt();

/** One random case; the data derive from `seed`. */
interface Case {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly blockSize: 32 | 64 | 128;
  /** `omitted`: symmetric weights, no zero_points input (ORT's default 8); `symmetric`: zero points 8 given; `asymmetric`: zero points from the data. */
  readonly zp: "omitted" | "symmetric" | "asymmetric";
  /** normal | skewed (one sign per column: zero points at 0 and 15) | outlier (one large weight per column). */
  readonly weights: "normal" | "skewed" | "outlier";
  /** uniform | grid (int8-lossless, see above) | outliers (a few large values) | sparse (zeros, some all-zero blocks). */
  readonly x: "uniform" | "grid" | "outliers" | "sparse";
  readonly activations: "per-block" | "per-row";
  readonly seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  m: fc.integer({ min: 1, max: 4 }),
  k: fc.oneof(
    fc.integer({ min: 1, max: 9 }).map((i) => 32 * i),
    fc.tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom(-1, 1)).map(([i, d]) => Math.max(32, Math.min(300, 32 * i + d))),
    fc.integer({ min: 32, max: 300 }),
  ),
  n: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(15, 16, 17, 31, 32, 33, 40), fc.integer({ min: 1, max: 40 })),
  blockSize: fc.oneof({ weight: 4, arbitrary: fc.constant(32 as const) }, fc.constantFrom(64 as const, 128 as const)),
  zp: fc.constantFrom("omitted" as const, "symmetric" as const, "asymmetric" as const),
  weights: fc.constantFrom("normal" as const, "skewed" as const, "outlier" as const),
  x: fc.constantFrom("uniform" as const, "grid" as const, "outliers" as const, "sparse" as const),
  activations: fc.constantFrom("per-block" as const, "per-row" as const),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

interface Data {
  readonly x: Float32Array;
  readonly w4: Int4Weights;
}

function materialize(c: Case): Data {
  const r = rng(c.seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const colScale = Array.from({ length: c.n }, () => 0.01 * 2 ** (6 * r()));
  const colSign = Array.from({ length: c.n }, () => (r() < 0.5 ? -1 : 1));
  const w = new Float32Array(c.k * c.n);
  for (let kk = 0; kk < c.k; kk++) {
    for (let col = 0; col < c.n; col++) {
      const g = gauss() * colScale[col]!;
      w[kk * c.n + col] = c.weights === "skewed" ? colSign[col]! * Math.abs(g) : g;
    }
  }
  if (c.weights === "outlier") for (let col = 0; col < c.n; col++) w[Math.floor(r() * c.k) * c.n + col]! *= 20;
  const w4 = quantizeInt4(w, [c.k, c.n], { blockSize: c.blockSize, scheme: c.zp === "asymmetric" ? "asymmetric" : "symmetric" });

  const x = new Float32Array(c.m * c.k);
  for (let i = 0; i < x.length; i++) {
    if (c.x === "grid") x[i] = (Math.floor(r() * 255) - 127) / 128;
    else if (c.x === "outliers") x[i] = r() < 0.02 ? gauss() * 50 : gauss();
    else if (c.x === "sparse") x[i] = r() < 0.6 ? 0 : gauss();
    else x[i] = (r() - 0.5) * 4;
  }
  for (let row = 0; row < c.m; row++) {
    for (let b0 = row * c.k; b0 < (row + 1) * c.k; b0 += 32) {
      const end = Math.min((row + 1) * c.k, b0 + 32);
      if (c.x === "grid") x[b0 + Math.floor(r() * (end - b0))] = r() < 0.5 ? -127 / 128 : 127 / 128;
      if (c.x === "sparse" && r() < 0.3) x.fill(0, b0, end);
    }
  }
  return { x, w4 };
}

/** Per output element: the exact product and the three bounds of the header. */
interface Bounds {
  readonly truth: Float64Array;
  /** Σ_k |x_k·W_k| */
  readonly mag: Float64Array;
  readonly qkern: Float64Array;
  readonly ort: Float64Array;
  /** ORT accuracy level 4, were it to quantize activations to int8 per block its own way. */
  readonly ortInt8: Float64Array;
}

function bounds(c: Case, d: Data): Bounds {
  const { w4 } = d;
  const nb = Math.ceil(c.k / c.blockSize);
  const aBlock = c.activations === "per-block" ? c.blockSize : nb * c.blockSize;
  const size = c.m * c.n;
  const out = { truth: new Float64Array(size), mag: new Float64Array(size), qkern: new Float64Array(size), ort: new Float64Array(size), ortInt8: new Float64Array(size) };
  for (let row = 0; row < c.m; row++) {
    const x = d.x.subarray(row * c.k, (row + 1) * c.k);
    // Activation scale and int8 rounding error bound of every element, for qkern's blocks and for ORT's (the weight blocks).
    const scaleOf = (block: number): Float64Array => {
      const s = new Float64Array(c.k);
      for (let b0 = 0; b0 < c.k; b0 += block) {
        let amax = 0;
        for (let kk = b0; kk < Math.min(c.k, b0 + block); kk++) amax = Math.max(amax, Math.abs(x[kk]!));
        s.fill(amax > 0 ? Math.fround(amax / 127) : 1, b0, Math.min(c.k, b0 + block));
      }
      return s;
    };
    const sa = scaleOf(aBlock);
    const saW = scaleOf(c.blockSize);
    for (let col = 0; col < c.n; col++) {
      let truth = 0;
      let actErr = 0;
      let actErrW = 0;
      let terms = 0;
      let termsW = 0;
      let mag = 0;
      let ortMag = 0;
      for (let kk = 0; kk < c.k; kk++) {
        const b = Math.floor(kk / c.blockSize);
        const ws = w4.scales[col * nb + b]!;
        const wAbs = Math.abs((w4.q[col * c.k + kk]! - w4.zeroPoints[col * nb + b]!) * ws);
        const xk = x[kk]!;
        truth += xk * (w4.q[col * c.k + kk]! - w4.zeroPoints[col * nb + b]!) * ws;
        const lossless = Number.isInteger(xk / sa[kk]!) && Math.abs(xk / sa[kk]!) <= 127;
        actErr += lossless ? 0 : (0.5 + 2 ** -16) * sa[kk]! * wAbs;
        actErrW += (0.5 + 2 ** -16) * saW[kk]! * wAbs;
        terms += (Math.abs(xk) + sa[kk]!) * wAbs;
        termsW += (Math.abs(xk) + saW[kk]!) * wAbs;
        mag += Math.abs(xk) * wAbs;
        ortMag += Math.abs(xk) * (wAbs + ws);
      }
      const j = row * c.n + col;
      out.truth[j] = truth;
      out.mag[j] = mag;
      out.ort[j] = (c.k + 48) * U * ortMag;
      out.qkern[j] = actErr + (nb + 2) * 2 ** -23 * terms;
      out.ortInt8[j] = actErrW + (nb + 2) * 2 ** -23 * termsW + out.ort[j]!;
    }
  }
  return out;
}

function describeCase(c: Case): string {
  return `M=${c.m} K=${c.k} N=${c.n} block=${c.blockSize} zero points ${c.zp} weights ${c.weights} x ${c.x} activations ${c.activations} seed=${c.seed}`;
}

/** graphModel's bytes with the MatMulNBits nodes in the com.microsoft domain (opset 1 imported beside ''). */
function msModel(nodes: readonly OnnxNode[]): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(graphModel(nodes));
  model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: "com.microsoft", version: 1 }));
  for (const node of model.graph?.node ?? []) if (node.opType === "MatMulNBits") node.domain = "com.microsoft";
  return onnx.ModelProto.encode(model).finish();
}

/** The two MatMulNBits nodes of case `i` (accuracy_level 0 and 4), sharing the initializers of `toMatMulNBits`. */
function ortNodes(i: number, c: Case, d: Data): OnnxNode[] {
  const nb = toMatMulNBits(d.w4);
  const blocks = Math.ceil(c.k / c.blockSize);
  const inputs: OnnxValue[] = [
    { name: `a${i}`, dtype: "float32", shape: [c.m, c.k] },
    { name: `b${i}`, dtype: "uint8", shape: [c.n, blocks, c.blockSize / 2], values: nb.b },
    { name: `s${i}`, dtype: "float32", shape: [c.n * blocks], values: nb.scales },
  ];
  if (c.zp !== "omitted") inputs.push({ name: `z${i}`, dtype: "uint8", shape: [nb.zeroPoints.length], values: nb.zeroPoints });
  return [0, 4].map((level) => ({
    op: "MatMulNBits",
    inputs,
    outputs: [{ name: `y${i}_${level}`, dtype: "float32", shape: [c.m, c.n] }],
    attributes: { K: c.k, N: c.n, bits: 4, block_size: c.blockSize, accuracy_level: level },
  }));
}

function runQkern(qk: Qkern, c: Case, d: Data): Float32Array {
  using w = packInt4Weights(qk, d.w4);
  using x = qk.tensor(d.x, [c.m, c.k]);
  using y = gemmInt4(x, w, { activations: c.activations });
  return Float32Array.from(y.data as Float32Array);
}

/** Worst use of each bound (error / bound), the largest grid-case gap, and accuracy-level identity. */
const stats = { cases: 0, outputs: 0, qkern: 0, ort: 0, pair: 0, gridGap: 0, level4Same: 0 };

async function checkBatch(batch: readonly Case[]): Promise<void> {
  const data = batch.map(materialize);
  const session: InferenceSession = await ort.InferenceSession.create(msModel(batch.flatMap((c, i) => ortNodes(i, c, data[i]!))), { executionProviders: ["wasm"] });
  try {
    const feeds: Record<string, OrtTensor> = {};
    batch.forEach((c, i) => (feeds[`a${i}`] = new ort.Tensor("float32", data[i]!.x, [c.m, c.k])));
    const results = await session.run(feeds);
    batch.forEach((c, i) => {
      const d = data[i]!;
      const ort0 = results[`y${i}_0`]!.data as Float32Array;
      const ort4 = results[`y${i}_4`]!.data as Float32Array;
      const b = bounds(c, d);
      const ys = builds.map((qk) => runQkern(qk, c, d));
      const fail = (what: string, j: number, got: number, want: number, bound: number): never => {
        throw new Error(`${what} at [${Math.floor(j / c.n)}, ${j % c.n}]: ${got} vs ${want}, |diff| ${Math.abs(got - want)} > bound ${bound}; ` +
          `exact ${b.truth[j]}, qkern bound ${b.qkern[j]}, ORT bound ${b.ort[j]}; case ${describeCase(c)}`);
      };
      for (let j = 0; j < c.m * c.n; j++) {
        const t = b.truth[j]!;
        if (!(Math.abs(ort0[j]! - t) <= b.ort[j]!)) fail("ORT MatMulNBits (accuracy_level 0) vs exact float64", j, ort0[j]!, t, b.ort[j]!);
        if (!(Math.abs(ort4[j]! - t) <= b.ortInt8[j]!)) fail("ORT MatMulNBits (accuracy_level 4) vs exact float64", j, ort4[j]!, t, b.ortInt8[j]!);
        if (ort4[j] === ort0[j]) stats.level4Same++;
        for (const [bi, y] of ys.entries()) {
          const who = `qkern/${builds[bi]!.isa}`;
          if (!Object.is(y[j], ys[0]![j])) fail(`${who} vs qkern/${builds[0]!.isa} (${TOLERANCES.crossBuild.tolerance})`, j, y[j]!, ys[0]![j]!, 0);
          if (!(Math.abs(y[j]! - t) <= b.qkern[j]!)) fail(`${who} vs exact float64`, j, y[j]!, t, b.qkern[j]!);
          if (!(Math.abs(y[j]! - ort0[j]!) <= b.qkern[j]! + b.ort[j]!)) fail(`${who} vs ORT MatMulNBits`, j, y[j]!, ort0[j]!, b.qkern[j]! + b.ort[j]!);
        }
        const y = ys[0]![j]!;
        const use = (err: number, bound: number): number => (bound > 0 ? err / bound : 0);
        stats.qkern = Math.max(stats.qkern, use(Math.abs(y - t), b.qkern[j]!));
        stats.ort = Math.max(stats.ort, use(Math.abs(ort0[j]! - t), b.ort[j]!));
        stats.pair = Math.max(stats.pair, use(Math.abs(y - ort0[j]!), b.qkern[j]! + b.ort[j]!));
        if (c.x === "grid") stats.gridGap = Math.max(stats.gridGap, Math.abs(y - ort0[j]!) / (b.mag[j]! || 1));
        stats.outputs++;
      }
      stats.cases++;
    });
  } finally {
    await session.release();
  }
}

/** Whether this onnxruntime-web runs MatMulNBits at all (if not, the tests below skip and say why). */
async function probe(): Promise<string | null> {
  const c: Case = { m: 1, k: 64, n: 4, blockSize: 32, zp: "asymmetric", weights: "normal", x: "uniform", activations: "per-block", seed: 1 };
  try {
    const s = await ort.InferenceSession.create(msModel(ortNodes(0, c, materialize(c))), { executionProviders: ["wasm"] });
    await s.run({ a0: new ort.Tensor("float32", new Float32Array(64), [1, 64]) });
    await s.release();
    return null;
  } catch (e) {
    return (e as Error).message.split("\n")[0]!.slice(0, 160);
  }
}
const unsupported = await probe();
const skipNote = unsupported === null ? "" : ` (skipped: onnxruntime-web cannot run MatMulNBits here: ${unsupported})`;

describe.skipIf(unsupported !== null)(`gemmInt4 vs onnxruntime-web 1.30 MatMulNBits, builds ${buildList}${skipNote}`, () => {
  it(`bits 4, block 32 (and 64, 128), zero points omitted / 8 / asymmetric, activations per block or per row: ${CASES} random cases within the derived float bounds`, async () => {
    expectRelaxedCompared(builds);
    await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), checkBatch), { seed: 0x1a74, numRuns: RUNS });
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);
  });

  it("accuracy_level 4 computes exactly what level 0 does in onnxruntime-web 1.30 (no int8 path in its wasm build)", () => {
    expect(stats.outputs, "the conformance test above ran first").toBeGreaterThan(0);
    expect(stats.level4Same, "ORT now quantizes activations at level 4: update the header and the bench suite's notes").toBe(stats.outputs);
  });
});

afterAll(() => {
  if (stats.outputs === 0) return;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(`MatMulNBits: ${stats.cases} cases, ${stats.outputs} outputs on ${isaList}; worst use of the bound: ` +
    `qkern vs exact ${pct(stats.qkern)}, ORT vs exact ${pct(stats.ort)}, qkern vs ORT ${pct(stats.pair)}; ` +
    `grid (lossless int8) cases: max |qkern − ORT| / Σ|x·w| = ${stats.gridGap.toExponential(2)}; ` +
    `accuracy_level 4 identical to 0 in ${stats.level4Same} of ${stats.outputs} outputs`);
});
