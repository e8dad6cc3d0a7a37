// `npm start` (dist/cli/start.js, built by `npm test` before vitest runs): a short real run of the
// showcase prints the per-layer table, the latency/size table and the agreement lines; bad
// arguments are a one-line error with the usage and exit code 1; --help prints the usage.
import path from "node:path";
import { expect, it } from "vitest";
import { root, run } from "../support/engines.js";
import { describeInDefaultRun } from "../support/helpers.js";
import { sharedModels } from "../support/shared-models.js";

const start = path.join(root, "dist", "cli", "start.js");

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [start, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describeInDefaultRun("npm start", () => {
  it("runs a model end to end: layer table, latency and size table, agreement with float32", async () => {
    const r = await cli(["--model", "squeezenet1.1", "--runs", "1", "--calibration", "1", "--isa", "simd128"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/qkern showcase — squeezenet1\.1, build simd128/);
    expect(r.stdout).toMatch(/int8 network, per layer/);
    expect(r.stdout).toMatch(/float32 reference\s+[\d.]+ ms\s+1\.00×/);
    expect(r.stdout).toMatch(/int8 \(per-channel weights\)\s+[\d.]+ ms/);
    expect(r.stdout).toMatch(/int8: top-1 \d\/5, top-5 overlap [\d.]+\/5, logits SQNR [\d.]+ dB/);
  });

  it("mobilenetv2: the int8 network is written as a TFLite file and run through loadModel with identical logits", async () => {
    const r = await cli(["--model", "mobilenetv2", "--runs", "1", "--calibration", "1", "--isa", "simd128"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the int8 network as a TFLite file qkern writes itself \([\d.]+ MB\), through loadModel/);
    expect(r.stdout).toMatch(/loaded in [\d.]+ ms; [\d.]+ ms per run \(the network above: [\d.]+ ms\); int8 logits identical to the network's: yes/);
    expect(r.stdout).toMatch(/run your own TFLite int8 file: npx qkern run model\.tflite/);
  }, 180_000);

  const shared = sharedModels();
  const files = ["mobilenet_v2_quantized_1x3x224x224.tflite", "dog_1x3x224x224.int8.bin"];
  shared.it("--model FILE.tflite --input FILE runs a model file (the real MobileNetV2 and the dog photo of ../shared)", files, async () => {
    const r = await cli(["--model", shared.path(files[0]!), "--input", shared.path(files[1]!), "--runs", "1", "--isa", "simd128"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/top 5: 258 \(107, [\d.]+\), 259 \(84/);
  }, 120_000);

  it("refuses unknown or incomplete arguments with the usage; --help prints it", async () => {
    for (const [args, message] of [
      [["--bogus"], /unknown argument --bogus/],
      [["--runs"], /--runs needs a value/],
      [["--runs", "0"], /--runs must be a whole number >= 1, got 0/],
      [["--model", "resnet"], /unknown --model resnet; choose one of mobilenetv2, squeezenet1\.1, efficientnet-lite0/],
      [["--isa", "sse"], /createQkern: options\.isa/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm start -- \[--model/);
  });
});
