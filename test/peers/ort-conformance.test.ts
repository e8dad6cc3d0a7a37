// Conformance with onnxruntime-web (the peer whose semantics gemm promises, docs/numerics.md): qkern's
// gemm against ORT's MatMulInteger (int32, exact) and QLinearMatMul (8-bit output, fp32 stage,
// exact), on every build available in this process. Cases come from seeded fast-check arbitraries
// biased to edges: M 1..9, N around multiples of 8, K = 1, odd K, K up to 300 and now and then
// 1024..4096, values at the dtype's extremes, zero points at the extremes, power-of-two scales
// (exact ties). One fast-check run is a batch of cases compared through one ORT session of
// independent nodes (a session per case would cost most of the time); a failing batch shrinks
// like any fast-check value, and the error names the case, the element and every value.
//
// Reduce range: ONNX Runtime's quantizer with reduce_range produces ordinary int8/uint8 weights in a
// 7-bit range; the same comparisons run with B in [−64, 63] (int8) or [0, 127] (uint8), packed by
// qkern with `reduceRange: true` (the relaxed build's qs8_w7_gemm kernels), zero points anywhere.
//
// What onnxruntime-web 1.30 accepts (probed): MatMulInteger in all four signedness combinations,
// b_zero_point scalar or [N] (per column), a_zero_point scalar only (the ONNX spec also allows [M],
// per row; ORT fails at run time, so per-row A is not compared here). QLinearMatMul only with the
// output type equal to A's (u8·s8→u8, s8·s8→s8, u8·u8→u8), b_scale / b_zero_point scalar or [N].
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { gemm, packGemmWeights, type Qkern, type Tensor } from "../../src/index.js";
import { loadOrt, ortGraphSession, type OnnxNode, type OnnxValue } from "../../peers/ort.js";
import { rng } from "../support/helpers.js";
import { SpecDiffs, exactQLinear, expectRelaxedCompared, peerBuilds } from "../support/peer.js";
import type { Tensor as OrtTensor } from "onnxruntime-web";

type Q8 = "int8" | "uint8";
const RANGE: Record<Q8, readonly [number, number]> = { int8: [-128, 127], uint8: [0, 255] };
/** 7-bit weights (`packGemmWeights(b, { reduceRange: true })`). */
const REDUCED: Record<Q8, readonly [number, number]> = { int8: [-64, 63], uint8: [0, 127] };
const BATCH = 32;
const RUNS = 25;
const CASES = BATCH * RUNS;
const RUNS_RR = 10;
const CASES_RR = BATCH * RUNS_RR;

const { builds, isaList, buildList } = await peerBuilds();
const ort = await loadOrt();

/** One random case. Data, per-column parameters and scales derive from `seed`, biased by `fill`. */
interface Case {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly aType: Q8;
  readonly bType: Q8;
  readonly za: number;
  readonly zb: number;
  readonly perColumn: boolean;
  /** uniform | edges (extremes and neighbours) | mixed | corner (every value one extreme: largest sums). */
  readonly fill: "uniform" | "edges" | "mixed" | "corner";
  readonly seed: number;
  /** B as an initializer (ORT prepacks it) or as a graph input. */
  readonly bConst: boolean;
  /** qkern writes into a preallocated `out` instead of returning a new tensor. */
  readonly useOut: boolean;
  readonly aScale: number;
  readonly bScale: number;
  /**
   * Output multiplier ≈ 2^−(7 + log2(K)/2 + jitter): outputs spread over the range for small
   * jitter; large negative jitter saturates with |acc·m| far beyond 2^22, large positive rounds to 0.
   */
  readonly jitter: number;
  readonly yZp: number;
  /** B's values 7-bit, packed with reduceRange. */
  readonly reduceRange?: boolean;
}

const zeroPoint = (t: Q8): fc.Arbitrary<number> => {
  const [lo, hi] = RANGE[t];
  return fc.oneof(fc.constantFrom(lo, hi, lo + 1, hi - 1, t === "uint8" ? 128 : 0), fc.integer({ min: lo, max: hi }));
};
const scaleArb = fc.oneof(fc.integer({ min: -12, max: 0 }).map((e) => 2 ** e), fc.float({ min: Math.fround(1e-4), max: 1, noNaN: true }));
const dims = {
  m: fc.integer({ min: 1, max: 9 }),
  n: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 31, max: 33 }), fc.constantFrom(8, 16, 24, 40, 48, 64)),
  k: fc.oneof(
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }).map((i) => 2 * i + 1) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1024, max: 4096 }) },
  ),
};

