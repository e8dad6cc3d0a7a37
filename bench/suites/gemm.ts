// Suite `gemm`: int8 matrix multiply C[M,N] = A[M,K]·B[K,N] on shapes from real networks (SHAPES,
// one line per case). Variants name signedness, then output stage; peers do the same work under
// the same name:
//   u8s8-int32       qkern (every build) | ORT MatMulInteger u8·s8
//   s8s8-int32       qkern simd128/relaxed | ORT MatMulInteger s8·s8
//   u8s8-fp32        qkern simd128/relaxed | ORT QLinearMatMul u8·s8→u8 (per-column b_scale)
//   s8s8-fixedpoint  qkern simd128/relaxed (TFLite stage; no peer)
//   s8s8-f32out      qkern simd128/relaxed, per-row A (dynamic quantization), float32 out (no peer)
//   f32              qkern simd128 s8s8-f32out | tfjs-wasm f32 matMul (XNNPACK): "vs best peer" is
//                    the int8-vs-f32 ratio (activation quantization not included on qkern's side)
//   pack             qkern packGemmWeights (every build; --quick: the last), GB/s of B read + packed written
// Reduce range (suites/gemm-rr.ts): 7-bit weights (int8 in [−64, 63], per-column symmetric from
// seeded Gaussian floats) packed with `reduceRange: true` — the relaxed build's qs8_w7_gemm kernels,
// the other builds' 8-bit kernels — beside ORT on the same 7-bit weights:
//   u8s8-int32-rr    qkern (every build) | ORT MatMulInteger u8·s8   (measured with u8s8-int32)
//   u8s8-fp32-rr     qkern simd128/relaxed | ORT QLinearMatMul u8·s8→u8   (measured with u8s8-fp32)
//   s8s8-fp32-rr     qkern simd128/relaxed, QLinearMatMul semantics on int8 A (no peer: ORT's s8·s8
//                    path is the slow one measured in s8s8-int32)
// After each case: the rr ratios and the SQNR of 7-bit vs 8-bit weights; after the last, the targets.
// The scalar build runs only in u8s8-int32(-rr) and pack: elsewhere it would double the run time.
// GOPS = 2·M·N·K / time. Weights are packed (qkern) or initializers (ORT prepacks) outside the
// timed call; qkern writes into preallocated outputs; ORT and tfjs allocate their outputs (their API).
// Checked once per case before timing, bit for bit: every qkern build's u8s8/s8s8 int32 against ORT
// MatMulInteger, u8s8-fp32 against ORT QLinearMatMul (the -rr variants likewise, on the 7-bit
// weights), fixedpoint, f32out and s8s8-fp32-rr against the first build (scalar); tfjs within the f32
// summation bound of the exact accumulators.
// The case `read-bw` measures what a streaming read reaches in wasm here: f32_rminmax (pure read,
// 16 B written per row) over 16 MiB (the GEMV's panel size, L3-resident) and 64 MiB (DRAM), beside
// the 1×4096×4096 GEMV timed as GB/s of packed B, all simd128.
import { gemm, packGemmWeights, type PackedGemmWeights, type Qkern, type Tensor } from 'qkern';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite, type Variant } from '../harness.js';
import { ortSession, type OnnxValue } from '../../peers/ort.js';
import type { ResultRow } from '../report.js';
import { noteSqnr, rrSummary, rrWeights } from './gemm-rr.js';

interface GemmCase {
  readonly name: string;
  readonly quick: boolean;
}

// [M×K×N, origin, in --quick]
const SHAPES: readonly (readonly [string, string, boolean])[] = [
  ['4x2x8', 'tiny: per-call overhead', false],
  ['64x64x64', 'cube', true],
  ['128x128x128', 'cube', false],
  ['256x256x256', 'cube', false],
  ['512x512x512', 'cube', false],
  ['1024x1024x1024', 'cube', false],
  ['1x1024x1024', 'GEMV', false],
  ['1x4096x4096', 'GEMV', true],
  ['16x1024x1024', 'small batch', false],
  ['12544x16x96', 'MobileNetV2 pointwise', true],
  ['3136x144x24', 'MobileNetV2 pointwise', false],
  ['784x192x32', 'MobileNetV2 pointwise', false],
  ['196x96x576', 'MobileNetV2 pointwise', false],
  ['49x960x160', 'MobileNetV2 pointwise', false],
  ['49x320x1280', 'MobileNetV2 pointwise', false],
  ['196x512x512', 'MobileNetV1 pointwise', false],
  ['49x1024x1024', 'MobileNetV1 pointwise', true],
  ['128x768x3072', 'transformer FFN', false],
];
const READ_BW = 'read-bw';

