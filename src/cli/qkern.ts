#!/usr/bin/env node
// `npx qkern run MODEL`: loads a TFLite int8 model file, prints its inputs and outputs, runs it on an
// input file (raw bytes in the input's layout) or on a seeded synthetic input, and prints the top
// outputs, a per-operator timing table and the median latency.
//
// usage: qkern run MODEL [--input FILE] [--build auto|scalar|simd128|relaxed] [--runs N] [--numerics litert|reference]
// Anything else is an error with the usage (exit code 1). test/engines/qkern-cli.test.ts runs it.

import { createQkern, type Isa } from "../index.js";
import { loadModel, type Model } from "../tflite/load.js";

// The CLI runs in Node; the library itself does not depend on Node types.
declare const process: { readonly argv: string[]; exitCode?: number };

const USAGE = "usage: qkern run MODEL [--input FILE] [--build auto|scalar|simd128|relaxed] [--runs N] [--numerics litert|reference]";
const OPTIONS = ["input", "build", "runs", "numerics"];

function parse(argv: readonly string[]): { command: string; model: string; options: Map<string, string> } {
  const [command, model, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === undefined) throw new Error(USAGE);
  if (command !== "run") throw new Error(`unknown command ${command}\n${USAGE}`);
  if (model === undefined || model.startsWith("--")) throw new Error(`run needs a model file\n${USAGE}`);
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]!.startsWith("--") ? rest[i]!.slice(2) : "";
    if (!OPTIONS.includes(name)) throw new Error(`unknown argument ${rest[i]}\n${USAGE}`);
    if (rest[i + 1] === undefined || rest[i + 1]!.startsWith("--")) throw new Error(`--${name} needs a value\n${USAGE}`);
    options.set(name, rest[i + 1]!);
  }
  return { command, model, options };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A deterministic input in the dtype's range (no input file given). */
function syntheticInput(size: number, dtype: "int8" | "uint8"): Int8Array | Uint8Array {
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
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

async function main(): Promise<void> {
  const { model: file, options } = parse(process.argv.slice(2));
  const runs = Number(options.get("runs") ?? 10);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${options.get("runs")}\n${USAGE}`);
  const numerics = options.get("numerics") ?? "litert";
  if (numerics !== "litert" && numerics !== "reference") throw new Error(`--numerics must be litert or reference, got ${numerics}\n${USAGE}`);
  const fs = (await import("node:fs" as string)) as { readFileSync(path: string): Uint8Array };
  const bytes = new Uint8Array(fs.readFileSync(file));
  const qk = await createQkern({ isa: (options.get("build") ?? "auto") as Isa | "auto" });
  const t0 = performance.now();
  using model = loadModel(qk, bytes, { numerics });
  printModel(model, file, performance.now() - t0);
  const inputs = model.inputs.map((t, i) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const path = options.get("input");
    if (path === undefined || i > 0) {
      console.log(`  (no --input: ${t.name} gets a seeded synthetic ${t.dtype} input)`);
      return syntheticInput(size, t.dtype);
    }
    const raw = new Uint8Array(fs.readFileSync(path));
    if (raw.byteLength !== size) throw new Error(`--input ${path} has ${raw.byteLength} bytes; ${t.name} is ${t.dtype}[${t.shape.join(",")}] = ${size} bytes`);
    return t.dtype === "int8" ? new Int8Array(raw.buffer, raw.byteOffset, size) : raw;
  });
  let outputs = model.run(inputs);
  const times: number[] = [];
  const perOp = new Map<string, { count: number; ms: number[] }>();
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    outputs = model.run(inputs);
    times.push(performance.now() - s);
    for (const t of model.timings) {
      const e = perOp.get(t.op) ?? { count: 0, ms: [] };
      if (r === 0) e.count++;
      e.ms.push(t.ms);
      perOp.set(t.op, e);
    }
  }
  model.outputs.forEach((t, i) => {
    const y = outputs[i]!;
    const top = [...y.keys()].sort((a, b) => y[b]! - y[a]! || a - b).slice(0, 5);
    console.log(`\n${t.name}: top ${top.length}: ${top.map((j) => `${j} (${y[j]}, ${((y[j]! - t.zeroPoint) * t.scale).toPrecision(4)})`).join(", ")}`);
  });
  const total = median(times);
  console.log(`\nper operator type (median over ${runs} runs; sum of the operator's calls per run):`);
  console.log(`  ${"op".padEnd(20)} ${"calls".padStart(5)} ${"ms".padStart(9)} ${"share".padStart(7)}`);
  const rows = [...perOp].map(([op, e]) => ({ op, count: e.count, ms: e.ms.reduce((a, b) => a + b, 0) / runs })).sort((a, b) => b.ms - a.ms);
  for (const r of rows) console.log(`  ${r.op.padEnd(20)} ${String(r.count).padStart(5)} ${r.ms.toFixed(3).padStart(9)} ${((100 * r.ms) / total).toFixed(1).padStart(6)}%`);
  console.log(`\nmedian latency: ${total.toFixed(2)} ms over ${runs} runs (build ${qk.isa})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
