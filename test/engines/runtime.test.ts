// The runtime: detection, build choice, instances, memory, tensor lifetime, the registry against
// the builds' exports, and the build artifacts themselves.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { KERNELS, QkernError, createQkern, detect, quantize, dequantize, requantize, dynamicQuantize } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { allAvailableBuilds, describeBuilds, relaxedRun } from "../support/helpers.js";

const wasmFile = (isa: string): string => new URL(`../../build/qkern.${isa}.wasm`, import.meta.url).pathname;

describe("detection and build choice", () => {
  it("reports SIMD, and relaxed SIMD exactly when this Node runs it correctly", () => {
    const f = detect();
    expect(f.webassembly).toBe(true);
    expect(f.simd128).toBe(true);
    expect(f.relaxedSimd).toBe(relaxedRun);
    if (!relaxedRun) expect(f.relaxedSimdReason).toMatch(/relaxed/);
  });

  it("auto picks the best working build", async () => {
    const qk = await createQkern();
    expect(qk.isa).toBe(relaxedRun ? "relaxed" : "simd128");
  });

  it.skipIf(relaxedRun)("forcing the relaxed build without relaxed SIMD is a clear error", async () => {
    await expect(createQkern({ isa: "relaxed" })).rejects.toThrow(/createQkern: options.isa: the relaxed build needs relaxed SIMD/);
  });

  it("accepts a precompiled module and reads its build from it", async () => {
    const module = new WebAssembly.Module(readFileSync(wasmFile("scalar")));
    const qk = await createQkern({ module });
    expect(qk.isa).toBe("scalar");
    await expect(createQkern({ module, isa: "simd128" })).rejects.toThrow(/is the scalar build/);
    await expect(createQkern({ module: {} as WebAssembly.Module })).rejects.toThrow(QkernError);
    await expect(createQkern({ isa: "avx" as "scalar" })).rejects.toThrow(/options.isa/);
  });
});

describe("build artifacts", () => {
  it("the scalar build contains no SIMD opcode (wabt refuses it with SIMD disabled)", async () => {
    const wabt = await wabtInit();
    const scalar = wabt.readWasm(readFileSync(wasmFile("scalar")), { readDebugNames: false, simd: false });
    scalar.validate();
    const text = scalar.toText({});
    expect(text).not.toMatch(/v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2/);
    expect(() => wabt.readWasm(readFileSync(wasmFile("simd128")), { readDebugNames: false, simd: false })).toThrow();
  });

  it("every build has zero imports (read with wabt, so the relaxed build is checked without relaxed SIMD)", async () => {
    const wabt = await wabtInit();
    for (const isa of ["scalar", "simd128", "relaxed"]) {
      const mod = wabt.readWasm(readFileSync(wasmFile(isa)), { readDebugNames: false, simd: true, relaxed_simd: true });
      expect(mod.toText({}), isa).not.toMatch(/\(import /);
      mod.destroy();
    }
  });

  it("the registry lists exactly the kernels each build exports", async () => {
    for (const qk of await allAvailableBuilds()) {
      const exported = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmFile(qk.isa))))
        .map((e) => e.name).filter((n) => n.includes("__")).sort();
      const listed = KERNELS.filter((k) => buildHas(qk.isa, k)).map((k) => k.name).sort();
      expect(exported, qk.isa).toEqual(listed);
      expect(qk.raw.kernels.map((k) => k.name).sort()).toEqual(listed);
    }
  });
});

describeBuilds("instances and memory", (get) => {
  it("hands out 16-byte aligned tensors", () => {
    const qk = get();
    const ts = [0, 1, 3, 15, 16, 17, 100, 1000].map((n) => qk.empty("int8", [n]));
    for (const t of ts) expect(t.ptr % 16).toBe(0);
    ts.forEach((t) => t.dispose());
  });

  it("returns to its starting memoryStats after many create/op/dispose cycles", () => {
    const qk = get();
    const start = qk.memoryStats();
    for (let i = 0; i < 200; i++) {
      using x = qk.tensor(Float32Array.from({ length: (i % 37) + 1 }, (_, j) => j - i));
      using q = quantize(x, { dtype: i % 2 ? "int8" : "uint4", scale: 0.5, zeroPoint: 1 });
      using d = dequantize(q);
      using u = dynamicQuantize(x, { dtype: "int8" });
      using acc = qk.tensor(new Int32Array(d.size).fill(i), [d.size], { quant: { scale: 0.25 } });
      using r = requantize(acc, { dtype: "uint8", scale: 1 }, { stage: i % 2 ? "fp32" : "fixedpoint" });
      expect(u.size + r.size).toBe(2 * x.size);
    }
    expect(qk.memoryStats().bytesInUse).toBe(start.bytesInUse);
    expect(qk.memoryStats().allocations).toBe(start.allocations);
  });

  it("re-takes views after memory growth; old views detach, data survives", () => {
    const qk = get();
    using t = qk.tensor([1, 2, 3]);
    const before = t.data;
    const reserved = qk.memoryStats().bytesReserved;
    using big = qk.empty("uint8", [reserved * 2]);
    expect(qk.memoryStats().bytesReserved).toBeGreaterThan(reserved);
    expect(before.length).toBe(0); // detached by growth
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
    expect(big.byteLength).toBe(reserved * 2);
  });

  it("makes every use of a disposed tensor an error, and dispose idempotent", () => {
    const qk = get();
    const t = qk.tensor([1, 2]);
    t.dispose();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(() => t.data).toThrow(/data: tensor: tensor float32\[2\] was disposed/);
    expect(() => t.ptr).toThrow(QkernError);
    expect(() => t.toArray()).toThrow(QkernError);
    expect(() => quantize(t, { dtype: "int8", scale: 1 })).toThrow(/quantize: x: tensor float32\[2\] was disposed/);
  });

  it("refuses tensors of another instance", async () => {
    const qk = get();
    const other = await createQkern({ isa: "scalar" });
    using x = qk.tensor([1, 2]);
    using y = other.empty("int8", [2], { quant: { scale: 1 } });
    expect(() => quantize(x, y)).toThrow(/quantize: out: belongs to another qkern instance/);
  });

  it("reports an out-of-memory or oversized request as a QkernError", () => {
    const qk = get();
    expect(() => qk.empty("float32", [2 ** 29])).toThrow(/empty: size: cannot allocate 2147483648 bytes/);
    expect(() => qk.empty("int8", [2 ** 31])).toThrow(/empty: shape:/);
  });

  it("packs int4/uint4 two values per byte, low nibble first", () => {
    const qk = get();
    using t = qk.tensor([-8, 7, -1, 0, 3], [5], { dtype: "int4" });
    expect(t.byteLength).toBe(3);
    expect(Array.from(t.data)).toEqual([0x78, 0x0f, 0x03]);
    expect(Array.from(t.toArray())).toEqual([-8, 7, -1, 0, 3]);
  });
});
