// Guard mode (createQkern({ guard: true }), src/runtime/guard.ts): guard bytes around every
// allocation, compared around every kernel call. It must catch a kernel that writes past (or
// before) its buffer, leave results and memoryStats unchanged, and refuse double frees. The fuzzer
// (test/ops/fuzz.test.ts) runs half its sequences in guard mode; QKERN_TEST_GUARD=1 runs every test
// that uses test/support/helpers.ts in guard mode.
import { expect, it } from "vitest";
import { QkernError, createQkern, dequantize, depthwiseConv2d, gemm, packDepthwiseWeights, packGemmWeights, quantize } from "../../src/index.js";
import { GUARD_BYTES, POISON } from "../../src/runtime/guard.js";
import { buildCases, describeBuilds } from "../support/helpers.js";

describeBuilds("guard mode", (_get, isa) => {
  const guarded = (): ReturnType<typeof createQkern> => createQkern({ isa, guard: true });

  it("catches a kernel writing past its output, naming the kernel", async () => {
    const qk = await guarded();
    const { memory, alloc, free, kernel } = qk.raw;
    const x = alloc(4 * 20), y = alloc(4), scale = alloc(4), zp = alloc(4);
    new Float32Array(memory.buffer, scale, 1)[0] = 1;
    new Int32Array(memory.buffer, zp, 1)[0] = 0;
    const name = `f32_q8_vcvt_rows__${isa === "scalar" ? "scalar" : "simd128"}`;
    // 20 outputs into a 4-byte buffer: bytes 4..19 land in the guard after it.
    expect(() => kernel(name)(x, y, 1, 20, scale, zp, 1, -128, 127)).toThrow(new RegExp(`^guard: ${name}: out-of-bounds write around the 4-byte block at ${y}: byte \\+\\d+ past its end changed`));
    // Within bounds, the same kernel passes.
    expect(() => kernel(name)(x, y, 1, 4, scale, zp, 1, -128, 127)).not.toThrow();
    for (const p of [x, y, scale, zp]) free(p);
  });

  it("catches a write before the buffer, and a double free", async () => {
    const qk = await guarded();
    const { memory, alloc, free, kernel } = qk.raw;
    const src = alloc(16), dst = alloc(16);
    const name = `q4_q8_unpack__${isa === "scalar" ? "scalar" : "simd128"}`;
    new Uint8Array(memory.buffer, src, 16).fill(0x11);
    // A kernel handed a pointer 8 bytes early writes into the guard before `dst`.
    expect(() => kernel(name)(src, dst - 8, 8, 0)).toThrow(/before the block\) changed/);
    free(src);
    expect(() => free(src)).toThrow(/^guard: free: pointer \d+ is not a live allocation/);
    free(dst);
  });

  it("gives the same results and memoryStats as a plain instance; payloads start poisoned", async () => {
    const [plain, qk] = [await createQkern({ isa }), await guarded()];
    const run = (k: typeof qk): unknown[] => {
      const x = k.tensor([0.5, -1, 2.25, 300, NaN, -0], [2, 3]);
      const q = quantize(x, { dtype: "int8", scale: 0.01 });
      const b = k.tensor(new Int8Array([1, -2, 3, 4, 5, -6]), [3, 2], { quant: { scale: 0.1 } });
      const w = packGemmWeights(b, { bias: [3, -3] });
      const y = gemm(q, w, { output: { dtype: "uint8", scale: 0.2, zeroPoint: 128 } });
      const dx = k.tensor(new Int8Array(2 * 5 * 5 * 3).map((_, i) => i * 7 - 100), [2, 5, 5, 3], { quant: { scale: 0.1, zeroPoint: 2 } });
      const dw = packDepthwiseWeights(k.tensor(new Int8Array(27).map((_, i) => i - 13), [3, 3, 3], { quant: { axis: 2, scale: [0.1, 0.2, 0.3] } }));
      const d = depthwiseConv2d(dx, dw, { padding: "same", strides: 2 });
      return [q.toArray(), y.toArray(), dequantize(q).toArray(), d.toArray(), k.memoryStats().bytesInUse, k.memoryStats().allocations];
    };
    expect(run(qk)).toEqual(run(plain));
    using e = qk.empty("uint8", [33]);
    expect(Array.from(e.data).every((v) => v === POISON)).toBe(true);
    const s = qk.memoryStats();
    using t = qk.empty("float32", [10]);
    expect(qk.memoryStats().bytesInUse - s.bytesInUse, "guard bytes are not counted").toBe(40);
    expect(qk.memoryStats().bytesReserved).toBeGreaterThanOrEqual(s.bytesInUse + 2 * GUARD_BYTES);
  });
});

it.skipIf(buildCases().every((c) => c.skip))("guard option must be a boolean", async () => {
  await expect(createQkern({ guard: "yes" as unknown as boolean })).rejects.toThrow(QkernError);
  await expect(createQkern({ guard: 1 as unknown as boolean })).rejects.toThrow(/createQkern: options.guard: must be true or false/);
});
