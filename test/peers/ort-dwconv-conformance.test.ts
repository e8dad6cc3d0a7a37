// Conformance of depthwiseConv2d (fp32 output stage) with onnxruntime-web's QLinearConv, group = C
// (channel multiplier 1 and 2), on every qkern build available in this process: outputs identical.
// Cases come from seeded fast-check arbitraries biased to edges: H, W 1..20, C 1..40 (around 16 and
// 32), kernels 3×3 and 5×5 (the fast paths) or any KH, KW in 1..5, stride 1..3, dilation 1..2,
// explicit pads 0..4 per side (ONNX [t, l, b, r] = qkern [top, left, bottom, right]), batch 1..2,
// values and zero points at the extremes, per-tensor or per-channel weight scales and zero points,
// bias absent, small (±5000) or large (up to ±2^29), output multipliers from tiny (outputs round to
// the zero point) to huge (|acc·m| ≫ 2^22: every output saturates). ONNX is NCHW: inputs are made
// NHWC (qkern's layout) and transposed for ORT, whose outputs are transposed back. Weights go to
// qkern in ONNX layout [C·m, 1, KH, KW] or, transposed, in TFLite layout [KH, KW, C·m]. One
// fast-check run is a batch of cases in one ORT session of independent nodes; the error names the
// case, the element, both values and the exact accumulator. The log counts where ORT departs from
// the exact-arithmetic ONNX formula (f32 multiplier and f32(acc): ties decided differently).
//
// What onnxruntime-web 1.30 accepts (probed): QLinearConv with x·w → y of u8·u8 → u8, u8·s8 → u8
// and s8·s8 → s8 (s8·u8, and any output type other than x's, have no kernel); w_scale and
// w_zero_point scalar or per output channel, nonzero weight zero points included; bias optional.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { depthwiseConv2d, packDepthwiseWeights, type Qkern, type Tensor } from "../../src/index.js";
import { loadOrt, ortGraphSession, type OnnxNode, type OnnxValue } from "../../peers/ort.js";
import { rng } from "../support/helpers.js";
import { SpecDiffs, exactQLinear, expectRelaxedCompared, peerBuilds } from "../support/peer.js";
import type { Tensor as OrtTensor } from "onnxruntime-web";

type Q8 = "int8" | "uint8";
const RANGE: Record<Q8, readonly [number, number]> = { int8: [-128, 127], uint8: [0, 255] };
const BATCH = 40;
const RUNS = 12;
/** [x and y type, w type]: the combinations ORT runs. */
const COMBOS = [["uint8", "uint8"], ["uint8", "int8"], ["int8", "int8"]] as const;
const CASES = BATCH * RUNS * COMBOS.length;

const { builds, isaList, buildList } = await peerBuilds();
const ort = await loadOrt();

const zeroPoint = (t: Q8): fc.Arbitrary<number> => {
  const [lo, hi] = RANGE[t];
  return fc.oneof(fc.constantFrom(lo, hi, lo + 1, hi - 1, t === "uint8" ? 128 : 0), fc.integer({ min: lo, max: hi }));
};
const scaleArb = fc.oneof(fc.integer({ min: -12, max: 0 }).map((e) => 2 ** e), fc.float({ min: Math.fround(1e-4), max: 1, noNaN: true }));
const size = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(1, 2, 3, 16, 17, 20));
const upTo = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max });
const k15 = upTo(5);
const pad = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 4 }));
const geometry = {
  n: fc.integer({ min: 1, max: 2 }),
  h: size,
  w: size,
  c: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 15, 16, 17, 31, 32, 33, 40)),
  mult: fc.constantFrom(1 as const, 2 as const),
  k: fc.oneof({ weight: 3, arbitrary: fc.constantFrom([3, 3] as const, [5, 5] as const) }, { weight: 2, arbitrary: fc.tuple(k15, k15) }),
  s: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 2).map((s) => [s, s] as const) }, { weight: 1, arbitrary: fc.tuple(upTo(3), upTo(3)) }),
  d: fc.oneof({ weight: 3, arbitrary: fc.constant([1, 1] as const) }, { weight: 1, arbitrary: fc.tuple(upTo(2), upTo(2)) }),
  pads: fc.tuple(pad, pad, pad, pad),
};

/**
 * One random case: geometry, dtypes, zero points, per-tensor or per-channel weight parameters; data
 * and per-channel values derive from `seed`, biased by `fill` (corner: every value one extreme).
 * Pads are ONNX's [top, left, bottom, right], bottom/right raised until one output fits. Output
 * multiplier ≈ 2^−(7 + log2(taps)/2 + jitter), as in test/peers/ort-conformance.test.ts.
 */
