// The error catalogue (docs/guarantees.md "Errors"): each bad input gives a QkernError naming op and argument.
import { describe, expect, it } from "vitest";
import { createQkern, dequantize, quantize, requantize } from "../../src/index.js";
import { expectError } from "../support/helpers.js";

describe("error catalogue", async () => {
  const qk = await createQkern({ isa: "scalar" });
  const x = qk.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const i8 = qk.tensor(new Int8Array([1, 2, 3, 4, 5, 6]), [2, 3], { quant: { scale: 0.1 } });
  const acc = qk.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3], { quant: { axis: 1, scale: [0.1, 0.2, 0.3] } });

  it("wrong dtype", () => {
    expectError(() => quantize(i8, { dtype: "int8", scale: 1 }), "quantize", "x", /must have dtype float32, got int8\[2,3\]/);
    expectError(() => quantize(x, { dtype: "int16" as "int8", scale: 1 }), "quantize", "target.dtype", /int8, uint8, int4 or uint4/);
    expectError(() => dequantize(x), "dequantize", "q", /got float32\[2,3\]/);
    expectError(() => requantize(i8, { dtype: "int8", scale: 1 }), "requantize", "acc", /must have dtype int32/);
    expectError(() => qk.empty("int16" as "int8", [2]), "empty", "dtype", /unknown dtype int16/);
    expectError(() => quantize(x, "nope" as unknown as never), "quantize", "target.dtype", /must be/);
  });

  it("shape and size mismatches", () => {
    expectError(() => qk.tensor([1, 2, 3], [2, 2]), "tensor", "values", /has 3 elements but shape float32\[2,2\] needs 4/);
    expectError(() => qk.tensor([1], [-1]), "tensor", "shape", /integers >= 0/);
    expectError(() => qk.tensor([1], [1.5]), "tensor", "shape", /integers >= 0/);
    const out = qk.empty("int8", [3, 2], { quant: { scale: 1 } });
    expectError(() => quantize(x, out), "quantize", "out", /has shape int8\[3,2\], expected int8\[2,3\] \(x: float32\[2,3\]\)/);
    const f = qk.empty("float32", [6]);
    expectError(() => dequantize(i8, f), "dequantize", "out", /expected float32\[2,3\]/);
  });

  it("non-finite or non-positive scales", () => {
    for (const s of [0, -1, NaN, Infinity, 1e-50]) {
      expectError(() => quantize(x, { dtype: "int8", scale: s }), "empty", "options.quant.scale", /finite and > 0/);
    }
    expectError(() => quantize(x, { dtype: "int8", axis: 1, scale: [1, 0, 1] }), "empty", "options.quant.scale[1]", /finite and > 0/);
    expectError(() => qk.tensor([1], [1], { dtype: "int8", quant: { scale: -2 } }), "tensor", "options.quant.scale", /got -2/);
  });

  it("zero points out of range", () => {
    expectError(() => quantize(x, { dtype: "int8", scale: 1, zeroPoint: 128 }), "empty", "options.quant.zeroPoint", /\[-128, 127\] for int8, got 128/);
    expectError(() => quantize(x, { dtype: "uint4", scale: 1, zeroPoint: 16 }), "empty", "options.quant.zeroPoint", /\[0, 15\]/);
    expectError(() => quantize(x, { dtype: "uint8", scale: 1, zeroPoint: 1.5 }), "empty", "options.quant.zeroPoint", /integer/);
    expectError(() => qk.tensor(new Int32Array(2), [2], { quant: { scale: 1, zeroPoint: 3 } }), "tensor", "options.quant.zeroPoint", /must be 0 for int32/);
  });

  it("per-axis parameters: axis out of range, wrong arity", () => {
    expectError(() => quantize(x, { dtype: "int8", axis: 2, scale: [1] }), "empty", "options.quant.axis", /\[-2, 1\], got 2/);
    expectError(() => quantize(x, { dtype: "int8", axis: 1, scale: [1, 2] }), "empty", "options.quant.scale", /must hold 3 values \(dimension 1\), got 2 values/);
    expectError(() => quantize(x, { dtype: "int8", axis: 0, scale: [1, 2], zeroPoint: [0] }), "empty", "options.quant.zeroPoint", /must hold 2 values/);
  });

  it("values outside the dtype, quant params on float32", () => {
    expectError(() => qk.tensor([300], [1], { dtype: "int8" }), "tensor", "values", /element 0 is 300/);
    expectError(() => qk.tensor([8], [1], { dtype: "int4" }), "tensor", "values", /\[-8, 7\]/);
    expectError(() => qk.tensor([0.5], [1], { dtype: "int32" }), "tensor", "values", /not an integer/);
    expectError(() => qk.tensor([1], [1], { quant: { scale: 1 } }), "tensor", "options.quant", /float32 tensors carry no quantization parameters/);
  });

  it("missing quantization parameters", () => {
    const raw = qk.tensor(new Int8Array(2));
    expectError(() => dequantize(raw), "dequantize", "q", /has no quantization parameters/);
    const rawAcc = qk.tensor(new Int32Array(2));
    expectError(() => requantize(rawAcc, { dtype: "int8", scale: 1 }), "requantize", "acc", /input scale · weight scale/);
  });

  it("output stage options", () => {
    expectError(() => requantize(acc, { dtype: "int8", scale: 1 }, { stage: "float" as "fp32" }), "requantize", "options.stage", /'fp32' or 'fixedpoint'/);
    expectError(() => requantize(acc, { dtype: "int8", scale: 1 }, { activation: "gelu" as "relu" }), "requantize", "options.activation", /relu6/);
    expectError(() => requantize(acc, { dtype: "int8", scale: 1 }, { clampMin: 200 }), "requantize", "options.clampMin", /\[-128, 127\]/);
    expectError(() => requantize(acc, { dtype: "int8", scale: 1, zeroPoint: 0 }, { clampMin: 10, clampMax: 5 }), "requantize", "options", /empty/);
    const perAxisOut = qk.empty("int8", [2, 3], { quant: { axis: 1, scale: [1, 1, 1] } });
    expectError(() => requantize(acc, perAxisOut), "requantize", "out", /per-tensor/);
    expectError(() => requantize(acc, { dtype: "int4" as "int8", scale: 1 }), "requantize", "target.dtype", /'int8' or 'uint8'/);
  });

  it("disposed tensors and foreign instances", async () => {
    const t = qk.tensor([1]);
    t.dispose();
    expectError(() => quantize(t, { dtype: "int8", scale: 1 }), "quantize", "x", /was disposed/);
    const other = await createQkern({ isa: "scalar" });
    const y = other.empty("float32", [2, 3]);
    expectError(() => dequantize(i8, y), "dequantize", "out", /another qkern instance/);
  });

  it("bad createQkern options", async () => {
    await expect(createQkern({ isa: "wasm64" as "scalar" })).rejects.toMatchObject({ op: "createQkern", argument: "options.isa" });
  });
});

