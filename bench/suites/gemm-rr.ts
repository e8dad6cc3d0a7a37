// The reduce-range part of suite `gemm` (suites/gemm.ts runs it): 7-bit weights ("reduce range",
// int8 in [−64, 63]) quantized per column, symmetric, from seeded Gaussian float weights, for the
// `-rr` variants; their accuracy next to 8-bit weights from the same floats; the per-case ratios and,
// after the last case, the targets:
//   relaxed u8s8-int32-rr ≥ 1.5× ORT MatMulInteger u8·s8 (on the same 7-bit weights) and ≥ 1.15× the
//   simd128 build's 8-bit u8s8-int32, on every shape with M ≥ 16 and K·N ≥ 64K.
// Ratios are of medians from one interleaved measurement (the `-rr` rows share their Variant with
// the 8-bit rows of the same name). SQNR (dB) = 10·log10(Σ ref² / Σ (ref − approx)²): of the weights,
// and of the outputs y = (A − za)·aScale · W on the first rows of the case's uint8 A (only weight
// quantization differs; A is exact).
import { chooseQuantParams, roundHalfEven, type Isa } from 'qkern';
import type { ResultRow } from '../report.js';

/** 7-bit weights of one case and the accuracy of both quantizations. */
export interface RrWeights {
  readonly b7: Int8Array;
  readonly s7: Float32Array;
  readonly sqnr: { readonly w8: number; readonly w7: number; readonly y8: number; readonly y7: number; readonly rows: number };
}

function sqnr(sig: number, err: number): number {
  return err === 0 ? Infinity : 10 * Math.log10(sig / err);
}

/** Quantizes [K, N] float weights per column, symmetric: q = roundHalfEven(w / s), s = max|w| / qmax. */
function quantizeColumns(wf: Float32Array, k: number, n: number, reduceRange: boolean): { q: Int8Array; s: Float32Array } {
  const s = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    let amax = 0;
    for (let i = 0; i < k; i++) amax = Math.max(amax, Math.abs(wf[i * n + c]!));
    s[c] = chooseQuantParams(-amax, amax, { scheme: 'symmetric', narrowRange: true, reduceRange }).scale;
  }
  const q = Int8Array.from(wf, (w, i) => roundHalfEven(Math.fround(w / s[i % n]!)));
  return { q, s };
}

/**
 * Seeded Gaussian weights [K, N] (column spreads 0.5..2), quantized to 7 and 8 bits; SQNR of both
 * for the weights and for the outputs of the first `rows` rows of A (uint8, zero point za).
 */
export function rrWeights(k: number, n: number, a: Uint8Array, za: number, rows: number, r: () => number): RrWeights {
  const spread = Float64Array.from({ length: n }, () => 0.5 + 1.5 * r());
  const wf = Float32Array.from({ length: k * n }, (_, i) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()) * spread[i % n]! * 0.02);
  const w8 = quantizeColumns(wf, k, n, false);
  const w7 = quantizeColumns(wf, k, n, true);
  const acc = { sw: 0, e8: 0, e7: 0, sy: 0, f8: 0, f7: 0 };
  for (let i = 0; i < k * n; i++) {
    const c = i % n;
    acc.sw += wf[i]! ** 2;
    acc.e8 += (wf[i]! - w8.q[i]! * w8.s[c]!) ** 2;
    acc.e7 += (wf[i]! - w7.q[i]! * w7.s[c]!) ** 2;
  }
  for (let m = 0; m < rows; m++) {
    for (let c = 0; c < n; c++) {
      let y = 0;
      let y8 = 0;
      let y7 = 0;
      for (let i = 0; i < k; i++) {
        const x = a[m * k + i]! - za;
        y += x * wf[i * n + c]!;
        y8 += x * w8.q[i * n + c]!;
        y7 += x * w7.q[i * n + c]!;
      }
      acc.sy += y * y;
      acc.f8 += (y - y8 * w8.s[c]!) ** 2;
      acc.f7 += (y - y7 * w7.s[c]!) ** 2;
    }
  }
  return {
    b7: w7.q,
    s7: w7.s,
    sqnr: { w8: sqnr(acc.sw, acc.e8), w7: sqnr(acc.sw, acc.e7), y8: sqnr(acc.sy, acc.f8), y7: sqnr(acc.sy, acc.f7), rows },
  };
}