function caseArb(xType: Q8, wType: Q8) {
  return fc.record({
    ...geometry,
    xz: zeroPoint(xType),
    wz: zeroPoint(wType),
    perChannel: fc.boolean(),
    fill: fc.constantFrom("uniform" as const, "edges" as const, "mixed" as const, "corner" as const),
    bias: fc.constantFrom("none" as const, "small" as const, "large" as const),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    layout: fc.constantFrom("onnx" as const, "hwc" as const),
    useOut: fc.boolean(),
    xScale: scaleArb,
    wScale: scaleArb,
    jitter: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) }, fc.integer({ min: -24, max: -4 }), fc.integer({ min: 4, max: 24 })),
    yZp: zeroPoint(xType),
  }).map(({ k, s, d, pads: [t, l, b, r], ...rest }) => ({
    ...rest, xType, wType, kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1],
    pads: [t, l, Math.max(b, (k[0] - 1) * d[0] + 1 - rest.h - t), Math.max(r, (k[1] - 1) * d[1] + 1 - rest.w - l)] as const,
  }));
}
type Case = typeof caseArb extends (...a: never[]) => fc.Arbitrary<infer T> ? T : never;

/** The tensors of a case: x NHWC, w in ONNX layout, per output channel parameters, output geometry. */
function materialize(c: Case) {
  const r = rng(c.seed);
  const values = (t: Q8, count: number): Int8Array | Uint8Array => {
    const [lo, hi] = RANGE[t];
    const edges = [lo, hi, lo + 1, hi - 1, t === "uint8" ? 128 : 0];
    const corner = r() < 0.5 ? lo : hi;
    const out = t === "int8" ? new Int8Array(count) : new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const edge = c.fill === "edges" || (c.fill === "mixed" && r() < 0.3);
      out[i] = c.fill === "corner" ? corner : edge ? edges[Math.floor(r() * edges.length)]! : lo + Math.floor(r() * (hi - lo + 1));
    }
    return out;
  };
  const oc = c.c * c.mult;
  const x = values(c.xType, c.n * c.h * c.w * c.c);
  const w = values(c.wType, oc * c.kh * c.kw);
  const wz = new Int32Array(oc).fill(c.wz);
  const wScale = new Float32Array(oc).fill(c.wScale);
  const pow2 = Number.isInteger(Math.log2(c.wScale));
  if (c.perChannel) {
    const [lo, hi] = RANGE[c.wType];
    for (let j = 0; j < oc; j++) {
      wz[j] = r() < 0.3 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1));
      wScale[j] = pow2 ? c.wScale * 2 ** (Math.floor(r() * 5) - 2) : c.wScale * (0.5 + r());
    }
  }
  const span = c.bias === "large" ? 2 ** 29 : c.bias === "small" ? 5000 : 0;
  const bias = Int32Array.from({ length: oc }, () => Math.floor((2 * r() - 1) * span));
  const e = Math.round(7 + Math.log2(c.kh * c.kw) / 2) + c.jitter;
  const oh = Math.floor((c.h + c.pads[0] + c.pads[2] - (c.kh - 1) * c.dh - 1) / c.sh) + 1;
  const ow = Math.floor((c.w + c.pads[1] + c.pads[3] - (c.kw - 1) * c.dw - 1) / c.sw) + 1;
  return { x, w, wz, wScale, bias, yScale: Math.fround(c.xScale * c.wScale * 2 ** e), oc, oh, ow };
}
type Data = ReturnType<typeof materialize>;

/** Exact Σ (x − xz)(w − wz) + bias at NHWC output index `i` (padding contributes nothing). */
function accAt(c: Case, d: Data, i: number): number {
  const o = i % d.oc;
  const ox = Math.floor(i / d.oc) % d.ow;
  const oy = Math.floor(i / (d.oc * d.ow)) % d.oh;
  const b = Math.floor(i / (d.oc * d.ow * d.oh));
  const ch = Math.floor(o / c.mult);
  let s = d.bias[o]!;
  for (let ky = 0; ky < c.kh; ky++) {
    const iy = oy * c.sh + ky * c.dh - c.pads[0];
    for (let kx = 0; kx < c.kw; kx++) {
      const ix = ox * c.sw + kx * c.dw - c.pads[1];
      if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
      s += (d.x[((b * c.h + iy) * c.w + ix) * c.c + ch]! - c.xz) * (d.w[(o * c.kh + ky) * c.kw + kx]! - d.wz[o]!);
    }
  }
  return s;
}

/** The ONNX formula in exact (f64) arithmetic: saturate(roundHalfEven(acc · xScale · wScale / yScale) + yZp). */
function exactOutput(c: Case, d: Data, acc: number, o: number): number {
  return exactQLinear((acc * c.xScale * d.wScale[o]!) / d.yScale, c.yZp, RANGE[c.xType]);
}

