// `npm start`: the showcase on an embedded default. Builds MobileNetV2 (or another built-in model)
// with deterministic weights, calibrates int8 activations on synthetic images, then times the
// float32 reference and the int8 network (and an int8 variant with pruned, sparse 1×1 layers),
// prints a per-layer table, model sizes, and how closely int8 agrees with float.
//
// Then the int8 network is written as a TFLite file by qkern itself (tfliteFromSpec) and run through
// the TFLite loader, checked byte-identical. `--model FILE.tflite [--input FILE]` runs a model file
// instead (as `npx qkern run`).
//
// Options: --model mobilenetv2 | squeezenet1.1 | efficientnet-lite0 | FILE.tflite, --input FILE, --runs N (default 10),
// --calibration N (images, default 4), --isa auto | scalar | simd128 | relaxed, --help. Anything
// else is an error with the usage (exit code 1). test/engines/cli.test.ts runs it.

import {
  MODELS, FloatNetwork, QuantizedNetwork, calibrate, createQkern, detect, loadModel, quantize, sqnr, syntheticImage, tfliteFromSpec, tfliteParams, topK,
  type Isa, type LayerTiming, type ModelSpec, type ActivationParams, type Qkern, type RunResult,
} from "../index.js";
import { runModelFile } from "./run-model.js";

// The CLI runs in Node; the library itself does not depend on Node types.
declare const process: { readonly argv: string[]; exitCode?: number; readonly stdout: { readonly isTTY?: boolean; write(s: string): boolean } };

const USAGE = `usage: npm start -- [--model ${Object.keys(MODELS).join(" | ")} | FILE.tflite [--input FILE]] [--runs N] [--calibration N] [--isa auto | scalar | simd128 | relaxed]`;
const OPTIONS = ["model", "runs", "calibration", "isa", "input"];

/** `--name value` pairs; anything else (an unknown option, a missing value, a stray word) is an error naming it. */
function parseOptions(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!.startsWith("--") ? argv[i]!.slice(2) : "";
    if (!OPTIONS.includes(name)) throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    if (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--")) throw new Error(`--${name} needs a value\n${USAGE}`);
    out.set(name, argv[i + 1]!);
  }
  return out;
}