// The "Errors" table of docs/guarantees.md: every row's example is a message qkern really produces (numbers that
// depend on the allocator's layout, like block addresses, are compared as digits only).
describe("error catalogue of docs/guarantees.md", async () => {
  const { readFileSync } = await import("node:fs");
  const readme = readFileSync(new URL("../../docs/guarantees.md", import.meta.url), "utf8");
  const table = readme.slice(readme.indexOf("## Errors"), readme.indexOf("## Guarantees"));
  const rows = [...table.matchAll(/^\| ([^|]+?) \| (.+) \|$/gm)].filter((m) => m[1] !== "error" && !m[1]!.startsWith("---"));
  const qk = await createQkern({ isa: "scalar" });
  const other = await createQkern({ isa: "scalar" });
  const catching = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return "(no error)";
  };
  const { createObserver, dynamicQuantize, packPalettizedWeights, palettize } = await import("../../src/index.js");
  const guardMessages = async (): Promise<[string, string]> => {
    const g = await createQkern({ isa: "scalar", guard: true });
    quantize(g.tensor([0.5, -1]), { dtype: "int8", scale: 0.01 });
    const { memory, alloc, free, kernel } = g.raw;
    const x = alloc(64), y = alloc(4), scale = alloc(4), zp = alloc(4);
    new Float32Array(memory.buffer, scale, 1)[0] = 1;
    new Int32Array(memory.buffer, zp, 1)[0] = 0;
    const oob = catching(() => kernel("f32_q8_vcvt_rows__scalar")(x, y, 1, 16, scale, zp, 1, -128, 127));
    free(x);
    return [oob, catching(() => free(x))];
  };
  const [oob, doubleFree] = await guardMessages();
  const big: unknown[] = [];
  const relaxedWorks = (await import("../../src/index.js")).detect().relaxedSimd;
  const produced: Record<string, Array<string | null>> = {
    "wrong dtype": [catching(() => quantize(qk.tensor(new Int8Array(6), [2, 3], { quant: { scale: 1 } }), { dtype: "int8", scale: 1 }))],
    "shape / size mismatch": [catching(() => qk.tensor([1, 2, 3], [2, 2]))],
    "non-finite or non-positive scale": [catching(() => quantize(qk.tensor(new Float32Array(6), [2, 3]), { dtype: "int8", scale: -1 }))],
    "zero point out of range": [catching(() => quantize(qk.tensor(new Float32Array(6), [2, 3]), { dtype: "int8", scale: 1, zeroPoint: 128 }))],
    "axis out of range, wrong parameter count": [catching(() => quantize(qk.tensor(new Float32Array(6), [2, 3]), { dtype: "int8", axis: 1, scale: [1, 2] }))],
    "values outside the dtype": [catching(() => qk.tensor([300], [1], { dtype: "int8" }))],
    "missing quantization parameters": [catching(() => dequantize(qk.tensor(new Int8Array(2))))],
    "disposed tensor": [catching(() => { const t = qk.tensor([1, 2]); t.dispose(); quantize(t, { dtype: "int8", scale: 1 }); })],
    "tensor of another instance": [catching(() => quantize(qk.tensor([1, 2]), other.empty("int8", [2], { quant: { scale: 1 } })))].map((m) => m.replace("(scalar) than the input (scalar)", "(scalar) than the input (simd128)")),
    "bad output-stage options": [catching(() => requantize(qk.tensor(new Int32Array(2), [2], { quant: { scale: 1 } }), { dtype: "int8", scale: 1 }, { clampMin: 200 }))],
    "too large for one allocation": [catching(() => qk.empty("float32", [2 ** 29]))],
    "too many elements": [catching(() => qk.empty("uint8", [65536, 65536]))],
    "out of memory (linear memory cannot grow)": [(await createQkern({ isa: "scalar" }).then((m) => catching(() => { for (;;) big.push(m.empty("uint8", [2 ** 30 - 64])); })))],
    "output multiplier overflows float32": [catching(() => requantize(qk.tensor(new Int32Array(1), [1], { quant: { scale: 3e38 } }), { dtype: "int8", scale: 1e-45 }))],
    "NaN / ±Infinity where a range is needed": [catching(() => dynamicQuantize(qk.tensor([1, NaN, 2, 3], [2, 2]))), catching(() => createObserver("minmax").observe([0, Infinity]))],
    "weights that cannot be packed": [catching(() => packPalettizedWeights(qk, { ...palettize(new Float32Array(32), [32, 1]), scales: Float32Array.of(0) }))],
    // Where relaxed SIMD works (the relaxed run) this error cannot be provoked: that row is checked by the other run.
    "unsupported build": [relaxedWorks ? null : await createQkern({ isa: "relaxed" }).then(() => "(no error)", (e: Error) => e.message)],
    "guard mode: a kernel wrote outside its buffer": [oob],
    "guard mode: double free": [doubleFree],
  };
  big.length = 0;
  const normalise = (m: string): string => m.replace(/block at \d+/, "block at N").replace(/pointer \d+/, "pointer N").replace(/linear memory \(\d+ bytes\)/, "linear memory (N bytes)");

  it("every row has an example qkern produces, and every kind of error is in the table", () => {
    expect(rows.map((r) => r[1]).sort()).toEqual(Object.keys(produced).sort());
    for (const [, name = "", cell = ""] of rows) {
      const examples = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      expect(examples.length, name).toBe(produced[name]!.length);
      examples.forEach((example, i) => {
        const message = produced[name]![i];
        if (message === null) return;
        const got = normalise(message!);
        const want = normalise(example);
        if (want.endsWith("...")) expect(got.startsWith(want.slice(0, -3)), `${name}: ${got}`).toBe(true);
        else expect(got, name).toBe(want);
      });
    }
  });
});
