// Suite `models`: real TFLite int8 models (tflite-micro's, read from <repo>/../shared/models or
// QKERN_SHARED_MODELS; never committed) run through qkern's loader (every build, 'litert' numerics)
// and through LiteRT.js (peers/litert.ts: its SIMD128 build, and its relaxed-SIMD build where this
// process runs it), interleaved in one process on the same input. Latency = median over rounds of
// each engine's median call; GOPS = 2·MACs of the CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
// operators per inference. Checked once per case before timing (a MISMATCH fails the run): every
// qkern build's output bytes identical to LiteRT.js's.
// Cases whose files are missing are skipped with a line saying so. Inputs are the shared folder's
// where one exists (the dog photo), seeded otherwise (person_detect's BMPs need decoding: the
// input's content does not change the work).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTflite, encodeTflite, loadModel, type Model } from 'qkern';
import { layerReport, type LayerSample } from '../layer-report.js';
import { litertVariantAvailable, loadLitert, type Litert, type LitertModel, type LitertVariant } from '../../peers/litert.js';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';

interface ModelCase {
  readonly name: string;
  readonly file: string;
  /** The input bytes: a file of the shared folder, or seeded when null. */
  readonly input: string | null;
  readonly quick: boolean;
}

const CASES: readonly ModelCase[] = [
  { name: 'mobilenet_v2', file: 'mobilenet_v2_quantized_1x3x224x224.tflite', input: 'dog_1x3x224x224.int8.bin', quick: true },
  { name: 'person_detect', file: 'person_detect.tflite', input: null, quick: true },
  { name: 'micro_speech', file: 'micro_speech_quantized.tflite', input: null, quick: true },
  { name: 'hello_world', file: 'hello_world_int8.tflite', input: null, quick: false },
];

const DIR = process.env['QKERN_SHARED_MODELS'] ?? fileURLToPath(new URL('../../../../shared/models/', import.meta.url));

function seeded(size: number): Int8Array {
  let s = 1234;
  return Int8Array.from({ length: size }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24) - 128);
}

const literts = new Map<LitertVariant, Promise<Litert>>();

const reports = new Map<string, readonly string[]>();

/** Each operator's times over `runs` runs, with its multiply-adds (the per-layer ceiling report). */
function operatorSamples(model: Model, input: Int8Array, runs: number): LayerSample[] {
  const ms: number[][] = [];
  for (let r = 0; r < runs; r++) {
    model.run([input]);
    model.timings.forEach((t, i) => (ms[i] ??= []).push(t.ms));
  }
  const g = model.graph;
  return model.timings.map((t, i) => {
    const o = g.operators[t.index]!;
    const out = g.tensors[o.outputs[0]!]!.shape;
    const w = o.inputs[1] !== undefined && o.inputs[1] >= 0 ? g.tensors[o.inputs[1]]!.shape : [];
    const size = out.reduce((a, b) => a * b, 1);
    const macs = o.op === 'CONV_2D' ? size * w[1]! * w[2]! * w[3]! : o.op === 'DEPTHWISE_CONV_2D' ? size * w[1]! * w[2]! : o.op === 'FULLY_CONNECTED' ? size * w[1]! : 0;
    const op = o.op === 'CONV_2D' ? `CONV_2D ${w[1]}x${w[2]}` : o.op === 'DEPTHWISE_CONV_2D' ? `DEPTHWISE ${w[1]}x${w[2]}/${o.options.strideH}` : o.op;
    return { name: `${t.index}`, op, shape: out, ms: ms[i]!, macs };
  });
}

export const modelsSuite: Suite<ModelCase> & { summary(caseName: string): readonly string[] } = {
  name: 'models',
  cases: CASES,
  summary(caseName: string): readonly string[] {
    const lines = reports.get(caseName) ?? [];
    reports.delete(caseName);
    return lines;
  },
  async setup(c: ModelCase, ctx: Context): Promise<CaseRun> {
    if ((ctx.quick && !c.quick) || !existsSync(path.join(DIR, c.file)) || (c.input !== null && !existsSync(path.join(DIR, c.input)))) {
      if (!ctx.quick || c.quick) console.log(`models: ${c.name} skipped (${c.file} or its input not found in ${DIR}; set QKERN_SHARED_MODELS)`);
      return { variants: [], teardown() {} };
    }
    const bytes = new Uint8Array(readFileSync(path.join(DIR, c.file)));
    const models = ctx.qkerns.filter((qk) => !(ctx.quick && qk.isa === 'scalar')).map((qk) => loadModel(qk, bytes));
    const info = models[0]!.inputs[0]!;
    const size = info.shape.reduce((a, b) => a * b, 1);
    const input = c.input === null ? seeded(size) : new Int8Array(readFileSync(path.join(DIR, c.input)).buffer.slice(0));
    const expected = models[0]!.run([input])[0]!;
    const peers: Array<{ variant: LitertVariant; model: LitertModel }> = [];
    for (const variant of ['simd', 'relaxed'] as const) {
      if (!(await litertVariantAvailable(variant)).ok) continue;
      if (!literts.has(variant)) literts.set(variant, loadLitert(variant));
      // LiteRT (as TFLite's interpreter) refuses files whose rank-1 tensors name a quantized dimension
      // beyond axis 0 (person_detect's depthwise biases; tflite-micro does not check). qkern's
      // decoder reads such scales along the only axis and its writer writes axis 0: the same model.
      const model = await (await literts.get(variant)!).compile(encodeTflite(decodeTflite(bytes)));
      peers.push({ variant, model });
      const got = model.run([input])[0]! as Int8Array;
      ctx.check(c.name, `LiteRT.js ${variant} vs qkern ${models[0]!.qk.isa}`, countMismatches(got, expected), expected.length);
    }
    for (const m of models.slice(1)) ctx.check(c.name, `qkern ${m.qk.isa} vs ${models[0]!.qk.isa}`, countMismatches(m.run([input])[0]!, expected), expected.length);
    const main = models.find((m) => m.qk.isa === 'simd128') ?? models[0]!;
    reports.set(c.name, await layerReport(`${c.name} qkern/${main.qk.isa}`, operatorSamples(main, input, 10)));
    const tasks: Array<EngineTask & { variant: string }> = [
      ...models.map((m) => ({ engine: 'qkern' as const, isa: m.qk.isa, variant: 'int8', fn: () => m.run([input]) })),
      ...peers.map((p) => ({ engine: 'litert' as const, isa: null, variant: `int8-${p.variant}`, fn: () => p.model.run([input]) })),
    ];
    return {
      variants: [{ name: 'int8', unit: 'gops', work: models[0]!.operations, tasks }],
      teardown() {
        for (const m of models) m.dispose();
        for (const p of peers) p.model.dispose();
      },
    };
  },
};
