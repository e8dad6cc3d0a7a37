// Suite `dwconv`: depthwise convolution (batch 1, `same` padding, TFLite rules) on the 3×3 layers of
// MobileNetV2 and 5×5 layers of EfficientNet, and few-channel layers (C = 1 with 7×7, micro_speech's
// 1 channel × multiplier 8 with a 10×8 kernel at stride 2, C = 3, C = 8) (SHAPES, one line per case).
// All engines of a case run interleaved in one measurement; each row carries its own variant name:
//   int8          qkern, every build: u8 NHWC activations · s8 per-channel weights, fp32 stage → u8 + relu6
//   int8-c16      (few channels only) the same through the channel-vectorized kernels (forced tile
//                 anyp16c), i.e. qkern before the row-vectorized anyp16w kernels
//   qlinear-nhwc  ORT Transpose(NHWC→NCHW) → QLinearConv → Transpose(NCHW→NHWC): what an NHWC user pays
//   qlinear-nchw  ORT QLinearConv alone, NCHW in and out
//   f32           qkern f32, every build (NHWC, bias, relu6) | ORT Conv + Clip(0, 6) NCHW | tfjs-wasm
//                 fused depthwiseConv2d NHWC (XNNPACK) with bias and relu6
// GOPS = 2·Ho·Wo·C·KH·KW / time: 2 operations per multiply-accumulate. The relu6 of the int8 rows is
// the output range itself (scale 6/255, zero point 0), so ORT computes the same function without it.
// The table's "vs best peer" is against the fastest peer of all; the lines after each case compare
// like with like (ratio of the interleaved medians): int8 against ORT QLinearConv (both layouts)
// and tfjs f32; f32 against tfjs and ORT f32. The last lines check the targets: int8 ≥ 8× ORT
// QLinearConv (the faster layout), int8 ≥ 2× tfjs f32, f32 ≥ tfjs f32.
// Checked once per case before timing: every qkern int8 build and the NHWC graph bit for bit
// against ORT's NCHW QLinearConv (transposed); every f32 engine against tfjs within 2·γ(K+1)·Σ|terms|
// per element (γ(n) = n·2^−24/(1 − n·2^−24): the error bound of an f32 sum of K products plus the
// bias, whatever the order, so two engines differ by at most twice that; relu6 only shrinks it).
import { depthwiseConv2d, packDepthwiseWeights, type DepthwiseConv2dOptions, type Isa, type PackedDepthwiseWeights, type Tensor } from 'qkern';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';
import { ortGraphSession, type OnnxNode, type OnnxValue } from '../../peers/ort.js';
import type { ResultRow } from '../report.js';

interface DwCase {
  readonly name: string;
  readonly c: number;
  /** Input channels and channel multiplier (output channels c·m). */
  readonly m: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly s: number;
  readonly quick: boolean;
}

// [C, H = W, kernel, stride, origin, in --quick]; few-channel cases: [C, multiplier, H, W, KH, KW, stride, origin, in --quick]
const SHAPES: readonly (readonly [number, number, number, number, string, boolean])[] = [
  [32, 112, 3, 1, 'MobileNetV2', true],
  [96, 112, 3, 2, 'MobileNetV2', false],
  [144, 56, 3, 1, 'MobileNetV2', false],
  [144, 56, 3, 2, 'MobileNetV2', true],
  [192, 28, 3, 1, 'MobileNetV2', false],
  [192, 28, 3, 2, 'MobileNetV2', false],
  [384, 14, 3, 1, 'MobileNetV2', false],
  [576, 14, 3, 1, 'MobileNetV2', true],
  [576, 14, 3, 2, 'MobileNetV2', false],
  [960, 7, 3, 1, 'MobileNetV2', false],
  [240, 14, 5, 1, 'EfficientNet', false],
  [672, 14, 5, 2, 'EfficientNet', true],
  [144, 56, 5, 2, 'EfficientNet', false],
  [480, 14, 5, 1, 'EfficientNet', false],
];
const FEW: readonly (readonly [number, number, number, number, number, number, number, string, boolean])[] = [
  [1, 1, 112, 112, 7, 7, 1, 'C = 1, 7×7', true],
  [1, 8, 49, 40, 10, 8, 2, 'micro_speech', true],
  [3, 1, 112, 112, 3, 3, 1, 'C = 3', true],
  [3, 1, 112, 112, 3, 3, 2, 'C = 3, stride 2', false],
  [8, 1, 112, 112, 3, 3, 1, 'C = 8', true],
];
const CASES: readonly DwCase[] = [
  ...SHAPES.map(([c, hw, k, s, , quick]) => ({ name: `c${c}-${hw}x${hw}-k${k}-s${s}`, c, m: 1, h: hw, w: hw, kh: k, kw: k, s, quick })),
  ...FEW.map(([c, m, h, w, kh, kw, s, , quick]) => ({ name: `c${c}${m > 1 ? `m${m}` : ''}-${h}x${w}-k${kh}x${kw}-s${s}`, c, m, h, w, kh, kw, s, quick })),
];

