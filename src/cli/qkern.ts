#!/usr/bin/env node
// `npx qkern run MODEL`: loads a TFLite int8 model file, prints its inputs and outputs, runs it on an
// input file (raw bytes in the input's layout) or on a seeded synthetic input, and prints the top
// outputs, a per-operator timing table and the median latency.
//
// usage: qkern run MODEL [--input FILE] [--build auto|scalar|simd128|relaxed] [--runs N] [--numerics litert|reference]
// Anything else is an error with the usage (exit code 1). test/engines/qkern-cli.test.ts runs it.

import { runModelFile } from "./run-model.js";

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

async function main(): Promise<void> {
  const { model: file, options } = parse(process.argv.slice(2));
  const runs = Number(options.get("runs") ?? 10);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${options.get("runs")}\n${USAGE}`);
  const numerics = options.get("numerics") ?? "litert";
  if (numerics !== "litert" && numerics !== "reference") throw new Error(`--numerics must be litert or reference, got ${numerics}\n${USAGE}`);
  await runModelFile(file, { input: options.get("input"), build: options.get("build"), runs, numerics });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
