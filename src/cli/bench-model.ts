// `npx qkern bench MODEL`: the model on every qkern build this engine runs and on LiteRT.js (each of
// its wasm builds this process runs, when @litertjs/core is installed), same input, one process,
// interleaved rounds; outputs compared byte for byte first; median latency and ratios.

import { QkernError } from "../errors.js";
import { createQkern, type Isa } from "../index.js";
import { decodeTflite } from "../tflite/model.js";
import { loadModel, type Model } from "../tflite/load.js";
import { encodeTflite } from "../tflite/writer.js";
import { litertVariantAvailable, loadLitert, type LitertArray, type LitertVariant } from "./litert.js";
import { median, readInputs } from "./run-model.js";

/** Options of benchModelFile. */
export interface BenchModelOptions {
  readonly input?: string | undefined;
  /** Interleaved rounds; each engine runs `runs` times per round. */
  readonly rounds: number;
  readonly runs: number;
  readonly numerics: "litert" | "reference";
}

interface Engine {
  readonly name: string;
  readonly run: () => ArrayLike<number>[];
  readonly dispose: () => void;
  readonly times: number[];
}

/** Runs the comparison and prints it. */
export async function benchModelFile(file: string, options: BenchModelOptions): Promise<void> {
  const fs = (await import("node:fs" as string)) as { readFileSync(path: string): Uint8Array };
  const bytes = new Uint8Array(fs.readFileSync(file));
  const engines: Engine[] = [];
  const notes: string[] = [];
  let first: Model | undefined;
  let inputs: Array<Int8Array | Uint8Array | Float32Array> = [];
  for (const isa of ["scalar", "simd128", "relaxed"] as Isa[]) {
    let qk;
    try {
      qk = await createQkern({ isa });
    } catch (e) {
      notes.push(`qkern ${isa}: not in this engine (${e instanceof QkernError ? e.message : String(e)})`);
      continue;
    }
    const model = loadModel(qk, bytes, { numerics: options.numerics });
    if (first === undefined) {
      first = model;
      inputs = await readInputs(model, options.input, fs);
    }
    engines.push({ name: `qkern ${isa}`, run: () => model.run(inputs), dispose: () => model.dispose(), times: [] });
  }
  if (first === undefined) throw new Error("no qkern build runs in this engine");
  for (const variant of ["simd", "relaxed"] as LitertVariant[]) {
    try {
      const available = await litertVariantAvailable(variant);
      if (!available.ok) {
        notes.push(`LiteRT.js ${variant}: ${available.reason}`);
        continue;
      }
      const litert = await loadLitert(variant);
      // Re-encoded by qkern: LiteRT refuses rank-1 tensors whose quantization names an axis beyond 0
      // (person_detect's biases), which qkern's decoder reads along the only axis: the same model.
      const model = await litert.compile(encodeTflite(decodeTflite(bytes)));
      const peerInputs = inputs as LitertArray[];
      engines.push({ name: `LiteRT.js ${variant}`, run: () => model.run(peerInputs), dispose: () => { model.dispose(); litert.dispose(); }, times: [] });
    } catch (e) {
      notes.push(`LiteRT.js ${variant}: not available (${String(e instanceof Error ? e.message : e).split("\n")[0]}; install @litertjs/core to compare)`);
    }
  }
  try {
    const expected = engines[0]!.run();
    console.log(`${file}: ${first.graph.operators.length} operators, ${(first.operations / 1e6).toFixed(1)} M operations per run, numerics ${first.numerics}`);
    for (const n of notes) console.log(`  (${n})`);
    console.log(`\noutputs (every output byte compared with ${engines[0]!.name}):`);
    for (const e of engines.slice(1)) {
      const got = e.run();
      const diff = expected.reduce((s, y, i) => s + countDiff(y, got[i]!), 0);
      const total = expected.reduce((s, y) => s + y.length, 0);
      const why = diff > 0 && e.name.startsWith("LiteRT") && options.numerics !== "litert" ? " (expected: --numerics reference computes TFLite's reference kernels, not LiteRT's)" : "";
      console.log(`  ${e.name.padEnd(18)} ${diff === 0 ? "identical" : `${diff} of ${total} differ${why}`}`);
    }
    for (const e of engines) for (let i = 0; i < 3; i++) e.run();
    for (let r = 0; r < options.rounds; r++) {
      for (const e of engines) {
        const t: number[] = [];
        for (let i = 0; i < options.runs; i++) {
          const s = performance.now();
          e.run();
          t.push(performance.now() - s);
        }
        e.times.push(median(t));
      }
    }
    const rows = engines.map((e) => ({ name: e.name, ms: median(e.times) }));
    const peers = rows.filter((r) => r.name.startsWith("LiteRT"));
    const best = peers.length > 0 ? Math.min(...peers.map((r) => r.ms)) : null;
    console.log(`\nlatency (median over ${options.rounds} interleaved rounds of the median of ${options.runs} runs):`);
    console.log(`  ${"engine".padEnd(18)} ${"ms".padStart(9)} ${"GOPS".padStart(7)} ${best === null ? "" : "vs fastest LiteRT.js".padStart(21)}`);
    for (const r of rows) {
      const gops = first.operations / (r.ms * 1e6);
      console.log(`  ${r.name.padEnd(18)} ${r.ms.toFixed(3).padStart(9)} ${gops.toFixed(2).padStart(7)} ${best === null ? "" : `${(best / r.ms).toFixed(2)}×`.padStart(21)}`);
    }
  } finally {
    for (const e of engines) e.dispose();
  }
}

function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