const X_SCALE = 0.02;
const X_ZP = 128;
const Y_SCALE = Math.fround(6 / 255);

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

/** TFLite `same` padding along one axis: [output, before, after]. */
function same(size: number, k: number, s: number): [number, number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** NHWC ↔ NCHW copy of one image (`toNchw` false: NCHW → NHWC). */
function transpose<T extends Uint8Array | Float32Array>(src: T, h: number, w: number, c: number, toNchw: boolean): T {
  const dst = new (src.constructor as new (n: number) => T)(src.length);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) {
    if (toNchw) dst[ch * h * w + p] = src[p * c + ch]!;
    else dst[p * c + ch] = src[ch * h * w + p]!;
  }
  return dst;
}

/**
 * Inputs of one case: u8 activations, s8 weights [K, K, C] in [−127, 127] with per-channel scales
 * giving real outputs of σ ≈ 3 (relu6 clips some), int32 bias ≈ +[0, 3] real; and their f32 values.
 */
function inputs(c: DwCase) {
  const oc = c.c * c.m;
  const r = rng(c.c * 7919 + c.h * 31 + c.kh * 5 + c.s + (c.m - 1) * 104729 + (c.w - c.h) * 7 + (c.kw - c.kh) * 3);
  const taps = c.kh * c.kw;
  const x = Uint8Array.from({ length: c.h * c.w * c.c }, () => Math.floor(r() * 256));
  const w = Int8Array.from({ length: taps * oc }, () => Math.floor(r() * 255) - 127);
  const base = 3 / (Math.sqrt(taps) * 108);
  const wScale = Float32Array.from({ length: oc }, () => base * (0.5 + r()));
  const bias = Int32Array.from({ length: oc }, (_, ch) => Math.round((3 * r()) / (X_SCALE * wScale[ch]!)));
  const xf = Float32Array.from(x, (v) => (v - X_ZP) * X_SCALE);
  const wf = Float32Array.from(w, (v, i) => v * wScale[i % oc]!);
  const bf = Float32Array.from(bias, (v, ch) => v * X_SCALE * wScale[ch]!);
  return { x, w, wScale, bias, xf, wf, bf };
}

/** Per output element, 2·γ(K+1)·(Σ|x·w| + |bias|): how far two correct f32 engines may differ. */
function f32Tolerance(c: DwCase, d: ReturnType<typeof inputs>, oh: number, ow: number, pt: number, pl: number): Float64Array {
  const n = c.kh * c.kw + 1;
  const oc = c.c * c.m;
  const gamma = (n * 2 ** -24) / (1 - n * 2 ** -24);
  const tol = new Float64Array(oh * ow * oc);
  for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < oc; ch++) {
    let s = Math.abs(d.bf[ch]!);
    for (let ky = 0; ky < c.kh; ky++) for (let kx = 0; kx < c.kw; kx++) {
      const iy = oy * c.s + ky - pt;
      const ix = ox * c.s + kx - pl;
      if (iy >= 0 && iy < c.h && ix >= 0 && ix < c.w) s += Math.abs(d.xf[(iy * c.w + ix) * c.c + Math.floor(ch / c.m)]! * d.wf[(ky * c.kw + kx) * oc + ch]!);
    }
    tol[(oy * ow + ox) * oc + ch] = 2 * gamma * s;
  }
  return tol;
}

function farApart(a: Float32Array, b: Float32Array, tol: Float64Array): number {
  if (a.length !== b.length) return -1;
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol[i]!)) bad++;
  return bad;
}

let quickRun = false;
type NamedTask = EngineTask & { readonly variant: string };

