#!/usr/bin/env node
// `npx qkern run MODEL`: loads a TFLite int8 model file, prints its inputs and outputs, runs it on an
// input file (raw bytes in the input's layout) or on a seeded synthetic input, and prints the top
// outputs, a per-operator timing table and the median latency.
// `npx qkern bench MODEL`: the same model on every qkern build this engine runs and on LiteRT.js
// (when @litertjs/core is installed), outputs compared, interleaved timing, ratios.
//
// usage: qkern run MODEL [--input FILE] [--build auto|scalar|simd128|relaxed] [--runs N] [--numerics litert|reference]
//        qkern bench MODEL [--input FILE] [--rounds N] [--runs N] [--numerics litert|reference]
// Anything else is an error with the usage (exit code 1). test/engines/qkern-cli.test.ts runs it.

import { benchModelFile } from "./bench-model.js";
import { runModelFile } from "./run-model.js";

// The CLI runs in Node; the library itself does not depend on Node types.
declare const process: { readonly argv: string[]; exitCode?: number };

const USAGE = [
  "usage: qkern run MODEL [--input FILE] [--build auto|scalar|simd128|relaxed] [--runs N] [--numerics litert|reference]",
  "       qkern bench MODEL [--input FILE] [--rounds N] [--runs N] [--numerics litert|reference]",
].join("\n");
const OPTIONS: Readonly<Record<string, readonly string[]>> = { run: ["input", "build", "runs", "numerics"], bench: ["input", "rounds", "runs", "numerics"] };

function parse(argv: readonly string[]): { command: string; model: string; options: Map<string, string> } {
  const [command, model, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === undefined) throw new Error(USAGE);
  if (command !== "run" && command !== "bench") throw new Error(`unknown command ${command}\n${USAGE}`);
  if (model === undefined || model.startsWith("--")) throw new Error(`${command} needs a model file\n${USAGE}`);
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]!.startsWith("--") ? rest[i]!.slice(2) : "";
    if (!OPTIONS[command]!.includes(name)) throw new Error(`unknown argument ${rest[i]}\n${USAGE}`);
    if (rest[i + 1] === undefined || rest[i + 1]!.startsWith("--")) throw new Error(`--${name} needs a value\n${USAGE}`);
    options.set(name, rest[i + 1]!);
  }
  return { command, model, options };
}

async function main(): Promise<void> {
  const { command, model: file, options } = parse(process.argv.slice(2));
  const count = (name: string, fallback: number): number => {
    const v = Number(options.get(name) ?? fallback);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number >= 1, got ${options.get(name)}\n${USAGE}`);
    return v;
  };
  const numerics = options.get("numerics") ?? "litert";
  if (numerics !== "litert" && numerics !== "reference") throw new Error(`--numerics must be litert or reference, got ${numerics}\n${USAGE}`);
  if (command === "bench") await benchModelFile(file, { input: options.get("input"), rounds: count("rounds", 15), runs: count("runs", 5), numerics });
  else await runModelFile(file, { input: options.get("input"), build: options.get("build"), runs: count("runs", 10), numerics });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