const ZA_U8 = 128;
const ZA_S8 = 5;
const A_SCALE = 0.02;
const Y_ZP_U8 = 128;
const Y_ZP_S8 = -3;

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

function randomInts<T extends Int8Array | Uint8Array>(out: T, lo: number, hi: number, r: () => number): T {
  for (let i = 0; i < out.length; i++) out[i] = lo + Math.floor(r() * (hi - lo + 1));
  return out;
}

/** Inputs of one shape: A unsigned and signed (same seed), B int8 in [−127, 127] with per-column scales. */
function inputs(m: number, k: number, n: number) {
  const r = rng(m * 131 + k * 7 + n);
  const aU8 = randomInts(new Uint8Array(m * k), 0, 255, r);
  const aS8 = randomInts(new Int8Array(m * k), -128, 127, r);
  const b = randomInts(new Int8Array(k * n), -127, 127, r);
  const bScale = Float32Array.from({ length: n }, () => 0.002 + 0.004 * r());
  const rowScale = Float32Array.from({ length: m }, () => 0.01 + 0.02 * r());
  const rowZp = Int32Array.from({ length: m }, () => Math.floor(r() * 41) - 20);
  // Output scale for outputs spread over ~±40 steps: σ(acc) ≈ √K · 74 · 73.
  const yScale = Math.fround((A_SCALE * 0.004 * Math.sqrt(k) * 5400) / 40);
  return { aU8, aS8, b, bScale, rowScale, rowZp, yScale };
}

/** Elements where |x − exact| exceeds the f32 summation bound K·u·K·max|a|·max|b| (u = 2^−23). */
function f32Mismatches(x: Float32Array, exact: Int32Array, k: number): number {
  const tol = k * 2 ** -23 * k * 128 * 127;
  let bad = 0;
  for (let i = 0; i < exact.length; i++) if (!(Math.abs(x[i]! - exact[i]!) <= tol)) bad++;
  return x.length === exact.length ? bad : -1;
}