async function setup(c: DwCase, ctx: Context): Promise<CaseRun> {
  quickRun = ctx.quick;
  if (ctx.quick && !c.quick) return { variants: [], teardown() {} };
  if (c === CASES.find((x) => !ctx.quick || x.quick)) {
    console.log('(dwconv: GOPS = 2·Ho·Wo·C·KH·KW / time, 2 ops per multiply-accumulate; ratio lines after each case: peer median / qkern median)');
  }
  const d = inputs(c);
  const oc = c.c * c.m;
  const [oh, pt, pb] = same(c.h, c.kh, c.s);
  const [ow, pl, pr] = same(c.w, c.kw, c.s);
  const pads = [pt, pl, pb, pr];
  const total = oh * ow * oc;
  const tasks: NamedTask[] = [];

  // ORT: QLinearConv in both layouts, Conv + Clip in f32; weights and parameters are initializers.
  const ort = await ctx.ort();
  const conv = { group: c.c, kernel_shape: [c.kh, c.kw], strides: [c.s, c.s], pads };
  const nchwIn = [1, c.c, c.h, c.w];
  const nchwOut = [1, oc, oh, ow];
  const taps = c.kh * c.kw;
  const f32 = (name: string, shape: number[], values: ArrayLike<number>): OnnxValue => ({ name, dtype: 'float32', shape, values });
  const wOnnx = Int8Array.from({ length: d.w.length }, (_, i) => d.w[(i % taps) * oc + Math.floor(i / taps)]!);
  const qlinear = (x: OnnxValue, y: OnnxValue): OnnxNode => ({
    op: 'QLinearConv',
    inputs: [x, f32('xs', [], [X_SCALE]), { name: 'xz', dtype: 'uint8', shape: [], values: [X_ZP] },
      { name: 'w', dtype: 'int8', shape: [oc, 1, c.kh, c.kw], values: wOnnx }, f32('ws', [oc], d.wScale),
      { name: 'wz', dtype: 'int8', shape: [oc], values: new Int8Array(oc) }, f32('ys', [], [Y_SCALE]),
      { name: 'yz', dtype: 'uint8', shape: [], values: [0] }, { name: 'b', dtype: 'int32', shape: [oc], values: d.bias }],
    outputs: [y],
    attributes: conv,
  });
  const xq: OnnxValue = { name: 'x', dtype: 'uint8', shape: nchwIn };
  const yq: OnnxValue = { name: 'y', dtype: 'uint8', shape: nchwOut };
  const xt: OnnxValue = { name: 'xt', dtype: 'uint8', shape: nchwIn };
  const yt: OnnxValue = { name: 'yt', dtype: 'uint8', shape: nchwOut };
  const nchw = await ortGraphSession(ort, [qlinear(xq, yq)]);
  const nhwc = await ortGraphSession(ort, [
    { op: 'Transpose', inputs: [{ ...xq, shape: [1, c.h, c.w, c.c] }], outputs: [xt], attributes: { perm: [0, 3, 1, 2] } },
    qlinear(xt, yt),
    { op: 'Transpose', inputs: [yt], outputs: [{ ...yq, shape: [1, oh, ow, oc] }], attributes: { perm: [0, 2, 3, 1] } },
  ]);
  const convOut: OnnxValue = { name: 'conv', dtype: 'float32', shape: nchwOut };
  const wOnnxF32 = Float32Array.from(wOnnx, (v, i) => v * d.wScale[Math.floor(i / taps)]!);
  const ortF32 = await ortGraphSession(ort, [
    { op: 'Conv', inputs: [{ name: 'x', dtype: 'float32', shape: nchwIn }, f32('w', [oc, 1, c.kh, c.kw], wOnnxF32), f32('b', [oc], d.bf)],
      outputs: [convOut], attributes: conv },
    { op: 'Clip', inputs: [convOut, f32('lo', [], [0]), f32('hi', [], [6])], outputs: [{ name: 'y', dtype: 'float32', shape: nchwOut }] },
  ]);
  const feedsNchw = { x: new ort.Tensor('uint8', transpose(d.x, c.h, c.w, c.c, true), nchwIn) };
  const feedsNhwc = { x: new ort.Tensor('uint8', d.x, [1, c.h, c.w, c.c]) };
  const feedsF32 = { x: new ort.Tensor('float32', transpose(d.xf, c.h, c.w, c.c, true), nchwIn) };
  const ref = transpose((await nchw.run(feedsNchw))['y']!.data as Uint8Array, oh, ow, oc, false);
  ctx.check('qlinear-nhwc', 'ort (reference: ORT qlinear-nchw)', countMismatches((await nhwc.run(feedsNhwc))['y']!.data as Uint8Array, ref), total);

  // tfjs: the f32 reference of the f32 rows (filter [KH, KW, C, multiplier]: the same bytes as [KH, KW, C·multiplier]).
  const tf = await ctx.tfjs();
  const tx = tf.tensor4d(d.xf, [1, c.h, c.w, c.c]);
  const tw = tf.tensor4d(d.wf, [c.kh, c.kw, c.c, c.m]);
  const tb = tf.tensor1d(d.bf);
  const tfjsRun = () => tf.fused.depthwiseConv2d({ x: tx, filter: tw, strides: c.s, pad: 'same', bias: tb, activation: 'relu6' });
  const ty = tfjsRun();
  const refF32 = ty.dataSync() as Float32Array;
  ty.dispose();
  const tol = f32Tolerance(c, d, oh, ow, pt, pl);
  const ortY = transpose((await ortF32.run(feedsF32))['y']!.data as Float32Array, oh, ow, oc, false);
  ctx.check('f32', 'ort (reference: tfjs, 2·γ(K+1)·Σ|terms|)', farApart(ortY, refF32, tol), total);

  const tensors: Tensor[] = [];
  const packs: PackedDepthwiseWeights[] = [];
  const f32Tasks: NamedTask[] = [];
  const geometry = { strides: c.s, padding: 'same', activation: 'relu6' } as const;
  for (const qk of ctx.qkerns) {
    const t = <T extends Tensor>(x: T): T => (tensors.push(x), x);
    const x = t(qk.tensor(d.x, [1, c.h, c.w, c.c], { quant: { scale: X_SCALE, zeroPoint: X_ZP } }));
    const wq = t(qk.tensor(d.w, [c.kh, c.kw, oc], { quant: { axis: 2, scale: d.wScale, zeroPoint: new Int32Array(oc) } }));
    const w8 = packDepthwiseWeights(wq, { bias: d.bias });
    const y8 = t(qk.empty('uint8', [1, oh, ow, oc], { quant: { scale: Y_SCALE, zeroPoint: 0 } }));
    const xf = t(qk.tensor(d.xf, [1, c.h, c.w, c.c]));
    const wf = packDepthwiseWeights(t(qk.tensor(d.wf, [c.kh, c.kw, oc])), { bias: d.bf });
    const yf = t(qk.empty('float32', [1, oh, ow, oc]));
    packs.push(w8, wf);
    const int8 = () => depthwiseConv2d(x, w8, { ...geometry, out: y8 });
    const float = () => depthwiseConv2d(xf, wf, { ...geometry, out: yf });
    int8();
    ctx.check('int8', `qkern/${qk.isa} (reference: ORT qlinear-nchw)`, countMismatches(y8.data, ref), total);
    float();
    ctx.check('f32', `qkern/${qk.isa} (reference: tfjs, 2·γ(K+1)·Σ|terms|)`, farApart(yf.data, refF32, tol), total);
    tasks.push({ variant: 'int8', engine: 'qkern', isa: qk.isa, fn: int8 });
    if (oc <= 16 && qk.isa !== 'scalar') {
      // The channel-vectorized kernels (forced; an internal option of the op): qkern before anyp16w.
      const channels = () => depthwiseConv2d(x, w8, { ...geometry, out: y8, forceTile: 'anyp16c' } as DepthwiseConv2dOptions);
      channels();
      ctx.check('int8-c16', `qkern/${qk.isa} (reference: ORT qlinear-nchw)`, countMismatches(y8.data, ref), total);
      tasks.push({ variant: 'int8-c16', engine: 'qkern', isa: qk.isa, fn: channels });
    }
    f32Tasks.push({ variant: 'f32', engine: 'qkern', isa: qk.isa, fn: float });
  }
  tasks.push(...f32Tasks,
    { variant: 'qlinear-nhwc', engine: 'ort', isa: null, async: true, fn: () => nhwc.run(feedsNhwc) },
    { variant: 'qlinear-nchw', engine: 'ort', isa: null, async: true, fn: () => nchw.run(feedsNchw) },
    { variant: 'f32', engine: 'ort', isa: null, async: true, fn: () => ortF32.run(feedsF32) },
    { variant: 'f32', engine: 'tfjs', isa: null, fn: () => tfjsRun().dispose() });
  return {
    variants: [{ name: 'dwconv', unit: 'gops', work: 2 * total * taps, tasks }],
    async teardown() {
      packs.forEach((w) => w.dispose());
      tensors.forEach((x) => x.dispose());
      [tx, tw, tb].forEach((x) => x.dispose());
      await Promise.all([nchw.release(), nhwc.release(), ortF32.release()]);
    },
  };
}

