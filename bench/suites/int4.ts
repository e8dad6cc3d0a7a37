// Suite `int4`: float32 activations × 4-bit weights, y[M,N] = x[M,K]·W[K,N], on LLaMA-7B projection
// shapes and small cubes (SHAPES, one line per case). Every engine computes from the same float
// weights; all of a case's rows run interleaved in one measurement, each naming its variant:
//   int4-bs32        qkern gemmInt4, quantizeInt4 block 32 symmetric (activations quantized to int8
//                    per block inside the call)
//   int4-bs128       the same, block 128
//   palettized-4bit  qkern gemmPalettized, palettize 4 bits per column (activation block 128)
//   int8             qkern gemm on int8 per-channel weights; dynamicQuantize(x, int8 per row) runs
//                    inside the timed call, as int4 quantizes its activations inside gemmInt4
//   nbits-acc0/acc4  ORT MatMulNBits (com.microsoft) on the int4-bs32 weights (toMatMulNBits, no
//                    zero_points: symmetric), accuracy_level 0 and 4. onnxruntime-web 1.30's wasm build
//                    has no n-bit kernel: both levels dequantize B to float32 every call, then run an
//                    f32 GEMM (bit-identical outputs; test/peers/ort-int4-conformance.test.ts)
//   f32              ORT MatMul and tfjs-wasm matMul (XNNPACK) on the float weights
// SIMD builds only (scalar int4-bs32 takes ~8.3 ms for 1×4096×4096, 10× simd128; the tests cover
// it). --quick: 1×1024×1024 and 1×4096×4096 hot, int4-bs32, int8 and the peers (palettize alone costs
// ~2.6 s for 4096×4096). GOPS = 2·M·K·N / time. Two regimes: hot cases reuse one packed copy (it stays in the 32 MiB L3); `-cold` cases
// rotate through copies totalling ≥ 96 MiB per variant, so each call streams its weights from DRAM
// like LLM decode over many layers (qkern only: ORT's float32 weights exceed L3 already, and its
// MatMulNBits rewrites 4·K·N bytes per call). After each case: bytes per weight, weight GB/s (packed
// bytes / time) and ratios; after the last, the targets. `annotate` adds the same numbers to the
// JSON rows (`weightBytes`, `bytesPerWeight`, `weightGBps`).
// Checked once per hot case: every qkern variant's builds bit-identical; int4-bs32 and ORT
// MatMulNBits within (1/2 + 2^−16)·s_a·Σ|W| (int8 activation rounding) + (nb + 2)·2^−23·Σ(|x| + s_a)|W|
// + (K + 48)·2^−24·Σ|x|(|W| + s_w) per output (the test's derivation); tfjs within 2·γ_K·Σ|x·w| of ORT f32.
import {
  dynamicQuantize, gemm, gemmInt4, gemmPalettized, packGemmWeights, packInt4Weights, packPalettizedWeights, palettize, quantizeInt4,
  toMatMulNBits, type Int4Weights, type Isa, type PalettizedWeights, type Tensor,
} from 'qkern';
import onnxProto from 'onnx-proto';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';
import { graphModel, ortSession, type OnnxNode, type Ort } from '../../peers/ort.js';
import type { ResultRow } from '../report.js';

interface Int4Case {
  readonly name: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly cold: boolean;
  readonly quick: boolean;
}

// [M×K×N, origin, cold regime too, in --quick]
const SHAPES: readonly (readonly [string, string, boolean, boolean])[] = [
  ['1x1024x1024', 'GEMV, small model', false, true],
  ['16x1024x1024', 'small batch', false, false],
  ['128x1024x1024', 'prefill', false, false],
  ['1x4096x4096', 'LLaMA-7B attention projection, decode', true, true],
  ['1x4096x11008', 'LLaMA-7B FFN up/gate, decode', true, false],
  ['1x11008x4096', 'LLaMA-7B FFN down, decode', false, false],
];
const CASES: readonly Int4Case[] = SHAPES.flatMap(([name, , cold, quick]) => {
  const [m, k, n] = name.split('x').map(Number) as [number, number, number];
  const hot = { name, m, k, n, cold: false, quick };
  return cold ? [hot, { ...hot, name: `${name}-cold`, cold: true, quick: false }] : [hot];
});
const COLD_BYTES = 96 * 2 ** 20;
const QKERN_VARIANTS = ['int4-bs32', 'int4-bs128', 'palettized-4bit', 'int8'] as const;
type QkernVariant = (typeof QKERN_VARIANTS)[number];

