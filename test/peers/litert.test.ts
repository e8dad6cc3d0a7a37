// LiteRT.js (peers/litert.ts) as the oracle for real .tflite files: it must reproduce, on the
// shared models (test/support/shared-models.ts; never committed), the results known outside qkern
// (SOURCE.md in that folder):
// - MobileNetV2 (int8, NCHW) on the dog image: top-5 classes 258, 259, 261, 203, 257 with int8
//   outputs 107, 84, 75, 68, 64 (exact: these are LiteRT.js 2.5.3's bytes);
// - person_detect: person.bmp scores person > no_person, no_person.bmp the reverse (output [1, 2] =
//   [no_person, person]); the input is the BMP's pixel bytes, top row first, as int8 (the upstream
//   test memcpy's PIL's bytes into the int8 tensor: a byte of 200 is the int8 value -56). Both
//   details matter: LiteRT.js scores person.bmp [-113, 113] and no_person.bmp [60, -60] so; with
//   the rows in file order (bottom-up) no_person.bmp becomes [-25, 25], and with gray − 128
//   instead of the raw bytes person.bmp becomes [6, -6]. LiteRT.js refuses the file as shipped
//   (TFLite's interpreter too; tflite-micro does not check): its DEPTHWISE_CONV_2D biases give
//   quantized_dimension 3 for a rank-1 tensor, so it runs a copy repaired in memory
//   (fixRank1QuantizedDimension; the same scales along the only axis);
// - hello_world: y ≈ sin(x) at x = 0.77, 1.57, 2.3, 3.14 (TOLERANCES.sineModel), x quantized and y
//   dequantized with the tensors' parameters read from the file (LiteRT.js does not report them).
// Each check also compares the inputs and outputs LiteRT.js reports with those in the file.
// Every LiteRT.js wasm build this run can execute is tested: the SIMD128 one in both runs, the
// relaxed-SIMD one in the relaxed run (required there); in the default run it is skipped, saying why.
import { afterAll, describe, expect } from "vitest";
import { LITERT_FILES, litertVariantAvailable, loadLitert, type Litert, type LitertModel, type LitertVariant } from "../../peers/litert.js";
import { relaxedRun } from "../support/helpers.js";
import { readBmp8, sharedModels } from "../support/shared-models.js";
import { fixRank1QuantizedDimension, tfliteIo } from "../support/tflite-io.js";
import { TOLERANCES } from "../tolerances.js";

const shared = sharedModels();
const MOBILENET = "mobilenet_v2_quantized_1x3x224x224.tflite";
const DOG = "dog_1x3x224x224.int8.bin";
const PERSON_MODEL = "person_detect.tflite";
const PERSON = "person.bmp";
const NO_PERSON = "no_person.bmp";
const HELLO = "hello_world_int8.tflite";
const SINE_BOUND = 0.05; // TOLERANCES.sineModel
/** TFLite TensorType numbers (schema.fbs) of the dtypes the peer handles. */
const TFLITE_DTYPE: Readonly<Record<number, string>> = { 0: "float32", 2: "int32", 3: "uint8", 7: "int16", 9: "int8" };

/**
 * Compiles a model and checks that the shapes (−1 where dynamic) and dtypes of the inputs and
 * outputs LiteRT.js reports are the file's. (Names are not compared: with a SignatureDef in the
 * file, LiteRT.js reports the signature's names, not the tensors'.)
 */
async function compileChecked(litert: Litert, bytes: Uint8Array): Promise<{ model: LitertModel; io: ReturnType<typeof tfliteIo> }> {
  const io = tfliteIo(bytes);
  const model = await litert.compile(bytes);
  const fromFile = (ts: typeof io.inputs) => ts.map((t) => [t.shapeSignature.length > 0 ? t.shapeSignature : t.shape, TFLITE_DTYPE[t.type]]);
  expect(model.inputs.map((t) => [t.shape, t.dtype]), "inputs").toEqual(fromFile(io.inputs));
  expect(model.outputs.map((t) => [t.shape, t.dtype]), "outputs").toEqual(fromFile(io.outputs));
  return { model, io };
}

/** Indices of the k largest values, larger first, ties by lower index. */
function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b).slice(0, k);
}