/** Like-with-like ratios of one case and build (peer median / qkern median). */
interface Ratios {
  readonly nhwc: number;
  readonly nchw: number;
  readonly tfjsInt8: number;
  readonly tfjsF32: number;
  readonly ortF32: number;
}
const seen = new Map<Isa, { readonly name: string; readonly r: Ratios }[]>();

function summary(caseName: string, rows: readonly ResultRow[]): string[] {
  const ms = (variant: string, engine: string, isa: Isa | null = null): number =>
    rows.find((r) => r.variant === variant && r.engine === engine && r.isa === isa)?.medianMs ?? NaN;
  const f = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)}×`;
  const lines: string[] = [];
  for (const isa of [...new Set(rows.filter((r) => r.engine === 'qkern').map((r) => r.isa!))]) {
    const i8 = ms('int8', 'qkern', isa);
    const fl = ms('f32', 'qkern', isa);
    const r: Ratios = {
      nhwc: ms('qlinear-nhwc', 'ort') / i8,
      nchw: ms('qlinear-nchw', 'ort') / i8,
      tfjsInt8: ms('f32', 'tfjs') / i8,
      tfjsF32: ms('f32', 'tfjs') / fl,
      ortF32: ms('f32', 'ort') / fl,
    };
    seen.set(isa, [...(seen.get(isa) ?? []), { name: caseName, r }]);
    const before = ms('int8-c16', 'qkern', isa);
    lines.push(`  ${caseName} ${isa.padEnd(7)}  int8 vs ORT qlinear-nhwc ${f(r.nhwc)}, qlinear-nchw ${f(r.nchw)}, tfjs f32 ${f(r.tfjsInt8)}` +
      `   f32 vs tfjs f32 ${f(r.tfjsF32)}, ORT f32 ${f(r.ortF32)}` + (Number.isNaN(before) ? '' : `   int8 vs int8-c16 (channel kernels) ${f(before / i8)}`));
  }
  if (caseName === CASES.filter((x) => !quickRun || x.quick).at(-1)?.name) lines.push(...targets());
  return lines;
}

/** Per build, each target over every case measured: met everywhere or not, and the worst case. */
function targets(): string[] {
  const goals: readonly [string, number, (r: Ratios) => number][] = [
    ['int8 ≥ 8× ORT QLinearConv (faster layout)', 8, (r) => Math.min(r.nhwc, r.nchw)],
    ['int8 ≥ 2× tfjs-wasm f32', 2, (r) => r.tfjsInt8],
    ['f32 ≥ 1× tfjs-wasm f32', 1, (r) => r.tfjsF32],
  ];
  // The targets are set for the SIMD builds; the scalar build's ratios stay in the per-case lines above.
  const lines = ['\n== dwconv targets (ratios of interleaved medians, per case; SIMD builds) =='];
  for (const [isa, cases] of seen) {
    if (isa === 'scalar') continue;
    for (const [label, goal, pick] of goals) {
      const worst = cases.reduce((a, b) => (pick(b.r) < pick(a.r) ? b : a));
      const missed = cases.filter((x) => !(pick(x.r) >= goal)).map((x) => x.name);
      const verdict = missed.length === 0 ? 'met' : missed.length === cases.length ? `MISSED on all ${cases.length}`
        : `MISSED on ${missed.length}/${cases.length}: ${missed.join(', ')}`;
      lines.push(`  ${isa.padEnd(7)} ${label.padEnd(42)} ${verdict} (worst ${pick(worst.r).toFixed(2)}× at ${worst.name})`);
    }
  }
  seen.clear();
  return lines;
}

export const dwconvSuite: Suite<DwCase> & { summary: typeof summary } = { name: 'dwconv', cases: CASES, setup, summary };
