// The depthwise checker shared by the qs8_dwconv / qu8_dwconv / f32_dwconv tests: a fast-check
// geometry (random sizes, padding modes, strides, dilations, multipliers, batch), data derived from
// a seed with zero points at the extremes, run through `depthwiseConv2d` (optionally forcing a
// kernel tile) and compared with the reference: exact (TOLERANCES.accumulators / sameFormula;
// float: the same operation order, so exact too) and, for 8-bit outputs, within one step of the
// real-valued result (TOLERANCES.quantizedVsReal); the bytes after each output are guarded.
import fc from "fast-check";
import { expect } from "vitest";
import { depthwiseConv2d, packDepthwiseWeights, type Qkern } from "../../src/index.js";
import { depthwiseFloat, depthwiseInteger, depthwiseOutputSize, fp32Multiplier, quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32, samePadding, type RefDepthwise } from "../../src/reference/index.js";
import { guardAfter, rng } from "./helpers.js";

/** Geometries: kernel size `k` (else 1..7), padding modes, strides, dilations, multipliers, batch. */
export const dwconvGeometry = (k: number | undefined) => fc.record({
  n: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  h: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: 13, max: 40 }) }),
  w: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: 13, max: 40 }) }),
  c: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(15, 16, 17, 31, 32, 33, 48, 70)),
  kh: k ? fc.constant(k) : fc.integer({ min: 1, max: 7 }),
  kw: k ? fc.constant(k) : fc.integer({ min: 1, max: 7 }),
  multiplier: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  padding: fc.oneof(fc.constant("same" as const), fc.constant("valid" as const), fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3))),
}).filter((g) => {
  const pads = g.padding === "same" ? [0, 0, 0, 0] : g.padding === "valid" ? [0, 0, 0, 0] : g.padding;
  const okH = g.padding === "same" || g.h + pads[0]! + pads[2]! >= (g.kh - 1) * g.dh + 1;
  const okW = g.padding === "same" || g.w + pads[1]! + pads[3]! >= (g.kw - 1) * g.dw + 1;
  return okH && okW && g.n * g.h * g.w * g.c * g.multiplier * g.kh * g.kw <= 400_000;
});

/**
 * Geometries of the row-vectorized kernels (anyp16w): few channels (C·multiplier up to 16, often 1,
 * 2, 3, 4, 8, 12, 15), multipliers up to 16 (micro_speech: 1 × 8), odd and 16 ± 1 widths, strides
 * and dilations up to 3, kernels up to 10 wide, explicit padding up to 4.
 */
export const dwconvSmallGeometry = fc.record({
  n: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  h: fc.integer({ min: 1, max: 14 }),
  w: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.constantFrom(15, 16, 17, 31, 32, 33, 40, 49)),
  c: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 4, 8, 12, 15) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }) }),
  kh: fc.integer({ min: 1, max: 10 }),
  kw: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constantFrom(8, 10)),
  multiplier: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constantFrom(2, 3, 8, 16) }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.oneof(fc.constant(1), fc.constant(2), fc.constant(3)),
  dh: fc.integer({ min: 1, max: 3 }),
  dw: fc.integer({ min: 1, max: 3 }),
  padding: fc.oneof(fc.constant("same" as const), fc.constant("valid" as const), fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4))),
}).map((g) => (g.c * g.multiplier > 16 ? { ...g, multiplier: 1 } : g)).filter((g) => {
  const pads = g.padding === "same" || g.padding === "valid" ? [0, 0, 0, 0] : g.padding;
  const okH = g.padding === "same" || g.h + pads[0]! + pads[2]! >= (g.kh - 1) * g.dh + 1;
  const okW = g.padding === "same" || g.w + pads[1]! + pads[3]! >= (g.kw - 1) * g.dw + 1;
  return okH && okW;
});

export type DwconvGeometry = typeof dwconvGeometry extends (k: number | undefined) => fc.Arbitrary<infer T> ? T : never;

/** The reference's geometry of a case (padding resolved to explicit pads). */
export function refGeometry(g: DwconvGeometry): RefDepthwise {
  let pads: [number, number, number, number];
  if (g.padding === "valid") pads = [0, 0, 0, 0];
  else if (g.padding === "same") {
    const [t, b] = samePadding(g.h, g.kh, g.sh, g.dh);
    const [l, r] = samePadding(g.w, g.kw, g.sw, g.dw);
    pads = [t, l, b, r];
  } else pads = g.padding as [number, number, number, number];
  return { n: g.n, h: g.h, w: g.w, c: g.c, kh: g.kh, kw: g.kw, multiplier: g.multiplier, strides: [g.sh, g.sw], dilations: [g.dh, g.dw], pads };
}

/**
 * Runs an int8/uint8 case (data from `seed`) through `depthwiseConv2d`, optionally forcing a tile, and
 * checks it exactly against the reference and within one step of the real-valued result.
 */