/** xorshift32: reproducible inputs across runs. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** The weights of one K×N in every format, built once per shape (palettize of 4096×4096 takes seconds). */
interface Weights {
  readonly key: string;
  readonly f32: Float32Array;
  readonly bs32: Int4Weights;
  /** Not built in --quick (palettize alone takes ~2.6 s for 4096×4096). */
  readonly bs128?: Int4Weights;
  readonly pal?: PalettizedWeights;
  readonly i8: Int8Array;
  readonly i8Scale: Float32Array;
}
let cached: Weights | undefined;

function weights(k: number, n: number, quick: boolean): Weights {
  const key = `${k}x${n}${quick ? '-quick' : ''}`;
  if (cached?.key === key) return cached;
  cached = undefined;
  const r = rng(k * 31 + n);
  const colScale = Float32Array.from({ length: n }, () => 0.02 * (0.5 + r()));
  const f32 = new Float32Array(k * n);
  for (let i = 0; i < f32.length; i++) f32[i] = (r() + r() + r() - 1.5) * colScale[i % n]!;
  const amax = new Float32Array(n);
  for (let i = 0; i < f32.length; i++) amax[i % n] = Math.max(amax[i % n]!, Math.abs(f32[i]!));
  const i8Scale = Float32Array.from(amax, (a) => Math.fround(a / 127) || 1);
  const i8 = Int8Array.from(f32, (v, i) => Math.round(v / i8Scale[i % n]!));
  const bs32 = quantizeInt4(f32, [k, n], { blockSize: 32 });
  if (quick) return (cached = { key, f32, bs32, i8, i8Scale });
  const bs128 = quantizeInt4(f32, [k, n], { blockSize: 128 });
  const pal = palettize(f32, [k, n], { bits: 4, seed: 1, iterations: 10 });
  return (cached = { key, f32, bs32, bs128, pal, i8, i8Scale });
}

/** graphModel's bytes with MatMulNBits in the com.microsoft domain (opset 1 imported beside ''). */
function msModel(nodes: readonly OnnxNode[]): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(graphModel(nodes));
  model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: 'com.microsoft', version: 1 }));
  for (const node of model.graph?.node ?? []) if (node.opType === 'MatMulNBits') node.domain = 'com.microsoft';
  return onnx.ModelProto.encode(model).finish();
}

function nbitsSession(ort: Ort, c: Int4Case, w: Int4Weights, level: number) {
  const nb = toMatMulNBits(w);
  const blocks = Math.ceil(c.k / 32);
  return ort.InferenceSession.create(msModel([{
    op: 'MatMulNBits',
    inputs: [{ name: 'a', dtype: 'float32', shape: [c.m, c.k] }, { name: 'b', dtype: 'uint8', shape: [c.n, blocks, 16], values: nb.b },
      { name: 's', dtype: 'float32', shape: [c.n * blocks], values: nb.scales }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [c.m, c.n] }],
    attributes: { K: c.k, N: c.n, bits: 4, block_size: 32, accuracy_level: level },
  }]), { executionProviders: ['wasm'] });
}

/** Per output: how far int4-bs32 (int8 activations per 32-block) and ORT MatMulNBits may differ (header). */
function int4Tolerance(c: Int4Case, x: Float32Array, w: Int4Weights): Float64Array {
  const nb = Math.ceil(c.k / 32);
  const tol = new Float64Array(c.m * c.n);
  for (let row = 0; row < c.m; row++) {
    const xs = x.subarray(row * c.k, (row + 1) * c.k);
    const sa = new Float64Array(nb);
    for (let kk = 0; kk < c.k; kk++) sa[kk >> 5] = Math.max(sa[kk >> 5]!, Math.abs(xs[kk]!));
    sa.forEach((v, b) => (sa[b] = v > 0 ? Math.fround(v / 127) : 1));
    for (let col = 0; col < c.n; col++) {
      let act = 0;
      let terms = 0;
      let ortMag = 0;
      for (let kk = 0; kk < c.k; kk++) {
        const s = w.scales[col * nb + (kk >> 5)]!;
        const wAbs = Math.abs(w.q[col * c.k + kk]! - w.zeroPoints[col * nb + (kk >> 5)]!) * s;
        act += sa[kk >> 5]! * wAbs;
        terms += (Math.abs(xs[kk]!) + sa[kk >> 5]!) * wAbs;
        ortMag += Math.abs(xs[kk]!) * (wAbs + s);
      }
      tol[row * c.n + col] = (0.5 + 2 ** -16) * act + (nb + 2) * 2 ** -23 * terms + (c.k + 48) * 2 ** -24 * ortMag;
    }
  }
  return tol;
}

