// Suite `e2e`: whole networks, one 224×224 image, batch 1 — MobileNetV2, SqueezeNet 1.1 and
// EfficientNet-Lite0 (src/models/architectures.ts, seeded weights). Latency = median over the
// interleaved rounds of each engine's median call; GOPS = 2·MACs of the conv / depthwise / fc layers
// per image. Rows (all engines of a case measured interleaved in one variant):
//   int8           qkern, every build (--quick: not scalar): QuantizedNetwork, int8 activations,
//                  per-channel int8 weights, fp32 output stage (float image in, dequantized logits out)
//   f32            qkern FloatNetwork (simd128 build) | ORT float32 graph of the spec (NCHW) |
//                  tfjs-wasm (XNNPACK) fused conv2d / depthwiseConv2d / matMul, NHWC
//   int8-s8        ORT, the QDQ graph of qkern's int8 network (bench/networks.ts) with default session
//                  options: ORT converts int8 Q→DQ pairs with one consumer to uint8 and leaves the
//                  groups around residual tensors unfused (float32 Conv / Add / pool between DQ and Q)
//   int8-s8-fused  the same graph with session.qdqisint8allowed = 1: every group becomes an s8 QLinear
//                  kernel (QLinearConv, QLinearAdd, QLinearGlobalAveragePool, QGemm); checked but
//                  not timed in --quick
//   int8-u8        ORT, the QDQ graph of a qkern network calibrated with uint8 activations (u8·s8)
// Calibration: once per case and activation type, 4 seeded synthetic images, minmax, on the simd128
// build; every qkern build runs the same parameters. ORT takes the image NCHW (transposed once,
// outside the timing), qkern and tfjs NHWC.
// Checked once per case before timing (a MISMATCH line fails the run): every qkern build's 8-bit
// logits identical to ORT int8-s8-fused; a qkern uint8 network's identical to ORT int8-u8 (see
// test/peers/ort-network-parity.test.ts; the uint8 EfficientNet-Lite0 differs where qkern's add rounds
// differently from ORT's QLinearAdd); ORT f32 and tfjs logits within 1e-4 of the largest |logit| of
// qkern's f32 ones (float32 rounding through ~60 layers; ~1e-6 observed). How many int8-s8 (default
// options) logits differ from qkern's is printed, not checked: ORT's unfused groups are float32.
// After each case: like-with-like ratios and where qkern's int8 time goes per op (simd128, median
// of 10 runs per layer); after the last case: the MobileNetV2 targets.
import {
  calibrate, efficientNetLite0, FloatNetwork, mobileNetV2, QuantizedNetwork, squeezeNet11, syntheticImage,
  type Isa, type ModelSpec, type Qkern,
} from 'qkern';
import { median, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';
import { floatModel, networkMacs, networkSession, qdqModel, tfjsNetwork, toNchw } from '../../peers/networks.js';
import type { ResultRow } from '../report.js';
import { layerReport, type LayerSample } from '../layer-report.js';

interface E2eCase {
  readonly name: string;
  readonly spec: () => ModelSpec;
  readonly quick: boolean;
}

const CASES: readonly E2eCase[] = [
  { name: 'mobilenetv2', spec: () => mobileNetV2(), quick: true },
  { name: 'squeezenet1.1', spec: () => squeezeNet11(), quick: false },
  { name: 'efficientnet-lite0', spec: () => efficientNetLite0(), quick: false },
];
const CALIBRATION_SEEDS = [100, 101, 102, 103];
const IMAGE_SEED = 1;
/** Largest |f32 logit − qkern f32 logit| allowed, relative to qkern's largest |logit|. */
const F32_TOLERANCE = 1e-4;

type NamedTask = EngineTask & { readonly variant: string };
type Bytes = Int8Array | Uint8Array;

let quickRun = false;
const breakdowns = new Map<string, readonly string[]>();
const ratiosSeen = new Map<string, Readonly<Record<string, number>>>();

/** The 8-bit logits of one run of a quantized network (before dequantization). */
function logits8(net: QuantizedNetwork, image: Float32Array): Bytes {
  let out: Bytes | undefined;
  net.run(image, (name, t) => {
    if (name === net.spec.output) out = (t.data as Bytes).slice();
  });
  return out!;
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Elements farther than F32_TOLERANCE · max|ref| from the reference, and the largest relative distance. */
function farApart(x: ArrayLike<number>, ref: Float32Array): { bad: number; worst: number } {
  if (x.length !== ref.length) return { bad: -1, worst: NaN };
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((x[i] as number) - ref[i]!) / scale;
    worst = Math.max(worst, d);
    if (!(d <= F32_TOLERANCE)) bad++;
  }
  return { bad, worst };
}

/** Multiply-accumulates of one layer from its NHWC output shape (0 for layers without weights). */
function layerMacs(spec: ModelSpec, name: string, out: readonly number[]): number {
  const l = spec.layers.find((x) => x.name === name);
  const elements = out.reduce((a, b) => a * b, 1);
  if (l?.op === 'conv') return elements * l.shape[1] * l.shape[2] * l.shape[3];
  if (l?.op === 'dwconv') return elements * l.shape[0] * l.shape[1];
  if (l?.op === 'fc') return l.shape[0] * l.shape[1];
  return 0;
}

/**
 * Per op (conv1x1, conv3x3, dwconv, add, ...): qkern's int8 time as the sum of per-layer medians
 * over `runs` runs, its share, and GOPS where the op multiplies.
 */
function breakdown(net: QuantizedNetwork, image: Float32Array, runs: number): string {
  const times = new Map<string, number[]>();
  const shapes = new Map<string, readonly number[]>();
  const kind = new Map<string, string>([['input', 'quantize']]);
  for (const l of net.spec.layers) kind.set(l.name, l.op === 'conv' ? `conv${l.shape[1]}x${l.shape[2]}` : l.op);
  for (let r = 0; r < runs; r++) {
    for (const t of net.run(image).layers) {
      times.set(t.name, [...(times.get(t.name) ?? []), t.ms]);
      shapes.set(t.name, t.shape);
    }
  }
  const byOp = new Map<string, { ms: number; macs: number }>();
  for (const [name, ms] of times) {
    const k = byOp.get(kind.get(name)!) ?? { ms: 0, macs: 0 };
    byOp.set(kind.get(name)!, { ms: k.ms + median(ms), macs: k.macs + layerMacs(net.spec, name, shapes.get(name)!) });
  }
  const total = [...byOp.values()].reduce((a, b) => a + b.ms, 0);
  const parts = [...byOp].sort((a, b) => b[1].ms - a[1].ms).map(([op, { ms, macs }]) =>
    `${op} ${ms.toFixed(2)} ms (${((100 * ms) / total).toFixed(0)}%${macs > 0 ? `, ${((2 * macs) / (ms * 1e6)).toFixed(1)} GOPS` : ''})`);
  return `sum of layer medians ${total.toFixed(2)} ms: ${parts.join(', ')}`;
}

/** Each layer's times over `runs` runs, with its multiply-adds (the per-layer ceiling report). */
function layerSamples(net: QuantizedNetwork, image: Float32Array, runs: number): LayerSample[] {
  const samples = new Map<string, { op: string; shape: readonly number[]; ms: number[] }>();
  for (let r = 0; r < runs; r++) {
    for (const t of net.run(image).layers) {
      const e = samples.get(t.name) ?? { op: t.op, shape: t.shape, ms: [] };
      e.ms.push(t.ms);
      samples.set(t.name, e);
    }
  }
  const kind = (name: string, op: string): string => {
    const l = net.spec.layers.find((x) => x.name === name);
    return l?.op === 'conv' ? `conv${l.shape[1]}x${l.shape[2]}` : l?.op === 'dwconv' ? `dwconv${l.shape[0]}x${l.shape[1]}` : op;
  };
  return [...samples].map(([name, e]) => ({ name, op: kind(name, e.op), shape: e.shape, ms: e.ms, macs: layerMacs(net.spec, name, e.shape) }));
}

async function setup(c: E2eCase, ctx: Context): Promise<CaseRun> {
  quickRun = ctx.quick;
  if (ctx.quick && !c.quick) return { variants: [], teardown() {} };
  const spec = c.spec();
  const [, h, w, ch] = spec.inputShape;
  const main: Qkern = ctx.qkerns.find((q) => q.isa === 'simd128') ?? ctx.qkerns[0]!;
  const calibration = CALIBRATION_SEEDS.map((s) => syntheticImage(spec.inputShape, s));
  const image = syntheticImage(spec.inputShape, IMAGE_SEED);
  const nchw = toNchw(image, h, w, ch);
  const paramsS8 = calibrate(main, spec, calibration, { activations: 'int8' });
  const paramsU8 = calibrate(main, spec, calibration, { activations: 'uint8' });
  const disposers: (() => unknown)[] = [];
  const tasks: NamedTask[] = [];

  try {
    // qkern: one int8 network per build (same parameters; --quick leaves out the scalar build), and a
    // uint8 one for the int8-u8 check.
    const builds = [...ctx.qkerns.filter((qk) => !ctx.quick || qk.isa !== 'scalar'), ...ctx.threaded];
    const nets = builds.map((qk) => new QuantizedNetwork(qk, spec, paramsS8, { activations: 'int8' }));
    const u8net = new QuantizedNetwork(main, spec, paramsU8, { activations: 'uint8' });
    disposers.push(() => [...nets, u8net].forEach((n) => n.dispose()));
    const timed = nets[builds.indexOf(main)]!;

    // ORT: QDQ graphs of those networks (s8 twice: default options and int8 allowed; u8) and the float graph.
    const ort = await ctx.ort();
    const s8Graph = qdqModel(spec, paramsS8, timed.quantized, 'int8');
    const u8Graph = qdqModel(spec, paramsU8, u8net.quantized, 'uint8');
    const f32Graph = floatModel(spec);
    const s8 = await networkSession(ort, s8Graph);
    const s8Fused = await networkSession(ort, s8Graph, { int8Allowed: true });
    const u8 = await networkSession(ort, u8Graph);
    const f32 = await networkSession(ort, f32Graph);
    disposers.push(() => Promise.all([s8, s8Fused, u8, f32].map((x) => x.release())));
    const feeds = { [s8Graph.input]: new ort.Tensor('float32', nchw, [...s8Graph.inputShape]) };
    const run = async (x: typeof s8, name: string) => (await x.run(feeds))[name]!.data as ArrayLike<number>;
    const refS8 = (await run(s8Fused, s8Graph.output)) as Bytes;
    ctx.check('int8-u8', 'ort (reference: qkern/uint8 network)', mismatches(await run(u8, u8Graph.output), logits8(u8net, image)), refS8.length);
    const defaultDiffers = mismatches(await run(s8, s8Graph.output), refS8);

    nets.forEach((net, i) => {
      const isa = builds[i]!.isa;
      const tag = builds[i]!.threads > 1 ? `·${builds[i]!.threads}t` : '';
      ctx.check('int8', `qkern/${isa}${tag} (reference: ORT int8-s8-fused)`, mismatches(logits8(net, image), refS8), refS8.length);
      tasks.push({ variant: `int8${tag}`, engine: 'qkern', isa, fn: () => net.run(image) });
    });
    const fnet = new FloatNetwork(main, spec);
    disposers.push(() => fnet.dispose());
    const refF32 = fnet.run(image).logits;

    const tf = await ctx.tfjs();
    const tnet = tfjsNetwork(tf, spec);
    disposers.push(() => tnet.dispose());
    const tfjsFar = farApart(tnet.run(image), refF32);
    const ortFar = farApart(await run(f32, f32Graph.output), refF32);
    ctx.check('f32', `tfjs (reference: qkern f32, ${F32_TOLERANCE} of max |logit|)`, tfjsFar.bad, refF32.length);
    ctx.check('f32', `ort (reference: qkern f32, ${F32_TOLERANCE} of max |logit|)`, ortFar.bad, refF32.length);

    tasks.push(
      { variant: 'f32', engine: 'qkern', isa: main.isa, fn: () => fnet.run(image) },
      { variant: 'int8-s8', engine: 'ort', isa: null, async: true, fn: () => s8.run(feeds) },
      // --quick checks the fused graph but does not time it (~110 ms a call).
      ...(ctx.quick ? [] : [{ variant: 'int8-s8-fused', engine: 'ort' as const, isa: null, async: true, fn: () => s8Fused.run(feeds) }]),
      { variant: 'int8-u8', engine: 'ort', isa: null, async: true, fn: () => u8.run(feeds) },
      { variant: 'f32', engine: 'ort', isa: null, async: true, fn: () => f32.run(feeds) },
      { variant: 'f32', engine: 'tfjs', isa: null, fn: () => tnet.run(image) },
    );
    for (let i = 0; i < 3; i++) timed.run(image);
    breakdowns.set(c.name, [
      `  ${c.name} qkern/${main.isa} int8 per op: ${breakdown(timed, image, 10)}`,
      ...(await layerReport(`${c.name} qkern/${main.isa} int8`, layerSamples(timed, image, 10))),
      `  ${c.name} checks: int8 builds and int8-u8 bit-exact vs ORT (see MISMATCH lines otherwise); ORT int8-s8 with default options: ` +
        `${defaultDiffers}/${refS8.length} logits differ from the fused graph; f32 max |Δ|/max|logit|: tfjs ${tfjsFar.worst.toExponential(1)}, ORT ${ortFar.worst.toExponential(1)}`,
    ]);
  } catch (e) {
    for (const d of disposers.reverse()) await d();
    throw e;
  }
  return {
    variants: [{ name: 'e2e', unit: 'gops', work: 2 * networkMacs(spec), tasks }],
    async teardown() {
      for (const d of disposers.reverse()) await d();
    },
  };
}

function summary(caseName: string, rows: readonly ResultRow[]): string[] {
  const ms = (variant: string, engine: string, isa: Isa | null = null): number =>
    rows.find((r) => r.variant === variant && r.engine === engine && r.isa === isa)?.medianMs ?? NaN;
  const f = (x: number): string => `${x.toFixed(2)}×`;
  const vs = (pairs: readonly [string, number][]): string => pairs.filter(([, x]) => Number.isFinite(x)).map(([n, x]) => `${n} ${f(x)}`).join(', ');
  const lines: string[] = [];
  for (const isa of [...new Set(rows.filter((r) => r.engine === 'qkern' && r.variant === 'int8').map((r) => r.isa!))]) {
    const i8 = ms('int8', 'qkern', isa);
    const r = {
      tfjs: ms('f32', 'tfjs') / i8,
      s8: ms('int8-s8', 'ort') / i8,
      s8Fused: ms('int8-s8-fused', 'ort') / i8,
      u8: ms('int8-u8', 'ort') / i8,
      ortF32: ms('f32', 'ort') / i8,
    };
    if (isa === 'simd128') ratiosSeen.set(caseName, r);
    lines.push(`  ${caseName} ${isa.padEnd(7)} int8 vs ` +
      vs([['tfjs f32', r.tfjs], ['ORT int8-s8', r.s8], ['int8-s8-fused', r.s8Fused], ['int8-u8', r.u8], ['ORT f32', r.ortF32]]));
  }
  // Thread scaling (--threads): time at 1 thread ÷ time at n, per build.
  for (const r of rows.filter((x) => x.engine === 'qkern' && x.variant.startsWith('int8·'))) {
    lines.push(`  ${caseName} ${r.isa!.padEnd(7)} ${r.variant} scaling vs 1 thread: ${f(ms('int8', 'qkern', r.isa) / r.medianMs)}`);
  }
  const fl = rows.find((r) => r.variant === 'f32' && r.engine === 'qkern');
  if (fl) lines.push(`  ${caseName} ${fl.isa!.padEnd(7)} f32 vs ${vs([['tfjs f32', ms('f32', 'tfjs') / fl.medianMs], ['ORT f32', ms('f32', 'ort') / fl.medianMs]])}`);
  lines.push(...(breakdowns.get(caseName) ?? []));
  breakdowns.delete(caseName);
  if (caseName === CASES.filter((x) => !quickRun || x.quick).at(-1)?.name) lines.push(...targets());
  return lines;
}

/** The MobileNetV2 targets on the simd128 build (ratios of interleaved medians). */
function targets(): string[] {
  const r = ratiosSeen.get('mobilenetv2');
  ratiosSeen.clear();
  if (r === undefined) return [];
  const goals: readonly [string, number, number][] = [
    ['int8 ≥ 2× tfjs-wasm f32', 2, r['tfjs']!],
    ['int8 ≥ 4× ORT int8-s8 (default options)', 4, r['s8']!],
    ['int8 ≥ 4× ORT int8-s8-fused', 4, r['s8Fused']!],
    ['int8 ≥ 2× ORT int8-u8', 2, r['u8']!],
  ];
  return ['\n== e2e targets (MobileNetV2, qkern simd128) ==',
    ...goals.map(([label, goal, x]) => `  ${label.padEnd(42)} ${!Number.isFinite(x) ? 'not measured (--quick)' : x >= goal ? 'met' : 'MISSED'}` +
      (Number.isFinite(x) ? ` (${x.toFixed(2)}×)` : ''))];
}

export const e2eSuite: Suite<E2eCase> & { summary: typeof summary } = { name: 'e2e', cases: CASES, setup, summary };