function caseArb(types: readonly (readonly [Q8, Q8])[]): fc.Arbitrary<Case> {
  return fc.constantFrom(...types).chain(([aType, bType]) => fc.record({
    ...dims,
    aType: fc.constant(aType),
    bType: fc.constant(bType),
    za: zeroPoint(aType),
    zb: zeroPoint(bType),
    perColumn: fc.boolean(),
    fill: fc.constantFrom("uniform" as const, "edges" as const, "mixed" as const, "corner" as const),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    bConst: fc.boolean(),
    useOut: fc.boolean(),
    aScale: scaleArb,
    bScale: scaleArb,
    jitter: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) }, fc.integer({ min: -24, max: -4 }), fc.integer({ min: 4, max: 24 })),
    yZp: zeroPoint(aType),
  }));
}

/** The concrete tensors and parameters of a case. */
interface Data {
  readonly a: Int8Array | Uint8Array;
  readonly b: Int8Array | Uint8Array;
  /** Per column (all equal unless perColumn). */
  readonly zb: Int32Array;
  readonly bScale: Float32Array;
  readonly yScale: number;
}

function materialize(c: Case): Data {
  const r = rng(c.seed);
  const values = (t: Q8, count: number, range = RANGE): Int8Array | Uint8Array => {
    const [lo, hi] = range[t];
    const edges = [lo, hi, lo + 1, hi - 1, t === "uint8" ? (lo + hi + 1) / 2 : 0];
    const corner = r() < 0.5 ? lo : hi;
    const out = t === "int8" ? new Int8Array(count) : new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const edge = c.fill === "edges" || (c.fill === "mixed" && r() < 0.3);
      out[i] = c.fill === "corner" ? corner : edge ? edges[Math.floor(r() * edges.length)]! : lo + Math.floor(r() * (hi - lo + 1));
    }
    return out;
  };
  const a = values(c.aType, c.m * c.k);
  const b = values(c.bType, c.k * c.n, c.reduceRange ? REDUCED : RANGE);
  const zb = new Int32Array(c.n).fill(c.zb);
  const bScale = new Float32Array(c.n).fill(c.bScale);
  const pow2 = Number.isInteger(Math.log2(c.bScale));
  if (c.perColumn) {
    const [lo, hi] = RANGE[c.bType];
    for (let j = 0; j < c.n; j++) {
      zb[j] = r() < 0.3 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1));
      bScale[j] = pow2 ? c.bScale * 2 ** (Math.floor(r() * 5) - 2) : c.bScale * (0.5 + r());
    }
  }
  const e = Math.round(7 + Math.log2(c.k) / 2) + c.jitter;
  return { a, b, zb, bScale, yScale: Math.fround(c.aScale * c.bScale * 2 ** e) };
}

/** Exact (A − za)·(B − zb) at one element. */
function accAt(c: Case, d: Data, row: number, col: number): number {
  let s = 0;
  for (let i = 0; i < c.k; i++) s += (d.a[row * c.k + i]! - c.za) * (d.b[i * c.n + col]! - d.zb[col]!);
  return s;
}

/** The ONNX formula in exact arithmetic: saturate(roundHalfEven(acc · aScale · bScale / yScale) + yZp), in f64. */
function exactOutput(c: Case, d: Data, acc: number, col: number): number {
  return exactQLinear((acc * c.aScale * d.bScale[col]!) / d.yScale, c.yZp, RANGE[c.aType]);
}

function describeCase(c: Case, d: Data): string {
  const zb = c.perColumn ? `[${d.zb.join(",")}] (per column)` : String(c.zb);
  const bs = c.perColumn ? `[${Array.from(d.bScale).join(",")}] (per column)` : String(c.bScale);
  return `M=${c.m} K=${c.k} N=${c.n} A ${c.aType} za=${c.za} B ${c.bType} zb=${zb} fill=${c.fill} seed=${c.seed} ` +
    `B ${c.reduceRange ? "7-bit " : ""}${c.bConst ? "initializer" : "graph input"}${c.useOut ? ", qkern out=" : ""}; aScale=${c.aScale} bScale=${bs} yScale=${d.yScale} yZp=${c.yZp}`;
}

type Op = "MatMulInteger" | "QLinearMatMul";