function defineChecks(variant: LitertVariant, litert: () => Promise<Litert>): void {
  shared.it("MobileNetV2 on the dog: top-5 classes 258, 259, 261, 203, 257 with int8 outputs 107, 84, 75, 68, 64", [MOBILENET, DOG], async () => {
    const { model } = await compileChecked(await litert(), shared.read(MOBILENET));
    try {
      expect(model.inputs.map((t) => [t.shape, t.dtype])).toEqual([[[1, 3, 224, 224], "int8"]]);
      expect(model.outputs.map((t) => [t.shape, t.dtype])).toEqual([[[1, 1000], "int8"]]);
      const dog = shared.read(DOG);
      expect(dog.length).toBe(150_528);
      const image = new Int8Array(dog.buffer, dog.byteOffset, dog.length);
      const [logits] = model.run([image]);
      const top = topK(logits!, 5);
      console.log(`LiteRT.js ${variant}: MobileNetV2 top-5 ${top.join(", ")} = ${top.map((i) => logits![i]).join(", ")}`);
      expect(top).toEqual([258, 259, 261, 203, 257]);
      expect(top.map((i) => logits![i])).toEqual([107, 84, 75, 68, 64]);
      // A second run (the peer reuses its input buffers) gives the same bytes.
      expect(model.run([image])[0]).toEqual(logits);
    } finally {
      model.dispose();
    }
  }, 120_000);

  shared.it("person_detect (quantized_dimension of its depthwise biases repaired): person.bmp scores person > no_person, no_person.bmp the reverse", [PERSON_MODEL, PERSON, NO_PERSON], async () => {
    // LiteRT (as TFLite's interpreter) refuses the file as shipped; see fixRank1QuantizedDimension.
    const shipped = shared.read(PERSON_MODEL);
    await expect((await litert()).compile(shipped)).rejects.toThrow(/quantized_dimension must be in range \[0, 1\)\. Was 3/);
    const repaired = fixRank1QuantizedDimension(shipped);
    // The biases of its 14 DEPTHWISE_CONV_2D layers: the 13 depthwise ones, and Conv2d_0 (one input
    // channel, so a depthwise convolution of multiplier 8).
    expect(repaired.fixed.length).toBe(14);
    expect(repaired.fixed.filter((n) => !n.endsWith("_bias")), "only biases repaired").toEqual([]);
    const { model } = await compileChecked(await litert(), repaired.bytes);
    try {
      expect(model.inputs.map((t) => [t.shape, t.dtype])).toEqual([[[1, 96, 96, 1], "int8"]]);
      expect(model.outputs.map((t) => [t.shape, t.dtype])).toEqual([[[1, 2], "int8"]]);
      const scores = (file: string): { noPerson: number; person: number } => {
        const bmp = readBmp8(shared.read(file));
        expect([bmp.width, bmp.height]).toEqual([96, 96]);
        const [out] = model.run([new Int8Array(bmp.pixels.buffer, bmp.pixels.byteOffset, bmp.pixels.length)]);
        return { noPerson: out![0]!, person: out![1]! };
      };
      const person = scores(PERSON);
      const noPerson = scores(NO_PERSON);
      console.log(`LiteRT.js ${variant}: person_detect [no_person, person] = person.bmp [${person.noPerson}, ${person.person}], ` +
        `no_person.bmp [${noPerson.noPerson}, ${noPerson.person}]`);
      expect(person.person).toBeGreaterThan(person.noPerson);
      expect(noPerson.noPerson).toBeGreaterThan(noPerson.person);
    } finally {
      model.dispose();
    }
  }, 60_000);

  shared.it(`hello_world: y within ${SINE_BOUND} of sin(x) at x = 0.77, 1.57, 2.3, 3.14 (TOLERANCES.sineModel)`, [HELLO], async () => {
    expect(TOLERANCES.sineModel.tolerance).toContain(String(SINE_BOUND));
    const { model, io } = await compileChecked(await litert(), shared.read(HELLO));
    try {
      // Dynamic batch (shape_signature [-1, 1]): the peer runs it as 1.
      expect(model.inputs.map((t) => [t.shape, t.dtype])).toEqual([[[-1, 1], "int8"]]);
      expect(model.outputs.map((t) => [t.shape, t.dtype])).toEqual([[[-1, 1], "int8"]]);
      const input = io.inputs[0]!;
      const output = io.outputs[0]!;
      expect([input.scale.length, input.zeroPoint.length, output.scale.length, output.zeroPoint.length]).toEqual([1, 1, 1, 1]);
      const [inScale, inZero, outScale, outZero] = [input.scale[0]!, input.zeroPoint[0]!, output.scale[0]!, output.zeroPoint[0]!];
      const lines: string[] = [];
      for (const x of [0.77, 1.57, 2.3, 3.14]) {
        const q = Math.min(127, Math.max(-128, Math.round(x / inScale) + inZero));
        const [out] = model.run([Int8Array.of(q)]);
        const y = (out![0]! - outZero) * outScale;
        lines.push(`x ${x} → q ${q} → ${out![0]} → y ${y.toFixed(4)} (sin ${Math.sin(x).toFixed(4)})`);
        expect(Math.abs(y - Math.sin(x)), `x = ${x}: y = ${y}`).toBeLessThanOrEqual(SINE_BOUND);
      }
      // The peer refuses inputs of another dtype or length instead of passing bytes through.
      expect(() => model.run([Uint8Array.of(1)])).toThrow(/wants int8\[1\], got Uint8Array\[1\]/);
      expect(() => model.run([Int8Array.of(1, 2)])).toThrow(/wants int8\[1\], got Int8Array\[2\]/);
      console.log(`LiteRT.js ${variant}: hello_world (input scale ${inScale}, zero point ${inZero}; output scale ${outScale}, ` +
        `zero point ${outZero}): ${lines.join("; ")}`);
    } finally {
      model.dispose();
    }
  }, 60_000);
}

for (const variant of ["simd", "relaxed"] as const) {
  const available = await litertVariantAvailable(variant);
  const title = `LiteRT.js ${variant} (${LITERT_FILES[variant].replace(/\.js$/, ".wasm")})`;
  if (!available.ok && !relaxedRun) {
    describe.skip(`${title} (skipped: ${available.reason}; test/vitest.relaxed.config.ts runs it)`, () => {
      defineChecks(variant, () => Promise.reject(new Error("skipped")));
    });
    continue;
  }
  describe(title, () => {
    // Loaded on first use, so a run without the shared models does not instantiate the wasm.
    let loading: Promise<Litert> | undefined;
    const litert = (): Promise<Litert> => (loading ??= loadLitert(variant));
    afterAll(async () => (await loading)?.dispose());
    defineChecks(variant, litert);
  });
}