/** Per output 2·γ_K·Σ|x·w|: how far two float32 GEMMs may differ. */
function f32Tolerance(c: Int4Case, x: Float32Array, w: Float32Array): Float64Array {
  const gamma = (c.k * 2 ** -24) / (1 - c.k * 2 ** -24);
  const tol = new Float64Array(c.m * c.n);
  for (let row = 0; row < c.m; row++) {
    for (let kk = 0; kk < c.k; kk++) {
      const xa = 2 * gamma * Math.abs(x[row * c.k + kk]!);
      for (let col = 0; col < c.n; col++) tol[row * c.n + col]! += xa * Math.abs(w[kk * c.n + col]!);
    }
  }
  return tol;
}

function farApart(a: ArrayLike<number>, b: ArrayLike<number>, tol: Float64Array): number {
  if (a.length !== b.length) return -1;
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol[i]!)) bad++;
  return bad;
}

type NamedTask = EngineTask & { readonly variant: string };
/** Weight bytes one call reads, by variant (packed qkern bytes; ONNX initializers for ORT; f32 for the float peers). */
const weightBytes = new Map<string, Map<string, number>>();
/** Rows of every case measured, for the targets after the last case. */
const measured = new Map<string, readonly ResultRow[]>();
let lastCase = '';

async function setup(c: Int4Case, ctx: Context): Promise<CaseRun> {
  if (ctx.quick && !c.quick) return { variants: [], teardown() {} };
  lastCase = CASES.filter((x) => !ctx.quick || x.quick).at(-1)!.name;
  const w = weights(c.k, c.n, ctx.quick);
  const variants = QKERN_VARIANTS.filter((v) => !ctx.quick || v === 'int4-bs32' || v === 'int8');
  const x = Float32Array.from({ length: c.m * c.k }, rng(c.m * 7 + c.k)).map((v) => 2 * v - 1);
  const total = c.m * c.n;
  const tasks: NamedTask[] = [];
  const bytes = new Map<string, number>();
  weightBytes.set(c.name, bytes);

  const tensors: Tensor[] = [];
  const packs: { dispose(): void }[] = [];
  const first = new Map<QkernVariant, Float32Array>();
  let int4Out: Float32Array | undefined;
  for (const qk of ctx.qkerns.filter((q) => q.isa !== 'scalar')) {
    const t = <T extends Tensor>(v: T): T => (tensors.push(v), v);
    const p = <T extends { dispose(): void }>(v: T): T => (packs.push(v), v);
    const xt = t(qk.tensor(x, [c.m, c.k]));
    const out = t(qk.empty('float32', [c.m, c.n]));
    const w8 = t(qk.tensor(w.i8, [c.k, c.n], { quant: { axis: 1, scale: w.i8Scale, zeroPoint: new Int32Array(c.n) } }));
    const pack: Record<QkernVariant, () => { readonly byteLength: number }> = {
      'int4-bs32': () => p(packInt4Weights(qk, w.bs32)),
      'int4-bs128': () => p(packInt4Weights(qk, w.bs128!)),
      'palettized-4bit': () => p(packPalettizedWeights(qk, w.pal!)),
      int8: () => p(packGemmWeights(w8)),
    };
    for (const variant of variants) {
      const one = pack[variant]();
      const copies = [one];
      if (c.cold) while (copies.length < Math.max(2, Math.ceil(COLD_BYTES / one.byteLength))) copies.push(pack[variant]());
      bytes.set(variant, one.byteLength);
      let i = 0;
      const next = <T>(): T => copies[(i = (i + 1) % copies.length)] as T;
      const fn = {
        'int4-bs32': () => gemmInt4(xt, next(), { out }),
        'int4-bs128': () => gemmInt4(xt, next(), { out }),
        'palettized-4bit': () => gemmPalettized(xt, next(), { out }),
        int8: () => {
          const a = dynamicQuantize(xt, { dtype: 'int8', perRow: true });
          gemm(a, next(), { out });
          a.dispose();
        },
      }[variant];
      if (!c.cold) {
        fn();
        const ref = first.get(variant);
        if (ref === undefined) first.set(variant, out.data.slice() as Float32Array);
        else ctx.check(variant, `qkern/${qk.isa} (reference: first SIMD build)`, countMismatches(out.data, ref), total);
        if (variant === 'int4-bs32') int4Out ??= out.data.slice() as Float32Array;
      }
      tasks.push({ variant, engine: 'qkern', isa: qk.isa, fn });
    }
  }
  if (c.cold) {
    return { variants: [{ name: 'int4', unit: 'gops', work: 2 * c.m * c.k * c.n, tasks }], teardown: () => free(packs, tensors) };
  }

  const ort = await ctx.ort();
  const feeds = { a: new ort.Tensor('float32', x, [c.m, c.k]) };
  const acc0 = await nbitsSession(ort, c, w.bs32, 0);
  const acc4 = await nbitsSession(ort, c, w.bs32, 4);
  const f32 = await ortSession(ort, {
    op: 'MatMul',
    inputs: [{ name: 'a', dtype: 'float32', shape: [c.m, c.k] }, { name: 'w', dtype: 'float32', shape: [c.k, c.n], values: w.f32 }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [c.m, c.n] }],
  });
  const y0 = (await acc0.run(feeds))['y']!.data as Float32Array;
  const int4Tol = int4Tolerance(c, x, w.bs32);
  ctx.check('int4-bs32', 'qkern (reference: ORT MatMulNBits, int8-activation + f32 bound)', farApart(int4Out!, y0, int4Tol), total);
  ctx.check('nbits-acc4', 'ort (reference: nbits-acc0, same bound)', farApart((await acc4.run(feeds))['y']!.data as Float32Array, y0, int4Tol), total);
  const yf = (await f32.run(feeds))['y']!.data as Float32Array;

  const tf = await ctx.tfjs();
  const tx = tf.tensor2d(x, [c.m, c.k]);
  const tw = tf.tensor2d(w.f32, [c.k, c.n]);
  const ty = tf.matMul(tx, tw);
  ctx.check('f32', 'tfjs (reference: ORT f32 MatMul, 2·γ_K·Σ|x·w|)', farApart(ty.dataSync() as Float32Array, yf, f32Tolerance(c, x, w.f32)), total);
  ty.dispose();

  const nb = Math.ceil(c.k / 32);
  const nbitsBytes = c.n * nb * (16 + 4); // B and float scales (no zero points: symmetric)
  bytes.set('nbits-acc0', nbitsBytes).set('nbits-acc4', nbitsBytes).set('f32', 4 * c.k * c.n);
  tasks.push(
    { variant: 'nbits-acc0', engine: 'ort', isa: null, async: true, fn: () => acc0.run(feeds) },
    { variant: 'nbits-acc4', engine: 'ort', isa: null, async: true, fn: () => acc4.run(feeds) },
    { variant: 'f32', engine: 'ort', isa: null, async: true, fn: () => f32.run(feeds) },
    { variant: 'f32', engine: 'tfjs', isa: null, fn: () => tf.matMul(tx, tw).dispose() },
  );
  return {
    variants: [{ name: 'int4', unit: 'gops', work: 2 * c.m * c.k * c.n, tasks }],
    async teardown() {
      free(packs, tensors);
      tx.dispose();
      tw.dispose();
      await Promise.all([acc0.release(), acc4.release(), f32.release()]);
    },
  };
}