/** The ORT node of case `i`: A a graph input, B an initializer or input, parameters initializers. */
function ortNode(op: Op, i: number, c: Case, d: Data): OnnxNode {
  const bShape = c.perColumn ? [c.n] : [];
  const a: OnnxValue = { name: `a${i}`, dtype: c.aType, shape: [c.m, c.k] };
  const b: OnnxValue = { name: `b${i}`, dtype: c.bType, shape: [c.k, c.n], ...(c.bConst ? { values: d.b } : {}) };
  const za: OnnxValue = { name: `za${i}`, dtype: c.aType, shape: [], values: [c.za] };
  const zb: OnnxValue = { name: `zb${i}`, dtype: c.bType, shape: bShape, values: c.perColumn ? d.zb : [c.zb] };
  if (op === "MatMulInteger") return { op, inputs: [a, b, za, zb], outputs: [{ name: `y${i}`, dtype: "int32", shape: [c.m, c.n] }] };
  const f32 = (name: string, shape: number[], values: ArrayLike<number>): OnnxValue => ({ name: `${name}${i}`, dtype: "float32", shape, values });
  return {
    op,
    inputs: [a, f32("as", [], [c.aScale]), za, b, f32("bs", bShape, c.perColumn ? d.bScale : [c.bScale]), zb,
      f32("ys", [], [d.yScale]), { name: `yz${i}`, dtype: c.aType, shape: [], values: [c.yZp] }],
    outputs: [{ name: `y${i}`, dtype: c.aType, shape: [c.m, c.n] }],
  };
}

function runQkern(op: Op, qk: Qkern, c: Case, d: Data): ArrayLike<number> {
  const tensors: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (tensors.push(t), t);
  const a = keep(qk.tensor(d.a, [c.m, c.k], { quant: { scale: c.aScale, zeroPoint: c.za } }));
  const bQuant = c.perColumn ? { axis: 1, scale: d.bScale, zeroPoint: d.zb } : { scale: c.bScale, zeroPoint: c.zb };
  const b = keep(qk.tensor(d.b, [c.k, c.n], { quant: bQuant }));
  const w = packGemmWeights(b, { reduceRange: c.reduceRange === true });
  try {
    const yq = { scale: d.yScale, zeroPoint: c.yZp };
    if (c.useOut) {
      const out = keep(op === "MatMulInteger" ? qk.empty("int32", [c.m, c.n]) : qk.empty(c.aType, [c.m, c.n], { quant: yq }));
      gemm(a, w, { out });
      return out.toArray();
    }
    return keep(op === "MatMulInteger" ? gemm(a, w) : gemm(a, w, { output: { dtype: c.aType, ...yq } })).toArray();
  } finally {
    w.dispose();
    tensors.forEach((t) => t.dispose());
  }
}

/** ORT outputs that differ from the exact-arithmetic ONNX formula (QLinearMatMul only), for the log. */
const specDiffs = new SpecDiffs();
const counted: Record<string, number> = { MatMulInteger: 0, QLinearMatMul: 0 };

async function checkBatch(op: Op, batch: readonly Case[], opset: number): Promise<void> {
  const data = batch.map(materialize);
  const session = await ortGraphSession(ort, batch.map((c, i) => ortNode(op, i, c, data[i]!)), opset);
  try {
    const feeds: Record<string, OrtTensor> = {};
    batch.forEach((c, i) => {
      feeds[`a${i}`] = new ort.Tensor(c.aType, data[i]!.a, [c.m, c.k]);
      if (!c.bConst) feeds[`b${i}`] = new ort.Tensor(c.bType, data[i]!.b, [c.k, c.n]);
    });
    const results = await session.run(feeds);
    batch.forEach((c, i) => {
      const d = data[i]!;
      const want = results[`y${i}`]!.data as Int32Array | Int8Array | Uint8Array;
      for (const qk of builds) {
        const got = runQkern(op, qk, c, d);
        let bad = -1;
        let count = 0;
        for (let j = 0; j < want.length; j++) {
          if (got[j] === want[j]) continue;
          count++;
          if (bad < 0) bad = j;
        }
        if (got.length !== want.length || count > 0) {
          const row = Math.floor(bad / c.n);
          const col = bad % c.n;
          const acc = accAt(c, d, row, col);
          const mult = Math.fround(Math.fround(c.aScale * d.bScale[col]!) / d.yScale);
          const exact = op === "QLinearMatMul" ? `, exact-arithmetic ONNX formula ${exactOutput(c, d, acc, col)}, m = f32(f32(aScale·bScale)/yScale) = ${mult}` : "";
          throw new Error(`${op} qkern/${qk.isa} vs ORT: ${count} of ${want.length} outputs differ (lengths ${got.length}/${want.length}); ` +
            `first at [${row}, ${col}]: qkern ${got[bad]}, ORT ${want[bad]}, accumulator ${acc}${exact}; case ${describeCase(c, d)}`);
        }
      }
      if (op === "QLinearMatMul") {
        for (let j = 0; j < want.length; j++) {
          const col = j % c.n;
          const acc = accAt(c, d, Math.floor(j / c.n), col);
          const spec = exactOutput(c, d, acc, col);
          specDiffs.note(spec, want[j]!, () => {
            const mult = Math.fround(Math.fround(c.aScale * d.bScale[col]!) / d.yScale);
            return `ORT ${want[j]} vs exact ${spec} at [${Math.floor(j / c.n)}, ${col}]: acc ${acc}, ` +
              `acc·aScale·bScale/yScale = ${(acc * c.aScale * d.bScale[col]!) / d.yScale} exactly, f32(acc)·m = ${Math.fround(Math.fround(acc) * mult)}; ${describeCase(c, d)}`;
          });
        }
      }
      counted[`${op}${c.reduceRange ? "-rr" : ""}`] = (counted[`${op}${c.reduceRange ? "-rr" : ""}`] ?? 0) + 1;
    });
  } finally {
    await session.release();
  }
}