async function setupGemm(c: GemmCase, ctx: Context): Promise<CaseRun> {
  const [m, k, n] = c.name.split('x').map(Number) as [number, number, number];
  const d = inputs(m, k, n);
  const total = m * n;
  // 7-bit weights and their output scale: σ(acc) ≈ √K · 74 · 16 (Gaussian weights, max ≈ 4σ ↦ 63).
  const rr = rrWeights(k, n, d.aU8, ZA_U8, Math.min(m, 4), rng(m * 131 + k * 7 + n + 1));
  const yScale7 = Math.fround((A_SCALE * (rr.s7.reduce((x, v) => x + v, 0) / n) * Math.sqrt(k) * 74 * 16) / 40);
  const bQuant = { axis: 1, scale: d.bScale, zeroPoint: new Int32Array(n) };

  const ort = await ctx.ort();
  const aIn = (dtype: 'uint8' | 'int8'): OnnxValue => ({ name: 'a', dtype, shape: [m, k] });
  const bInit: OnnxValue = { name: 'b', dtype: 'int8', shape: [k, n], values: d.b };
  const scalar = (name: string, dtype: OnnxValue['dtype'], v: number): OnnxValue => ({ name, dtype, shape: [], values: [v] });
  const y = (dtype: OnnxValue['dtype']): OnnxValue[] => [{ name: 'y', dtype, shape: [m, n] }];
  const b7Init: OnnxValue = { name: 'b', dtype: 'int8', shape: [k, n], values: rr.b7 };
  const mmi = (dtype: 'uint8' | 'int8', za: number, bv = bInit) => ortSession(ort, {
    op: 'MatMulInteger',
    inputs: [aIn(dtype), bv, scalar('za', dtype, za), scalar('zb', 'int8', 0)],
    outputs: y('int32'),
  });
  const qlinear = (bv: OnnxValue, bScale: Float32Array, yScale: number) => ortSession(ort, {
    op: 'QLinearMatMul',
    inputs: [aIn('uint8'), scalar('as', 'float32', A_SCALE), scalar('za', 'uint8', ZA_U8), bv,
      { name: 'bs', dtype: 'float32', shape: [n], values: bScale }, { name: 'zb', dtype: 'int8', shape: [n], values: new Int8Array(n) },
      scalar('ys', 'float32', yScale), scalar('yz', 'uint8', Y_ZP_U8)],
    outputs: y('uint8'),
  });
  const mmiU8 = await mmi('uint8', ZA_U8);
  const mmiS8 = await mmi('int8', ZA_S8);
  const qlmm = await qlinear(bInit, d.bScale, d.yScale);
  const mmiRr = await mmi('uint8', ZA_U8, b7Init);
  const qlmmRr = await qlinear(b7Init, rr.s7, yScale7);
  const feedsU8 = { a: new ort.Tensor('uint8', d.aU8, [m, k]) };
  const feedsS8 = { a: new ort.Tensor('int8', d.aS8, [m, k]) };
  const refU8 = (await mmiU8.run(feedsU8))['y']!.data as Int32Array;
  const refS8 = (await mmiS8.run(feedsS8))['y']!.data as Int32Array;
  const refQ = (await qlmm.run(feedsU8))['y']!.data as Uint8Array;
  const refRr = (await mmiRr.run(feedsU8))['y']!.data as Int32Array;
  const refQRr = (await qlmmRr.run(feedsU8))['y']!.data as Uint8Array;
  noteSqnr(c.name, rr.sqnr);

  // The -rr rows of u8s8-int32 / u8s8-fp32 share their Variant (interleaved with the 8-bit rows).
  const tasks: Record<string, (EngineTask & { readonly variant?: string })[]> = {
    'u8s8-int32': [], 's8s8-int32': [], 'u8s8-fp32': [], 's8s8-fixedpoint': [], 's8s8-f32out': [], 's8s8-fp32-rr': [], f32: [], pack: [],
  };
  const tensors: Tensor[] = [];
  const packs: PackedGemmWeights[] = [];
  let fixedRef: Int8Array | undefined;
  let f32Ref: Float32Array | undefined;
  let s8RrRef: Int8Array | undefined;
  let packedBytes = 0;
  for (const qk of [...ctx.qkerns, ...ctx.threaded]) {
    const tag = qk.threads > 1 ? `·${qk.threads}t` : '';
    const t = <T extends Tensor>(x: T): T => (tensors.push(x), x);
    const aU8 = t(qk.tensor(d.aU8, [m, k], { quant: { scale: A_SCALE, zeroPoint: ZA_U8 } }));
    const aS8 = t(qk.tensor(d.aS8, [m, k], { quant: { scale: A_SCALE, zeroPoint: ZA_S8 } }));
    const aRow = t(qk.tensor(d.aS8, [m, k], { quant: { axis: 0, scale: d.rowScale, zeroPoint: d.rowZp } }));
    const b = t(qk.tensor(d.b, [k, n], { quant: bQuant }));
    const w = packGemmWeights(b);
    const w7 = packGemmWeights(t(qk.tensor(rr.b7, [k, n], { quant: { axis: 1, scale: rr.s7, zeroPoint: new Int32Array(n) } })), { reduceRange: true });
    packs.push(w, w7);
    packedBytes = w.byteLength;
    const i32 = t(qk.empty('int32', [m, n]));
    const u8 = t(qk.empty('uint8', [m, n], { quant: { scale: d.yScale, zeroPoint: Y_ZP_U8 } }));
    const s8 = t(qk.empty('int8', [m, n], { quant: { scale: d.yScale, zeroPoint: Y_ZP_S8 } }));
    const f32 = t(qk.empty('float32', [m, n]));
    const u8rr = t(qk.empty('uint8', [m, n], { quant: { scale: yScale7, zeroPoint: Y_ZP_U8 } }));
    const s8rr = t(qk.empty('int8', [m, n], { quant: { scale: yScale7, zeroPoint: Y_ZP_S8 } }));
    const who = `qkern/${qk.isa}${tag}`;
    const run = {
      'u8s8-int32': () => gemm(aU8, w, { out: i32 }),
      's8s8-int32': () => gemm(aS8, w, { out: i32 }),
      'u8s8-fp32': () => gemm(aU8, w, { out: u8 }),
      's8s8-fixedpoint': () => gemm(aS8, w, { out: s8, stage: 'fixedpoint' }),
      's8s8-f32out': () => gemm(aRow, w, { out: f32 }),
      'u8s8-int32-rr': () => gemm(aU8, w7, { out: i32 }),
      'u8s8-fp32-rr': () => gemm(aU8, w7, { out: u8rr }),
      's8s8-fp32-rr': () => gemm(aS8, w7, { out: s8rr }),
    };
    run['u8s8-int32']();
    ctx.check('u8s8-int32', `${who} (reference: ORT MatMulInteger)`, countMismatches(i32.data, refU8), total);
    run['s8s8-int32']();
    ctx.check('s8s8-int32', `${who} (reference: ORT MatMulInteger)`, countMismatches(i32.data, refS8), total);
    run['u8s8-fp32']();
    ctx.check('u8s8-fp32', `${who} (reference: ORT QLinearMatMul)`, countMismatches(u8.data, refQ), total);
    run['s8s8-fixedpoint']();
    fixedRef ??= s8.data.slice();
    ctx.check('s8s8-fixedpoint', `${who} (reference: ${ctx.qkerns[0]!.isa} build)`, countMismatches(s8.data, fixedRef), total);
    run['s8s8-f32out']();
    f32Ref ??= f32.data.slice();
    ctx.check('s8s8-f32out', `${who} (reference: ${ctx.qkerns[0]!.isa} build)`, countMismatches(f32.data, f32Ref), total);
    run['u8s8-int32-rr']();
    ctx.check('u8s8-int32-rr', `${who} (reference: ORT MatMulInteger)`, countMismatches(i32.data, refRr), total);
    run['u8s8-fp32-rr']();
    ctx.check('u8s8-fp32-rr', `${who} (reference: ORT QLinearMatMul)`, countMismatches(u8rr.data, refQRr), total);
    run['s8s8-fp32-rr']();
    s8RrRef ??= s8rr.data.slice();
    ctx.check('s8s8-fp32-rr', `${who} (reference: ${ctx.qkerns[0]!.isa} build)`, countMismatches(s8rr.data, s8RrRef), total);

    const add = (variant: keyof typeof run, row?: 'u8s8-int32' | 'u8s8-fp32'): void =>
      void tasks[row ?? variant]!.push({ engine: 'qkern', isa: qk.isa, fn: run[variant], ...(row || tag ? { variant: `${variant}${tag}` } : {}) });
    add('u8s8-int32');
    if (tag === '') add('u8s8-int32-rr', 'u8s8-int32'); // the 7-bit family does not split yet (docs/threads.md)
    if (tag === '' && (!ctx.quick || qk === ctx.qkerns.at(-1))) {
      tasks['pack']!.push({ engine: 'qkern', isa: qk.isa, fn: () => packGemmWeights(b).dispose() });
    }
    if (qk.isa === 'scalar') continue;
    add('s8s8-int32');
    add('u8s8-fp32');
    add('s8s8-fixedpoint');
    add('s8s8-f32out');
    if (tag === '') {
      add('u8s8-fp32-rr', 'u8s8-fp32');
      add('s8s8-fp32-rr');
    }
    if (qk.isa === 'simd128' && tag === '') tasks['f32']!.push({ engine: 'qkern', isa: qk.isa, fn: run['s8s8-f32out'] });
  }
  tasks['u8s8-int32']!.push({ engine: 'ort', isa: null, async: true, fn: () => mmiU8.run(feedsU8) });
  tasks['s8s8-int32']!.push({ engine: 'ort', isa: null, async: true, fn: () => mmiS8.run(feedsS8) });
  tasks['u8s8-fp32']!.push({ engine: 'ort', isa: null, async: true, fn: () => qlmm.run(feedsU8) });
  tasks['u8s8-int32']!.push({ variant: 'u8s8-int32-rr', engine: 'ort', isa: null, async: true, fn: () => mmiRr.run(feedsU8) });
  tasks['u8s8-fp32']!.push({ variant: 'u8s8-fp32-rr', engine: 'ort', isa: null, async: true, fn: () => qlmmRr.run(feedsU8) });

  const tf = await ctx.tfjs();
  const ta = tf.tensor2d(Float32Array.from(d.aU8, (v) => v - ZA_U8), [m, k]);
  const tb = tf.tensor2d(Float32Array.from(d.b), [k, n]);
  const ty = tf.matMul(ta, tb);
  ctx.check('f32', 'tfjs (reference: exact accumulators, f32 summation bound)', f32Mismatches(ty.dataSync() as Float32Array, refU8, k), total);
  ty.dispose();
  tasks['f32']!.push({ engine: 'tfjs', isa: null, fn: () => tf.matMul(ta, tb).dispose() });

  const ops = 2 * m * n * k;
  const variants: Variant[] = Object.entries(tasks).map(([name, list]) => (name === 'pack'
    ? { name, unit: 'gbps', work: k * n + packedBytes, tasks: list }
    : { name, unit: 'gops', work: ops, tasks: list }));
  return {
    variants,
    async teardown() {
      packs.forEach((w) => w.dispose());
      tensors.forEach((x) => x.dispose());
      ta.dispose();
      tb.dispose();
      await Promise.all([mmiU8.release(), mmiS8.release(), qlmm.release(), mmiRr.release(), qlmmRr.release()]);
    },
  };
}