function describeCase(c: Case, d: Data): string {
  const per = (v: ArrayLike<number>, one: number): string => (c.perChannel ? `[${Array.from(v).join(",")}] (per channel)` : String(one));
  return `N=${c.n} H=${c.h} W=${c.w} C=${c.c} multiplier=${c.mult} kernel ${c.kh}x${c.kw} strides [${c.sh},${c.sw}] dilations [${c.dh},${c.dw}] ` +
    `pads [t,l,b,r]=[${c.pads.join(",")}] → output ${d.oh}x${d.ow}x${d.oc}; x ${c.xType} xz=${c.xz} xScale=${c.xScale}; w ${c.wType} (qkern layout ${c.layout}) ` +
    `wz=${per(d.wz, c.wz)} wScale=${per(d.wScale, c.wScale)}; bias ${c.bias}=[${Array.from(d.bias).join(",")}]; yScale=${d.yScale} yZp=${c.yZp}; ` +
    `fill=${c.fill} seed=${c.seed}${c.useOut ? ", qkern out=" : ""}`;
}

/** NHWC ↔ NCHW copies (`toNchw` false: NCHW → NHWC). */
function transpose<T extends Int8Array | Uint8Array>(src: T, n: number, h: number, w: number, c: number, toNchw: boolean): T {
  const dst = new (src.constructor as new (k: number) => T)(src.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    const nhwc = ((b * h + y) * w + x) * c + ch;
    const nchw = ((b * c + ch) * h + y) * w + x;
    if (toNchw) dst[nchw] = src[nhwc]!;
    else dst[nhwc] = src[nchw]!;
  }
  return dst;
}

function ortNode(i: number, c: Case, d: Data): OnnxNode {
  const wShape = c.perChannel ? [d.oc] : [];
  const f32 = (name: string, shape: number[], values: ArrayLike<number>): OnnxValue => ({ name: `${name}${i}`, dtype: "float32", shape, values });
  const inputs: OnnxValue[] = [
    { name: `x${i}`, dtype: c.xType, shape: [c.n, c.c, c.h, c.w] }, f32("xs", [], [c.xScale]), { name: `xz${i}`, dtype: c.xType, shape: [], values: [c.xz] },
    { name: `w${i}`, dtype: c.wType, shape: [d.oc, 1, c.kh, c.kw], values: d.w }, f32("ws", wShape, c.perChannel ? d.wScale : [c.wScale]),
    { name: `wz${i}`, dtype: c.wType, shape: wShape, values: c.perChannel ? d.wz : [c.wz] },
    f32("ys", [], [d.yScale]), { name: `yz${i}`, dtype: c.xType, shape: [], values: [c.yZp] },
  ];
  if (c.bias !== "none") inputs.push({ name: `b${i}`, dtype: "int32", shape: [d.oc], values: d.bias });
  return {
    op: "QLinearConv",
    inputs,
    outputs: [{ name: `y${i}`, dtype: c.xType, shape: [c.n, d.oc, d.oh, d.ow] }],
    attributes: { group: c.c, kernel_shape: [c.kh, c.kw], strides: [c.sh, c.sw], dilations: [c.dh, c.dw], pads: c.pads },
  };
}

function runQkern(qk: Qkern, c: Case, d: Data): ArrayLike<number> {
  const tensors: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (tensors.push(t), t);
  const x = keep(qk.tensor(d.x, [c.n, c.h, c.w, c.c], { quant: { scale: c.xScale, zeroPoint: c.xz } }));
  const taps = c.kh * c.kw;
  const hwc = c.layout === "hwc";
  const wq = c.perChannel ? { axis: hwc ? 2 : 0, scale: d.wScale, zeroPoint: d.wz } : { scale: c.wScale, zeroPoint: c.wz };
  const wHwc = new (d.w.constructor as new (k: number) => Int8Array | Uint8Array)(d.w.length);
  for (let i = 0; i < wHwc.length; i++) wHwc[i] = d.w[(i % d.oc) * taps + Math.floor(i / d.oc)]!;
  const wt = keep(qk.tensor(hwc ? wHwc : d.w, hwc ? [c.kh, c.kw, d.oc] : [d.oc, 1, c.kh, c.kw], { quant: wq }));
  const w = packDepthwiseWeights(wt, { layout: c.layout, ...(c.bias === "none" ? {} : { bias: d.bias }) });
  try {
    const geometry = { strides: [c.sh, c.sw] as const, dilations: [c.dh, c.dw] as const, padding: c.pads };
    const yq = { scale: d.yScale, zeroPoint: c.yZp };
    if (c.useOut) {
      const out = keep(qk.empty(c.xType, [c.n, d.oh, d.ow, d.oc], { quant: yq }));
      depthwiseConv2d(x, w, { ...geometry, out });
      return out.toArray();
    }
    return keep(depthwiseConv2d(x, w, { ...geometry, output: { dtype: c.xType, ...yq } })).toArray();
  } finally {
    w.dispose();
    tensors.forEach((t) => t.dispose());
  }
}