/** A whole number ≥ 1 given for `--name`. */
function count(options: Map<string, string>, name: string, fallback: number): number {
  const v = options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got ${v}\n${USAGE}`);
  return n;
}

const tty = process.stdout.isTTY === true;
function progress(label: string, done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `${label.padEnd(28)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`;
  if (tty) process.stdout.write(`\r${line}${done === total ? "\n" : ""}`);
  else if (done === total) console.log(line);
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timeRuns(label: string, net: FloatNetwork | QuantizedNetwork, image: Float32Array, runs: number): RunResult[] {
  net.run(image); // warm-up: compiles the hot paths
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(net.run(image));
    progress(label, i + 1, runs);
  }
  return results;
}

function layerTable(results: RunResult[]): void {
  const total = median(results.map((r) => r.ms));
  const layers = results[0]!.layers;
  console.log(`\n  ${"layer".padEnd(12)} ${"op".padEnd(9)} ${"output shape".padEnd(18)} ${"ms".padStart(7)} ${"share".padStart(6)}`);
  layers.forEach((l: LayerTiming, i) => {
    const ms = median(results.map((r) => r.layers[i]!.ms));
    console.log(`  ${l.name.padEnd(12)} ${l.op.padEnd(9)} ${`[${l.shape.join(",")}]`.padEnd(18)} ${ms.toFixed(3).padStart(7)} ${((ms / total) * 100).toFixed(1).padStart(5)}%`);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const options = parseOptions(args);
  const modelName = options.get("model") ?? "mobilenetv2";
  if (modelName.endsWith(".tflite")) {
    await runModelFile(modelName, { input: options.get("input"), build: options.get("isa"), runs: count(options, "runs", 10), numerics: "litert" });
    return;
  }
  if (options.has("input")) throw new Error(`--input goes with --model FILE.tflite\n${USAGE}`);
  const build = MODELS[modelName];
  if (!build) throw new Error(`unknown --model ${modelName}; choose one of ${Object.keys(MODELS).join(", ")}`);
  const runs = count(options, "runs", 10);
  const calibrationImages = count(options, "calibration", 4);
  const isa = (options.get("isa") ?? "auto") as Isa | "auto";
  const qk = await createQkern({ isa });
  const features = detect();
  console.log(`qkern showcase — ${modelName}, build ${qk.isa} (SIMD ${features.simd128 ? "yes" : "no"}, relaxed SIMD ${features.relaxedSimd ? "yes" : "no"})`);
  const spec = build();
  const images = Array.from({ length: calibrationImages }, (_, i) => syntheticImage(spec.inputShape, 100 + i));
  // The TFLite converter's constraints (concat inputs share the concat's parameters), so that the
  // network and its TFLite file below are the same graph; ADD layers as LiteRT computes them, as the
  // loaded file does.
  const params = tfliteParams(spec, calibrate(qk, spec, images, { onProgress: (d, t) => progress("calibrating (float32 runs)", d, t) }));
  using floatNet = new FloatNetwork(qk, spec);
  using int8Net = new QuantizedNetwork(qk, spec, params, { addNumerics: "litert" });
  using sparseNet = new QuantizedNetwork(qk, spec, params, { pointwiseSparsity: 0.7 });

  const image = syntheticImage(spec.inputShape, 7);
  const f = timeRuns("float32 reference", floatNet, image, runs);
  const q = timeRuns("int8", int8Net, image, runs);
  const s = timeRuns("int8, 1×1 layers 70% sparse", sparseNet, image, runs);
  console.log(`\nint8 network, per layer (median of ${runs} runs):`);
  layerTable(q);

  const fMs = median(f.map((r) => r.ms));
  const rows: [string, number, number][] = [
    ["float32 reference", fMs, floatNet.weightBytes],
    ["int8 (per-channel weights)", median(q.map((r) => r.ms)), int8Net.weightBytes],
    ["int8, 1×1 layers 70% sparse", median(s.map((r) => r.ms)), sparseNet.weightBytes],
  ];
  console.log(`\n  ${"network".padEnd(28)} ${"latency".padStart(10)} ${"speedup".padStart(8)} ${"packed weights".padStart(15)} ${"of f32".padStart(7)}`);
  for (const [name, ms, bytes] of rows) {
    console.log(`  ${name.padEnd(28)} ${`${ms.toFixed(2)} ms`.padStart(10)} ${`${(fMs / ms).toFixed(2)}×`.padStart(8)} ${`${(bytes / 1e6).toFixed(2)} MB`.padStart(15)} ${`${((bytes / rows[0]![2]) * 100).toFixed(1)}%`.padStart(7)}`);
  }
  console.log(`  int8 model file size (int8 weights, int32 biases, float32 scales): ${(int8Net.modelBytes / 1e6).toFixed(2)} MB, ` +
    `${((int8Net.modelBytes / floatNet.weightBytes) * 100).toFixed(1)}% of float32`);

  // Agreement with the float network on seeded inputs it was not calibrated on.
  let top1 = 0;
  let top5 = 0;
  let sqnrSum = 0;
  let top5Sparse = 0;
  const seeds = [1, 2, 3, 4, 5];
  for (const seed of seeds) {
    const img = syntheticImage(spec.inputShape, seed);
    const fl = floatNet.run(img).logits;
    const ql = int8Net.run(img).logits;
    const sl = sparseNet.run(img).logits;
    const tf = topK(fl, 5);
    const tq = topK(ql, 5);
    if (tf[0] === tq[0]) top1++;
    top5 += tf.filter((c) => tq.includes(c)).length;
    top5Sparse += tf.filter((c) => topK(sl, 5).includes(c)).length;
    sqnrSum += sqnr(fl, ql);
  }
  console.log(`\nagreement with float32 over ${seeds.length} seeded images:`);
  console.log(`  int8: top-1 ${top1}/${seeds.length}, top-5 overlap ${(top5 / seeds.length).toFixed(1)}/5, logits SQNR ${(sqnrSum / seeds.length).toFixed(1)} dB`);
  console.log(`  int8 with 70% sparse 1×1 layers (pruned after training, no fine-tuning): top-5 overlap ${(top5Sparse / seeds.length).toFixed(1)}/5`);
  tfliteSection(qk, spec, params, int8Net, image, runs, median(q.map((r) => r.ms)));
  console.log(`\nweights are deterministic synthetic ones (no download); load your own with the weight API (README).`);
  console.log(`run your own TFLite int8 file: npx qkern run model.tflite --input input.bin (or npm start -- --model model.tflite --input input.bin)`);
}

/** The same int8 network as a .tflite file qkern writes itself, loaded and run through the TFLite loader. */
function tfliteSection(qk: Qkern, spec: ModelSpec, params: ActivationParams, net: QuantizedNetwork, image: Float32Array, runs: number, netMs: number): void {
  let bytes: Uint8Array;
  try {
    bytes = tfliteFromSpec(spec, params);
  } catch (e) {
    console.log(`\n(${spec.name} cannot be written as TFLite yet: ${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  let model;
  const t0 = performance.now();
  try {
    model = loadModel(qk, bytes);
  } catch (e) {
    console.log(`\n(${spec.name} written as TFLite, but the loader cannot run it yet: ${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  using m = model;
  const loadMs = performance.now() - t0;
  const inQuant = m.inputs[0]!;
  using x = qk.tensor(image, spec.inputShape);
  using xq = quantize(x, { dtype: "int8", scale: inQuant.scale, zeroPoint: inQuant.zeroPoint });
  const input = (xq.data as Int8Array).slice();
  let logits = m.run([input])[0]!;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    logits = m.run([input])[0]!;
    times.push(performance.now() - s);
  }
  let reference: Int8Array | Uint8Array | undefined;
  net.run(image, (name, t) => {
    if (name === spec.output) reference = (t.data as Int8Array).slice();
  });
  const same = reference !== undefined && reference.length === logits.length && reference.every((v, i) => v === logits[i]);
  console.log(`\nthe int8 network as a TFLite file qkern writes itself (${(bytes.byteLength / 1e6).toFixed(2)} MB), through loadModel:`);
  console.log(`  loaded in ${loadMs.toFixed(1)} ms; ${median(times).toFixed(2)} ms per run (the network above: ${netMs.toFixed(2)} ms); int8 logits identical to the network's: ${same ? "yes" : "NO"}`);
}

try {
  await main();
} catch (e) {
  console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
