// Suite `sparse`: int8 GEMM with pruned weights, C[M,N] = A[M,K]·B[K,N], int32 out (ONNX
// MatMulInteger, u8 A with zero point 128, s8 B), on the MobileNet pointwise shapes of the gemm
// suite and the 1×4096×4096 GEMV (SHAPES, one line per case). One random B per shape, then rows:
//   dense            qkern, B packed dense (sparse: false) | ORT MatMulInteger u8·s8 (no sparse kernel)
//   block1x4-<s>     qkern, B pruned in 1×4 blocks along K to s% (prune, structure block1x4), packed sparse
//   unstructured-90  qkern, B pruned weight by weight to 90%, packed sparse anyway: what blocks buy
// The relaxed build runs only if the registry gives it qs8_gemm/qs8_spmm kernels of its
// own (today it runs simd128's); the scalar build runs a few levels on SCALAR shapes only.
// GOPS count the dense work, 2·M·K·N / time, so they compare directly with `dense`. All rows of a
// case run interleaved in one measurement; `speedup` = dense median / this median (same build),
// `bytes` = packed bytes; both go into the JSON rows (with `denseBytes`, `blockSparsity`,
// `sparsity`). After each case: speedups, bytes and the break-even (block sparsity where sparse
// time = dense time, interpolated linearly in time between measured levels); after the last case,
// the targets. Checked once per case: dense against ORT bit for bit; every sparse pack against the
// dense packing of the same pruned weights (same build) bit for bit; and, for B up to 2^20
// weights, the pruning below against qkern's `prune` (full runs).
import { gemm, KERNELS, packGemmWeights, prune, type Isa, type PackedGemmWeights, type Qkern, type Tensor } from 'qkern';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';
import { ortSession } from '../../peers/ort.js';
import type { ResultRow } from '../report.js';

interface SparseCase {
  readonly name: string;
  readonly quick: boolean;
  readonly scalar: boolean;
}

// [M×K×N, origin, in --quick, scalar build too]
const SHAPES: readonly (readonly [string, string, boolean, boolean])[] = [
  ['12544x16x96', 'MobileNetV2 pointwise (K = 16: 4 blocks per column)', false, false],
  ['3136x144x24', 'MobileNetV2 pointwise', false, false],
  ['784x192x32', 'MobileNetV2 pointwise', false, false],
  ['196x96x576', 'MobileNetV2 pointwise', false, false],
  ['49x960x160', 'MobileNetV2 pointwise', false, false],
  ['49x320x1280', 'MobileNetV2 pointwise', false, false],
  ['196x512x512', 'MobileNetV1 pointwise', true, true],
  ['49x1024x1024', 'MobileNetV1 pointwise', false, false],
  ['1x4096x4096', 'GEMV', true, true],
];
const CASES: readonly SparseCase[] = SHAPES.map(([name, , quick, scalar]) => ({ name, quick, scalar }));

/** Block sparsities of the block1x4 rows: full run, --quick, scalar build. */
const LEVELS = [0.3, 0.4, 0.5, 0.7, 0.8, 0.9, 0.95];
const QUICK_LEVELS = [0.5, 0.7, 0.9];
const SCALAR_LEVELS = [0.5, 0.7, 0.9];
const UNSTRUCTURED = 0.9;
const ZA = 128;
const A_SCALE = 0.02;
const B_SCALE = 0.004;

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

/**
 * What `prune(b, [k, n], { sparsity, structure })` returns, for every level at once: groups (1×4
 * blocks along K, or single weights) ranked once by (score, index) and the lowest
 * round(sparsity·K·N / size) of them zeroed. prune scores by L2 norm; the sum of squares orders
 * integer groups the same, so one counting sort serves all levels (prune sorts 4M block objects
 * per call at 4096², ~9 s each). Checked against prune where that is affordable.
 */