/** f32_rminmax over `bytes` of float32 (rows of 64 KiB): a pure streaming read. */
function readTask(qk: Qkern, bytes: number): { task: EngineTask; free(): void } {
  const rows = bytes >> 16;
  const x = qk.raw.alloc(bytes);
  const out = qk.raw.alloc(16 * rows);
  new Float32Array(qk.raw.memory.buffer, x, bytes >> 2).fill(1);
  const kernel = qk.raw.kernel('f32_rminmax_rows__simd128');
  return {
    task: { engine: 'qkern', isa: qk.isa, fn: () => kernel(x, rows, 1 << 14, out) },
    free() {
      qk.raw.free(x);
      qk.raw.free(out);
    },
  };
}

async function setupReadBandwidth(ctx: Context): Promise<CaseRun> {
  const qk = ctx.qkerns.find((q) => q.isa === 'simd128');
  if (qk === undefined) {
    console.log(`${READ_BW}: skipped (no simd128 build in this engine)`);
    return { variants: [], teardown() {} };
  }
  const r16 = readTask(qk, 16 << 20);
  const r64 = readTask(qk, 64 << 20);
  const d = inputs(1, 4096, 4096);
  const a = qk.tensor(d.aU8, [1, 4096], { quant: { scale: A_SCALE, zeroPoint: ZA_U8 } });
  const b = qk.tensor(d.b, [4096, 4096], { quant: { scale: 0.004 } });
  const w = packGemmWeights(b);
  const out = qk.empty('int32', [1, 4096]);
  return {
    variants: [
      { name: 'read-16MiB', unit: 'gbps', work: 16 << 20, tasks: [r16.task] },
      { name: 'read-64MiB', unit: 'gbps', work: 64 << 20, tasks: [r64.task] },
      { name: 'gemv-packed-B', unit: 'gbps', work: w.byteLength, tasks: [{ engine: 'qkern', isa: qk.isa, fn: () => gemm(a, w, { out }) }] },
    ],
    teardown() {
      r16.free();
      r64.free();
      w.dispose();
      [a, b, out].forEach((x) => x.dispose());
    },
  };
}

let quickRun = false;

export const gemmSuite: Suite<GemmCase> & { summary(caseName: string, rows: readonly ResultRow[]): string[] } = {
  name: 'gemm',
  cases: [...SHAPES.map(([name, , quick]) => ({ name, quick })), { name: READ_BW, quick: true }],
  setup(c, ctx) {
    quickRun = ctx.quick;
    if (ctx.quick && !c.quick) return Promise.resolve({ variants: [], teardown() {} });
    return c.name === READ_BW ? setupReadBandwidth(ctx) : setupGemm(c, ctx);
  },
  summary(caseName, rows) {
    if (caseName === READ_BW) return [];
    return rrSummary(caseName, rows, caseName === SHAPES.filter(([, , quick]) => !quickRun || quick).at(-1)?.[0]);
  },
};
