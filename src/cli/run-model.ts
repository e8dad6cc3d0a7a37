// Running a TFLite model file from the command line: shared by `npx qkern run` and `npm start -- --model FILE`.

import { createQkern, type Isa } from "../index.js";
import { loadModel, type Model } from "../tflite/load.js";

/** Options of runModelFile. */
export interface RunModelOptions {
  readonly input?: string | undefined;
  readonly build?: string | undefined;
  readonly runs: number;
  readonly numerics: "litert" | "reference";
}

/** Median of a list of times. */
export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A deterministic input in the dtype's range (no input file given). */
function syntheticInput(size: number, dtype: "int8" | "uint8" | "float32"): Int8Array | Uint8Array | Float32Array {
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  if (dtype === "float32") return Float32Array.from({ length: size }, () => (next() - 128) / 64);
  return dtype === "int8" ? Int8Array.from({ length: size }, () => next() - 128) : Uint8Array.from({ length: size }, () => next());
}

function printModel(m: Model, file: string, loadMs: number): void {
  const ops = new Map<string, number>();
  for (const o of m.graph.operators) ops.set(o.op, (ops.get(o.op) ?? 0) + 1);
  console.log(`${file}: ${m.graph.operators.length} operators (${[...ops].map(([k, v]) => `${k} ×${v}`).join(", ")}), loaded in ${loadMs.toFixed(1)} ms, numerics ${m.numerics}, build ${m.qk.isa}`);
  for (const [label, list] of [["input", m.inputs], ["output", m.outputs]] as const) {
    for (const t of list) console.log(`  ${label} ${t.name}: ${t.dtype}[${t.shape.join(",")}] scale ${t.scale} zero point ${t.zeroPoint}`);
  }
}

/** The model's inputs: the raw bytes of `path` for the first (in its layout and dtype), seeded synthetic data otherwise. */
export async function readInputs(model: Model, path: string | undefined, fs: { readFileSync(path: string): Uint8Array }): Promise<Array<Int8Array | Uint8Array | Float32Array>> {
  return model.inputs.map((t, i) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (path === undefined || i > 0) {
      console.log(`  (no --input: ${t.name} gets a seeded synthetic ${t.dtype} input)`);
      return syntheticInput(size, t.dtype);
    }
    const raw = new Uint8Array(fs.readFileSync(path));
    const bytes = t.dtype === "float32" ? 4 * size : size;
    if (raw.byteLength !== bytes) throw new Error(`--input ${path} has ${raw.byteLength} bytes; ${t.name} is ${t.dtype}[${t.shape.join(",")}] = ${bytes} bytes`);
    if (t.dtype === "float32") return new Float32Array(raw.slice().buffer, 0, size);
    return t.dtype === "int8" ? new Int8Array(raw.buffer, raw.byteOffset, size) : raw;
  });
}

/** Loads `file`, runs it on `options.input` (raw bytes) or a seeded input, prints top outputs, a per-operator table and the latency. */
export async function runModelFile(file: string, options: RunModelOptions): Promise<void> {
  const { runs, numerics } = options;
  const fs = (await import("node:fs" as string)) as { readFileSync(path: string): Uint8Array };
  const bytes = new Uint8Array(fs.readFileSync(file));
  const qk = await createQkern({ isa: (options.build ?? "auto") as Isa | "auto" });
  const t0 = performance.now();
  using model = loadModel(qk, bytes, { numerics });
  printModel(model, file, performance.now() - t0);
  const inputs = await readInputs(model, options.input, fs);
  let outputs = model.run(inputs);
  const times: number[] = [];
  // Per operator (by position in the run): its times over the runs; medians resist the odd slow run.
  const perStep: number[][] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    outputs = model.run(inputs);
    times.push(performance.now() - s);
    model.timings.forEach((t, i) => (perStep[i] ??= []).push(t.ms));
  }
  const perOp = new Map<string, { count: number; ms: number }>();
  model.timings.forEach((t, i) => {
    const e = perOp.get(t.op) ?? { count: 0, ms: 0 };
    perOp.set(t.op, { count: e.count + 1, ms: e.ms + median(perStep[i]!) });
  });
  model.outputs.forEach((t, i) => {
    const y = outputs[i]!;
    const top = [...y.keys()].sort((a, b) => y[b]! - y[a]! || a - b).slice(0, 5);
    console.log(`\n${t.name}: top ${top.length}: ${top.map((j) => `${j} (${y[j]}, ${((y[j]! - t.zeroPoint) * t.scale).toPrecision(4)})`).join(", ")}`);
  });
  const total = median(times);
  console.log(`\nper operator type (sum over its calls of each call's median over ${runs} runs):`);
  console.log(`  ${"op".padEnd(20)} ${"calls".padStart(5)} ${"ms".padStart(9)} ${"share".padStart(7)}`);
  const rows = [...perOp].map(([op, e]) => ({ op, ...e })).sort((a, b) => b.ms - a.ms);
  for (const r of rows) console.log(`  ${r.op.padEnd(20)} ${String(r.count).padStart(5)} ${r.ms.toFixed(3).padStart(9)} ${((100 * r.ms) / total).toFixed(1).padStart(6)}%`);
  console.log(`\nmedian latency: ${total.toFixed(2)} ms over ${runs} runs (build ${qk.isa})`);
}