function free(packs: readonly { dispose(): void }[], tensors: readonly Tensor[]): void {
  packs.forEach((p) => p.dispose());
  tensors.forEach((t) => t.dispose());
}

const f = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}×` : '—');
const ms = (rows: readonly ResultRow[], variant: string, engine: string, isa: Isa | null = null): number =>
  rows.find((r) => r.variant === variant && r.engine === engine && r.isa === isa)?.medianMs ?? NaN;

/** The case's rows with the weight bytes one call reads, per weight, and per second (GB/s). */
function annotate(caseName: string, rows: readonly ResultRow[]): ResultRow[] {
  const c = CASES.find((x) => x.name === caseName)!;
  const bytes = weightBytes.get(caseName)!;
  return rows.map((row) => {
    const b = bytes.get(row.variant) ?? NaN;
    return { ...row, weightBytes: b, bytesPerWeight: b / (c.k * c.n), weightGBps: b / (row.medianMs * 1e6) };
  });
}

function summary(caseName: string, rows: readonly ResultRow[]): string[] {
  const c = CASES.find((x) => x.name === caseName)!;
  const bytes = weightBytes.get(caseName)!;
  measured.set(caseName, rows);
  const perWeight = [...bytes].map(([v, b]) => `${v} ${(b / (c.k * c.n)).toFixed(3)}`).join(' · ');
  const lines = [`  ${caseName} bytes/weight: ${perWeight}`];
  for (const isa of [...new Set(rows.filter((r) => r.engine === 'qkern').map((r) => r.isa!))]) {
    const t = (v: string): number => ms(rows, v, 'qkern', isa);
    const i4 = t('int4-bs32');
    const over: [string, number][] = [['ORT nbits-acc0', ms(rows, 'nbits-acc0', 'ort')], ['ORT nbits-acc4', ms(rows, 'nbits-acc4', 'ort')],
      ['ORT f32', ms(rows, 'f32', 'ort')], ['tfjs f32', ms(rows, 'f32', 'tfjs')], ['int8', t('int8')], ['int4-bs128', t('int4-bs128')]];
    const speedups = over.filter(([, x]) => Number.isFinite(x)).map(([v, x]) => `${v} ${f(x / i4)}`).join(', ');
    const pal = t('palettized-4bit') / i4;
    const gbps = QKERN_VARIANTS.filter((v) => bytes.has(v)).map((v) => `${v} ${(bytes.get(v)! / (t(v) * 1e6)).toFixed(1)}`).join(', ');
    lines.push(`  ${caseName} ${isa.padEnd(7)} int4-bs32 speed-up over ${speedups}${Number.isFinite(pal) ? `; palettized / int4-bs32 time ${pal.toFixed(2)}` : ''}`,
      `  ${caseName} ${isa.padEnd(7)} weight GB/s (packed bytes / time): ${gbps}`);
  }
  if (caseName === lastCase) lines.push(...targets());
  return lines;
}

/** The issue's targets, per SIMD build, from the cases this run measured. */
function targets(): string[] {
  const speedup = (peer: string, engine: string) => (r: readonly ResultRow[], isa: Isa): number =>
    ms(r, peer, engine, engine === 'qkern' ? isa : null) / ms(r, 'int4-bs32', 'qkern', isa);
  const palettized = (r: readonly ResultRow[], isa: Isa): number => ms(r, 'palettized-4bit', 'qkern', isa) / ms(r, 'int4-bs32', 'qkern', isa);
  // [case, goal, measured value, met?, shown as]
  const goals: readonly [string, string, (r: readonly ResultRow[], isa: Isa) => number, (v: number) => boolean, string][] = [
    ['1x4096x4096', 'int4-bs32 ≥ 40× ORT MatMulNBits acc0', speedup('nbits-acc0', 'ort'), (v) => v >= 40, '×'],
    ['1x4096x4096', 'int4-bs32 ≥ 40× ORT MatMulNBits acc4', speedup('nbits-acc4', 'ort'), (v) => v >= 40, '×'],
    ['1x4096x4096', 'int4-bs32 ≥ 4× ORT f32 MatMul', speedup('f32', 'ort'), (v) => v >= 4, '×'],
    ['1x4096x4096', 'int4-bs32 faster than int8 (hot)', speedup('int8', 'qkern'), (v) => v > 1, '×'],
    ['1x4096x4096-cold', 'int4-bs32 faster than int8 (cold)', speedup('int8', 'qkern'), (v) => v > 1, '×'],
    ['1x4096x4096', 'palettized time ≤ 1.3 × int4-bs32 (hot)', palettized, (v) => v <= 1.3, ' (time ratio)'],
    ['1x4096x4096-cold', 'palettized time ≤ 1.3 × int4-bs32 (cold)', palettized, (v) => v <= 1.3, ' (time ratio)'],
    ['128x1024x1024', 'int4-bs32 ≥ 3× ORT MatMulNBits acc0', speedup('nbits-acc0', 'ort'), (v) => v >= 3, '×'],
  ];
  const lines = ['  targets:'];
  const isas = [...new Set([...measured.values()].flat().filter((r) => r.engine === 'qkern').map((r) => r.isa!))];
  for (const [caseName, goal, value, met, unit] of goals) {
    const rows = measured.get(caseName);
    if (rows === undefined) continue;
    const cells = isas.flatMap((isa) => {
      const v = value(rows, isa);
      return Number.isFinite(v) ? [`${isa} ${met(v) ? 'met' : 'MISSED'} (${v.toFixed(2)}${unit})`] : [];
    });
    if (cells.length > 0) lines.push(`    ${caseName.padEnd(17)} ${goal.padEnd(42)} ${cells.join(', ')}`);
  }
  return lines;
}

export const int4Suite: Suite<Int4Case> & { summary: typeof summary; annotate: typeof annotate } = { name: 'int4', cases: CASES, setup, summary, annotate };