const MMI_TYPES = [["uint8", "int8"], ["int8", "int8"], ["uint8", "uint8"], ["int8", "uint8"]] as const;
const QLMM_TYPES = [["uint8", "int8"], ["int8", "int8"], ["uint8", "uint8"]] as const;

describe(`gemm vs onnxruntime-web 1.30, builds ${buildList}`, () => {
  it(`MatMulInteger (u8s8, s8s8, u8u8, s8u8; b_zero_point scalar or [N]): ${CASES} random cases, int32 identical`, async () => {
    expectRelaxedCompared(builds);
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb(MMI_TYPES), { minLength: BATCH, maxLength: BATCH }), (batch) => checkBatch("MatMulInteger", batch, 13)),
      { seed: 0x5eed1, numRuns: RUNS },
    );
    console.log(`MatMulInteger: ${counted.MatMulInteger} cases identical to ORT on ${isaList}`);
    expect(counted.MatMulInteger).toBeGreaterThanOrEqual(CASES);
  });

  it(`QLinearMatMul (opset 10 and 21; u8s8→u8, s8s8→s8, u8u8→u8; b scale/zero point scalar or [N]): ${CASES} random cases, outputs identical`, async () => {
    expectRelaxedCompared(builds);
    const batches = fc.array(caseArb(QLMM_TYPES), { minLength: BATCH, maxLength: BATCH });
    // A model of opset 13 runs QLinearMatMul-10 (the latest version at or below it); 21 runs QLinearMatMul-21.
    await fc.assert(
      fc.asyncProperty(batches, fc.constantFrom(13, 21), (batch, opset) => checkBatch("QLinearMatMul", batch, opset)),
      { seed: 0x5eed2, numRuns: RUNS },
    );
    console.log(`QLinearMatMul: ${counted.QLinearMatMul} cases identical to ORT on ${isaList}`);
    expect(counted.QLinearMatMul).toBeGreaterThanOrEqual(CASES);
  });

  const rr = (types: readonly (readonly [Q8, Q8])[]): fc.Arbitrary<Case> => caseArb(types).map((c) => ({ ...c, reduceRange: true }));
  it(`MatMulInteger on 7-bit weights (reduceRange; u8s8, s8s8, u8u8, s8u8): ${CASES_RR} random cases, int32 identical`, async () => {
    expectRelaxedCompared(builds);
    await fc.assert(
      fc.asyncProperty(fc.array(rr(MMI_TYPES), { minLength: BATCH, maxLength: BATCH }), (batch) => checkBatch("MatMulInteger", batch, 13)),
      { seed: 0x5eed3, numRuns: RUNS_RR },
    );
    console.log(`MatMulInteger on 7-bit weights: ${counted["MatMulInteger-rr"]} cases identical to ORT on ${isaList}`);
    expect(counted["MatMulInteger-rr"]).toBeGreaterThanOrEqual(CASES_RR);
  });

  it(`QLinearMatMul on 7-bit weights (reduceRange; opset 10 and 21; u8s8→u8, s8s8→s8, u8u8→u8): ${CASES_RR} random cases, outputs identical`, async () => {
    expectRelaxedCompared(builds);
    await fc.assert(
      fc.asyncProperty(fc.array(rr(QLMM_TYPES), { minLength: BATCH, maxLength: BATCH }), fc.constantFrom(13, 21), (batch, opset) => checkBatch("QLinearMatMul", batch, opset)),
      { seed: 0x5eed4, numRuns: RUNS_RR },
    );
    console.log(`QLinearMatMul on 7-bit weights: ${counted["QLinearMatMul-rr"]} cases identical to ORT on ${isaList}`);
    expect(counted["QLinearMatMul-rr"]).toBeGreaterThanOrEqual(CASES_RR);
  });
});

afterAll(() => {
  specDiffs.log("QLinearMatMul");
});