function pruneLevels(b: Int8Array, k: number, n: number, size: 1 | 4, levels: readonly number[]): Int8Array[] {
  const kb = k / size;
  const groups = kb * n;
  // Group g is column ⌊g / kb⌋, rows (g mod kb)·4 .. +3 for blocks (prune's order); weight g when size = 1.
  const at = size === 1 ? (g: number): number => g : (g: number): number => (g % kb) * 4 * n + Math.floor(g / kb);
  const score = new Int32Array(groups);
  const start = new Int32Array(size * 128 * 128 + 2);
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let j = 0, i = at(g); j < size; j++, i += n) s += b[i]! * b[i]!;
    score[g] = s;
    start[s + 1]!++;
  }
  for (let s = 1; s < start.length; s++) start[s]! += start[s - 1]!;
  const order = new Uint32Array(groups);
  for (let g = 0; g < groups; g++) order[start[score[g]!]!++] = g;
  const total = k * n;
  return levels.map((level) => {
    const w = b.slice();
    const drop = Math.round((level * total) / size);
    for (let r = 0; r < drop; r++) for (let j = 0, i = at(order[r]!); j < size; j++, i += n) w[i] = 0;
    return w;
  });
}

type NamedTask = EngineTask & { readonly variant: string };
/** Static facts of one qkern row, for the JSON and the summary. */
interface RowInfo {
  readonly bytes: number;
  readonly denseBytes: number;
  readonly blockSparsity: number;
  readonly sparsity: number;
}
const rowKey = (variant: string, isa: Isa | null): string => `${variant}|${isa ?? ''}`;
const infos = new Map<string, Map<string, RowInfo>>();
let quickRun = false;

/** The builds a case runs: simd128 (and relaxed when it has kernels of its own here), scalar on SCALAR shapes. */
function builds(c: SparseCase, ctx: Context): Qkern[] {
  const ownRelaxed = KERNELS.some((kk) => kk.isa === 'relaxed' && /^qs8_(gemm|spmm)$/.test(kk.family));
  return ctx.qkerns.filter((qk) => qk.isa === 'simd128' || (qk.isa === 'relaxed' && ownRelaxed) || (qk.isa === 'scalar' && c.scalar && !ctx.quick));
}