interface Seen {
  readonly name: string;
  readonly vsOrt: number;
  readonly vsSimd8: number;
}
const seen = new Map<Isa, Seen[]>();
const sqnrByCase = new Map<string, RrWeights['sqnr']>();

/** Records a case's SQNR for its summary line. */
export function noteSqnr(caseName: string, s: RrWeights['sqnr']): void {
  sqnrByCase.set(caseName, s);
}

/** Whether the targets apply to a case: M ≥ 16 and K·N ≥ 64K. */
function inTarget(caseName: string): boolean {
  const [m, k, n] = caseName.split('x').map(Number) as [number, number, number];
  return m >= 16 && k * n >= 65536;
}

/** Lines after a case: each SIMD build's reduce-range ratios, then the SQNR. */
export function rrSummary(caseName: string, rows: readonly ResultRow[], last: boolean): string[] {
  const ms = (variant: string, engine: string, isa: Isa | null = null): number =>
    rows.find((x) => x.variant === variant && x.engine === engine && x.isa === isa)?.medianMs ?? NaN;
  const f = (x: number): string => `${x.toFixed(2)}×`;
  const lines: string[] = [];
  for (const isa of ['simd128', 'relaxed'] as const) {
    const rr = ms('u8s8-int32-rr', 'qkern', isa);
    if (!Number.isFinite(rr)) continue;
    const s: Seen = { name: caseName, vsOrt: ms('u8s8-int32-rr', 'ort') / rr, vsSimd8: ms('u8s8-int32', 'qkern', 'simd128') / rr };
    if (inTarget(caseName)) seen.set(isa, [...(seen.get(isa) ?? []), s]);
    const fp = ms('u8s8-fp32-rr', 'qkern', isa);
    lines.push(`  ${caseName} ${isa.padEnd(7)} rr: u8s8-int32 ${f(s.vsOrt)} ORT (7-bit B), ${f(s.vsSimd8)} simd128 8-bit;` +
      ` u8s8-fp32 ${f(ms('u8s8-fp32-rr', 'ort') / fp)} ORT, ${f(ms('u8s8-fp32', 'qkern', 'simd128') / fp)} simd128 8-bit`);
  }
  const q = sqnrByCase.get(caseName);
  if (q) {
    lines.push(`  ${caseName} SQNR (dB) per-column symmetric weights, 8-bit vs 7-bit (rr): weights ${q.w8.toFixed(1)} vs ${q.w7.toFixed(1)}` +
      ` (${(q.w7 - q.w8).toFixed(1)}), outputs of ${q.rows} rows ${q.y8.toFixed(1)} vs ${q.y7.toFixed(1)} (${(q.y7 - q.y8).toFixed(1)})`);
  }
  if (last) lines.push(...rrTargets());
  return lines;
}

/** The targets over the cases measured: met everywhere or where missed, and the worst case. */
function rrTargets(): string[] {
  const lines = ['\n== gemm reduce-range targets (u8s8-int32-rr, ratios of interleaved medians, M ≥ 16 and K·N ≥ 64K) =='];
  const cases = seen.get('relaxed') ?? [];
  if (cases.length === 0) lines.push('  no relaxed build or no case in range in this run');
  const goals: readonly [string, number, (s: Seen) => number][] = [
    ['relaxed rr ≥ 1.5× ORT MatMulInteger u8s8', 1.5, (s) => s.vsOrt],
    ['relaxed rr ≥ 1.15× simd128 8-bit', 1.15, (s) => s.vsSimd8],
  ];
  for (const [label, goal, pick] of cases.length > 0 ? goals : []) {
    const worst = cases.reduce((a, b) => (pick(b) < pick(a) ? b : a));
    const best = cases.reduce((a, b) => (pick(b) > pick(a) ? b : a));
    const missed = cases.filter((x) => !(pick(x) >= goal)).map((x) => x.name);
    const verdict = missed.length === 0 ? 'met' : missed.length === cases.length ? `MISSED on all ${cases.length}`
      : `MISSED on ${missed.length}/${cases.length}: ${missed.join(', ')}`;
    lines.push(`  ${label.padEnd(42)} ${verdict} (worst ${pick(worst).toFixed(2)}× at ${worst.name}, best ${pick(best).toFixed(2)}× at ${best.name})`);
  }
  seen.clear();
  sqnrByCase.clear();
  return lines;
}