/** ORT outputs that differ from the exact-arithmetic ONNX formula, for the log. */
const specDiffs = new SpecDiffs();
let counted = 0;
let multiplier2 = 0;

async function checkBatch(batch: readonly Case[]): Promise<void> {
  const data = batch.map(materialize);
  const session = await ortGraphSession(ort, batch.map((c, i) => ortNode(i, c, data[i]!)));
  try {
    const feeds: Record<string, OrtTensor> = {};
    batch.forEach((c, i) => {
      feeds[`x${i}`] = new ort.Tensor(c.xType, transpose(data[i]!.x, c.n, c.h, c.w, c.c, true), [c.n, c.c, c.h, c.w]);
    });
    const results = await session.run(feeds);
    batch.forEach((c, i) => {
      const d = data[i]!;
      const want = transpose(results[`y${i}`]!.data as Int8Array | Uint8Array, c.n, d.oh, d.ow, d.oc, false);
      for (const qk of builds) {
        const got = runQkern(qk, c, d);
        let bad = -1;
        let count = 0;
        for (let j = 0; j < want.length; j++) {
          if (got[j] === want[j]) continue;
          count++;
          if (bad < 0) bad = j;
        }
        if (got.length !== want.length) {
          throw new Error(`QLinearConv qkern/${qk.isa} vs ORT: ${got.length} outputs instead of ${want.length}; case ${describeCase(c, d)}`);
        }
        if (count > 0) {
          const o = bad % d.oc;
          const at = [Math.floor(bad / (d.oc * d.ow * d.oh)), Math.floor(bad / (d.oc * d.ow)) % d.oh, Math.floor(bad / d.oc) % d.ow, o];
          const acc = accAt(c, d, bad);
          const mult = Math.fround(Math.fround(c.xScale * d.wScale[o]!) / d.yScale);
          throw new Error(`QLinearConv qkern/${qk.isa} vs ORT: ${count} of ${want.length} outputs differ; ` +
            `first at NHWC [${at.join(", ")}]: qkern ${got[bad]}, ORT ${want[bad]}, accumulator (with bias) ${acc}, m = f32(f32(xScale·wScale)/yScale) = ${mult}, ` +
            `f32(acc)·m = ${Math.fround(Math.fround(acc) * mult)}, exact-arithmetic ONNX formula ${exactOutput(c, d, acc, o)}; case ${describeCase(c, d)}`);
        }
      }
      for (let j = 0; j < want.length; j++) {
        const o = j % d.oc;
        const acc = accAt(c, d, j);
        const spec = exactOutput(c, d, acc, o);
        specDiffs.note(spec, want[j]!, () => {
          const mult = Math.fround(Math.fround(c.xScale * d.wScale[o]!) / d.yScale);
          return `ORT ${want[j]} vs exact ${spec} at NHWC index ${j}: acc ${acc}, acc·xScale·wScale/yScale = ` +
            `${(acc * c.xScale * d.wScale[o]!) / d.yScale} exactly, f32(acc)·m = ${Math.fround(Math.fround(acc) * mult)}; ${describeCase(c, d)}`;
        });
      }
      counted++;
      if (c.mult === 2) multiplier2++;
    });
  } finally {
    await session.release();
  }
}

describe(`depthwiseConv2d vs onnxruntime-web 1.30 QLinearConv (group = C): ${CASES} random cases, builds ${buildList}`, () => {
  const title = `x %s · w %s → y = x's type: ${BATCH * RUNS} random cases, outputs identical`;
  it.each(COMBOS.map(([x, w], k) => [x, w, k] as const))(title, async (xType, wType, k) => {
    expectRelaxedCompared(builds);
    const before = counted;
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb(xType, wType), { minLength: BATCH, maxLength: BATCH }), checkBatch),
      { seed: 0xd1c0 + k, numRuns: RUNS },
    );
    expect(counted - before).toBeGreaterThanOrEqual(BATCH * RUNS);
  });
});

afterAll(() => {
  console.log(`QLinearConv: ${counted} of ${CASES} cases (${multiplier2} with multiplier 2) identical to ORT on ${isaList}`);
  specDiffs.log("QLinearConv");
});