async function setup(c: SparseCase, ctx: Context): Promise<CaseRun> {
  quickRun = ctx.quick;
  if (ctx.quick && !c.quick) return { variants: [], teardown() {} };
  if (c === CASES.find((x) => !ctx.quick || x.quick)) {
    console.log('(sparse: GOPS = dense-equivalent 2·M·K·N / time; lines after each case: dense median / sparse median, same build, and packed bytes / dense bytes)');
  }
  const [m, k, n] = c.name.split('x').map(Number) as [number, number, number];
  const r = rng(m * 131 + k * 7 + n);
  const a = Uint8Array.from({ length: m * k }, () => Math.floor(r() * 256));
  const b = Int8Array.from({ length: k * n }, () => Math.floor(r() * 255) - 127);
  const levels = ctx.quick ? QUICK_LEVELS : LEVELS;
  const blocks = pruneLevels(b, k, n, 4, levels);
  const [loose] = pruneLevels(b, k, n, 1, [UNSTRUCTURED]) as [Int8Array];
  if (!ctx.quick && k * n <= 1 << 20) {
    const i = levels.indexOf(0.9);
    ctx.check('prune', 'bench block1x4-90 (reference: qkern prune)', countMismatches(blocks[i]!, prune(b, [k, n], { sparsity: 0.9, structure: 'block1x4' }).weights), k * n);
    ctx.check('prune', 'bench unstructured-90 (reference: qkern prune)', countMismatches(loose, prune(b, [k, n], { sparsity: UNSTRUCTURED, structure: 'unstructured' }).weights), k * n);
  }

  const ort = await ctx.ort();
  const mmi = await ortSession(ort, {
    op: 'MatMulInteger',
    inputs: [{ name: 'a', dtype: 'uint8', shape: [m, k] }, { name: 'b', dtype: 'int8', shape: [k, n], values: b },
      { name: 'za', dtype: 'uint8', shape: [], values: [ZA] }, { name: 'zb', dtype: 'int8', shape: [], values: [0] }],
    outputs: [{ name: 'y', dtype: 'int32', shape: [m, n] }],
  });
  const feeds = { a: new ort.Tensor('uint8', a, [m, k]) };
  const ref = (await mmi.run(feeds))['y']!.data as Int32Array;

  const tasks: NamedTask[] = [];
  const tensors: Tensor[] = [];
  const packs: PackedGemmWeights[] = [];
  const info = new Map<string, RowInfo>();
  infos.set(c.name, info);
  for (const qk of builds(c, ctx)) {
    const isa = qk.isa;
    const at = qk.tensor(a, [m, k], { quant: { scale: A_SCALE, zeroPoint: ZA } });
    const out = qk.empty('int32', [m, n]);
    const expect = qk.empty('int32', [m, n]);
    tensors.push(at, out, expect);
    const add = (variant: string, w: Int8Array, sparse: boolean): void => {
      const bt = qk.tensor(w, [k, n], { quant: { scale: B_SCALE } });
      const packed = packGemmWeights(bt, { sparse });
      packs.push(packed);
      if (sparse) {
        const dense = packGemmWeights(bt, { sparse: false });
        gemm(at, dense, { out: expect });
        dense.dispose();
      }
      bt.dispose();
      gemm(at, packed, { out });
      ctx.check(variant, `qkern/${isa} (reference: ${sparse ? 'dense packing, same weights' : 'ORT MatMulInteger'})`,
        countMismatches(out.data, sparse ? expect.data : ref), m * n);
      let zeros = 0;
      for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
      info.set(rowKey(variant, isa), { bytes: packed.byteLength, denseBytes: packed.denseByteLength, blockSparsity: packed.blockSparsity, sparsity: zeros / w.length });
      tasks.push({ variant, engine: 'qkern', isa, fn: () => gemm(at, packed, { out }) });
    };
    add('dense', b, false);
    levels.forEach((level, i) => {
      if (isa !== 'scalar' || SCALAR_LEVELS.includes(level)) add(`block1x4-${Math.round(level * 100)}`, blocks[i]!, true);
    });
    add(`unstructured-${Math.round(UNSTRUCTURED * 100)}`, loose, true);
  }
  tasks.push({ variant: 'dense', engine: 'ort', isa: null, async: true, fn: () => mmi.run(feeds) });
  return {
    variants: [{ name: 'sparse', unit: 'gops', work: 2 * m * k * n, tasks }],
    async teardown() {
      packs.forEach((w) => w.dispose());
      tensors.forEach((x) => x.dispose());
      await mmi.release();
    },
  };
}

/** The case's rows with `speedup` (qkern rows: dense median / this median, same build) and the packing facts. */
function annotate(caseName: string, rows: readonly ResultRow[]): ResultRow[] {
  const info = infos.get(caseName);
  const dense = (isa: Isa | null): number => rows.find((x) => x.variant === 'dense' && x.engine === 'qkern' && x.isa === isa)?.medianMs ?? NaN;
  return rows.map((row) => (row.engine !== 'qkern' ? row
    : { ...row, speedup: dense(row.isa) / row.medianMs, ...info?.get(rowKey(row.variant, row.isa)) }));
}

type Annotated = ResultRow & Partial<RowInfo> & { readonly speedup?: number };
/** Per build, the break-even and speedups of each case, for the targets. */
const seen = new Map<Isa, { readonly name: string; readonly breakEven: number | string; readonly speedup: ReadonlyMap<number, number> }[]>();

/** Block sparsity where time(sparse) = time(dense): linear in time between the levels around the last slower one. */
function breakEven(points: readonly (readonly [number, number])[]): number | string {
  let last = -1;
  points.forEach(([, s], i) => {
    if (!(s >= 1)) last = i;
  });
  if (last < 0) return `≤ ${Math.round(points[0]![0] * 100)}%`;
  if (last === points.length - 1) return `> ${Math.round(points[last]![0] * 100)}%`;
  const [s0, x0] = points[last]!;
  const [s1, x1] = points[last + 1]!;
  const t0 = 1 / x0;
  const t1 = 1 / x1;
  return s0 + ((t0 - 1) / (t0 - t1)) * (s1 - s0);
}