export function checkDwconvInteger(qk: Qkern, g: DwconvGeometry, unsigned: boolean, stage: DwconvStage, seed: number, tile?: string): void {
  const r = rng(seed);
  const ref = refGeometry(g);
  const oc = g.c * g.multiplier;
  const [lo, hi] = unsigned ? [0, 255] : [-128, 127];
  const pick = (a: number, b: number): number => (r() < 0.15 ? (r() < 0.5 ? a : b) : a + Math.floor(r() * (b - a + 1)));
  const x = Array.from({ length: g.n * g.h * g.w * g.c }, () => pick(lo, hi));
  const zx = pick(lo, hi);
  const wUnsigned = r() < 0.3;
  const [wlo, whi] = wUnsigned ? [0, 255] : [-128, 127];
  const w = Array.from({ length: g.kh * g.kw * oc }, () => pick(wlo, whi));
  const zw = Array.from({ length: oc }, () => (wUnsigned ? pick(wlo, whi) : r() < 0.5 ? 0 : pick(wlo, whi)));
  const wScale = Array.from({ length: oc }, () => Math.fround(0.001 + r() * 0.05));
  const bias = Array.from({ length: oc }, () => Math.floor((r() - 0.5) * 20000));
  const xScale = Math.fround(0.01 + r() * 0.1);
  using xt = qk.tensor(unsigned ? Uint8Array.from(x) : Int8Array.from(x), [g.n, g.h, g.w, g.c], { quant: { scale: xScale, zeroPoint: zx } });
  using wt = qk.tensor(wUnsigned ? Uint8Array.from(w) : Int8Array.from(w), [g.kh, g.kw, oc], { quant: { axis: 2, scale: wScale, zeroPoint: zw } });
  using packed = packDepthwiseWeights(wt, { bias });
  const acc = depthwiseInteger(ref, x, zx, w, zw, bias);
  const [oh, ow] = depthwiseOutputSize(ref);
  const yType = r() < 0.5 ? "int8" : "uint8";
  const yScale = Math.fround(0.05 + r() * 2);
  const yZp = yType === "uint8" ? pick(0, 255) : pick(-128, 127);
  const activation = r() < 0.3 ? "relu6" as const : "none" as const;
  using out = stage === "int32" ? qk.empty("int32", [g.n, oh, ow, oc]) : qk.empty(yType, [g.n, oh, ow, oc], { quant: { scale: yScale, zeroPoint: yZp } });
  const intact = guardAfter(out);
  depthwiseConv2d(xt, packed, {
    out, strides: [g.sh, g.sw], dilations: [g.dh, g.dw], padding: g.padding,
    ...(stage === "int32" ? {} : { stage, activation }), ...(tile ? { forceTile: tile } : {}),
  });
  expect(intact(), "bytes after the output were overwritten").toBe(true);
  const got = out.toArray();
  const [qlo, qhi] = yType === "uint8" ? [0, 255] : [-128, 127];
  const qmin = activation === "relu6" ? Math.max(qlo, yZp) : qlo;
  const qmax = activation === "relu6" ? Math.min(qhi, yZp + Math.round(6 / yScale)) : qhi;
  for (let i = 0; i < acc.length; i++) {
    const o = i % oc;
    let want: number;
    if (stage === "int32") want = acc[i]!;
    else if (stage === "fp32") want = requantizeFp32(acc[i]!, fp32Multiplier(xScale, wScale[o]!, yScale), yZp, qmin, qmax);
    else {
      const q = quantizeMultiplierRef((xScale * wScale[o]!) / yScale);
      want = requantizeFixedpoint(acc[i]!, q.multiplier, q.shift, yZp, qmin, qmax);
    }
    if (got[i] !== want) expect.fail(`${stage} element ${i} (channel ${o}): got ${got[i]}, want ${want}; geometry ${JSON.stringify(g)}`);
    if (stage !== "int32") {
      const real = Math.min(qmax, Math.max(qmin, Math.round((acc[i]! * xScale * wScale[o]!) / yScale) + yZp));
      expect(Math.abs(got[i]! - real)).toBeLessThanOrEqual(1); // TOLERANCES.quantizedVsReal
    }
  }
}

/** Runs a float32 case (data from `seed`) through `depthwiseConv2d` and checks it bit for bit. */
export function checkDwconvFloat(qk: Qkern, g: DwconvGeometry, seed: number, tile?: string): void {
  const r = rng(seed);
  const ref = refGeometry(g);
  const oc = g.c * g.multiplier;
  const x = Float32Array.from({ length: g.n * g.h * g.w * g.c }, () => (r() - 0.5) * 8);
  const w = Float32Array.from({ length: g.kh * g.kw * oc }, () => (r() - 0.5) * 2);
  const bias = Float32Array.from({ length: oc }, () => (r() - 0.5) * 4);
  using xt = qk.tensor(x, [g.n, g.h, g.w, g.c]);
  using packed = packDepthwiseWeights(qk.tensor(w, [g.kh, g.kw, oc]), { bias });
  const activation = r() < 0.4 ? "relu6" as const : "none" as const;
  const [oh, ow] = depthwiseOutputSize(ref);
  using out = qk.empty("float32", [g.n, oh, ow, oc]);
  const intact = guardAfter(out);
  depthwiseConv2d(xt, packed, { out, strides: [g.sh, g.sw], dilations: [g.dh, g.dw], padding: g.padding, activation, ...(tile ? { forceTile: tile } : {}) });
  expect(intact()).toBe(true);
  const want = depthwiseFloat(ref, x, w, bias, activation === "relu6" ? 0 : -Infinity, activation === "relu6" ? 6 : Infinity);
  const got = out.data;
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`float element ${i}: got ${got[i]}, want ${want[i]}; geometry ${JSON.stringify(g)}`);
  }
}

/** The output stages of the integer kernels. */
export const dwconvStage = fc.constantFrom("int32" as const, "fp32" as const, "fixedpoint" as const);
export type DwconvStage = "int32" | "fp32" | "fixedpoint";

/** One case of a depthwise family (qs8_dwconv, qu8_dwconv or f32_dwconv; the stage only for the integer ones). */
export function checkDwconv(qk: Qkern, family: string, g: DwconvGeometry, stage: DwconvStage, seed: number, tile?: string): void {
  if (family === "f32_dwconv") checkDwconvFloat(qk, g, seed, tile);
  else checkDwconvInteger(qk, g, family === "qu8_dwconv", stage, seed, tile);
}
