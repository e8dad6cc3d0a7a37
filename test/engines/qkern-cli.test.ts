// `npx qkern run MODEL` and `npx qkern bench MODEL` (dist/cli/qkern.js, the package's bin): a real
// model end to end, and argument errors as one line with the usage and exit code 1.
import path from "node:path";
import { expect, it } from "vitest";
import { root, run } from "../support/engines.js";
import { describeInDefaultRun } from "../support/helpers.js";
import { SHARED_MODELS, sharedModel } from "../support/shared-models.js";

const bin = path.join(root, "dist", "cli", "qkern.js");

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const mobilenet = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
const person = sharedModel("person_detect.tflite");

describeInDefaultRun("qkern run", () => {
  it.skipIf(!mobilenet.ok)(`${mobilenet.title} with the dog photo: model summary, top-5, per-operator table, latency`, async () => {
    const r = await cli(["run", path.join(SHARED_MODELS, "mobilenet_v2_quantized_1x3x224x224.tflite"), "--input", path.join(SHARED_MODELS, "dog_1x3x224x224.int8.bin"), "--runs", "2", "--build", "simd128"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/84 operators \(TRANSPOSE ×1, PAD ×18, CONV_2D ×35/);
    expect(r.stdout).toMatch(/input input\.5: int8\[1,3,224,224\]/);
    expect(r.stdout).toMatch(/top 5: 258 \(107, [\d.]+\), 259 \(84, [\d.]+\), 261 \(75, [\d.]+\), 203 \(68, [\d.]+\), 257 \(64, [\d.]+\)/);
    expect(r.stdout).toMatch(/CONV_2D\s+35\s+[\d.]+\s+[\d.]+%/);
    expect(r.stdout).toMatch(/median latency: [\d.]+ ms over 2 runs \(build simd128\)/);
  });

  it.skipIf(!person.ok)(`qkern bench ${person.title}: every qkern build of this engine and LiteRT.js, outputs identical, latency table`, async () => {
    const r = await cli(["bench", path.join(SHARED_MODELS, "person_detect.tflite"), "--rounds", "2", "--runs", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/31 operators, [\d.]+ M operations per run, numerics litert/);
    expect(r.stdout).toMatch(/qkern simd128\s+identical/);
    expect(r.stdout).toMatch(/LiteRT\.js simd\s+identical/);
    expect(r.stdout).toMatch(/qkern scalar\s+[\d.]+\s+[\d.]+\s+[\d.]+×/);
    expect(r.stdout).toMatch(/LiteRT\.js simd\s+[\d.]+\s+[\d.]+\s+[\d.]+×/);
  });

  it("refuses bad arguments, missing files and unsupported models with one line and the usage", async () => {
    for (const [args, message] of [
      [["bogus"], /unknown command bogus/],
      [["run"], /run needs a model file/],
      [["run", "m.tflite", "--runs", "0"], /--runs must be a whole number >= 1, got 0/],
      [["run", "m.tflite", "--frobnicate", "1"], /unknown argument --frobnicate/],
      [["bench"], /bench needs a model file/],
      [["bench", "m.tflite", "--build", "simd128"], /unknown argument --build/],
      [["bench", "m.tflite", "--rounds", "x"], /--rounds must be a whole number >= 1, got x/],
      [["run", path.join(root, "package.json")], /loadModel: bytes: is not a TFLite model/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, `${args.join(" ")}: ${r.stdout}`).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