const pct = (x: number | string): string => (typeof x === 'string' ? x : `${(x * 100).toFixed(0)}%`);
const kib = (x: number): string => `${(x / 1024).toFixed(x < 100 * 1024 ? 1 : 0)} KiB`;
const times = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)}×`;

function summary(caseName: string, rows: readonly Annotated[]): string[] {
  const lines: string[] = [];
  for (const isa of [...new Set(rows.filter((x) => x.engine === 'qkern').map((x) => x.isa!))]) {
    const mine = rows.filter((x) => x.engine === 'qkern' && x.isa === isa && x.variant !== 'dense');
    const level = (v: string): number => Number(v.split('-')[1]) / 100;
    const blockRows = mine.filter((x) => x.variant.startsWith('block1x4-'));
    const points = blockRows.map((x) => [level(x.variant), x.speedup ?? NaN] as const);
    const be = breakEven(points);
    seen.set(isa, [...(seen.get(isa) ?? []), { name: caseName, breakEven: be, speedup: new Map(points) }]);
    const cell = (x: Annotated): string => `${x.variant.replace('block1x4-', '')}${x.variant.startsWith('unstructured') ? ` (${pct(x.blockSparsity ?? NaN)} zero blocks)` : ''}`;
    lines.push(`  ${caseName} ${isa.padEnd(7)} speedup ${mine.map((x) => `${cell(x)} ${times(x.speedup ?? NaN)}`).join(' · ')} · break-even ${pct(be)}`);
    const dense = rows.find((x) => x.engine === 'qkern' && x.isa === isa && x.variant === 'dense');
    lines.push(`  ${' '.repeat(caseName.length)} ${' '.repeat(7)} bytes   ${mine.map((x) => `${x.variant.replace('block1x4-', '')} ${((x.bytes ?? NaN) / (x.denseBytes ?? NaN)).toFixed(2)}`).join(' · ')}` +
      ` of dense ${kib(dense?.bytes ?? NaN)}`);
  }
  if (caseName === CASES.filter((x) => !quickRun || x.quick).at(-1)?.name) lines.push(...targets());
  return lines;
}

/** The issue's targets (simd128, and any other SIMD build measured) and each build's break-evens. */
function targets(): string[] {
  const lines = ['\n== sparse targets (speedup = qkern dense median / block1x4 median, same build) =='];
  const goals: readonly [string, readonly string[], number, number][] = [
    ['block1x4-90 ≥ 4× dense', ['196x512x512', '49x1024x1024'], 0.9, 4],
    ['block1x4-70 ≥ 1.8× dense', ['196x512x512', '49x1024x1024'], 0.7, 1.8],
    ['GEMV block1x4-90 ≥ 5× dense', ['1x4096x4096'], 0.9, 5],
  ];
  for (const [isa, cases] of seen) {
    lines.push(`  ${isa.padEnd(7)} break-even: ${cases.map((x) => `${x.name} ${pct(x.breakEven)}`).join(' · ')}`);
    if (isa === 'scalar') continue;
    const gemmCases = cases.filter((x) => !x.name.startsWith('1x'));
    const late = gemmCases.filter((x) => typeof x.breakEven === 'string' ? x.breakEven.startsWith('>') : x.breakEven > 0.5);
    if (gemmCases.length > 0) {
      lines.push(`  ${isa.padEnd(7)} ${'GEMM break-even ≤ 50%'.padEnd(30)} ${late.length === 0 ? 'met' : `MISSED on ${late.length}/${gemmCases.length}: ${late.map((x) => x.name).join(', ')}`}`);
    }
    for (const [label, names, level, goal] of goals) {
      const got = names.map((nm) => [nm, cases.find((x) => x.name === nm)?.speedup.get(level)] as const).filter(([, s]) => s !== undefined) as [string, number][];
      if (got.length === 0) continue;
      const verdict = got.every(([, s]) => s >= goal) ? 'met' : 'MISSED';
      lines.push(`  ${isa.padEnd(7)} ${label.padEnd(30)} ${verdict} (${got.map(([nm, s]) => `${nm} ${times(s)}`).join(', ')})`);
    }
  }
  seen.clear();
  infos.clear();
  return lines;
}

export const sparseSuite: Suite<SparseCase> & { summary: typeof summary; annotate: typeof annotate } = { name: 'sparse', cases: CASES, setup, summary, annotate };
