// Memory: no leaks over 10^5 create/dispose cycles and 10^6 op calls with caller-provided outputs
// (memoryStats back to the start, reserved memory flat after warm-up, caches on packed weights
// bounded); allocation failure is a clear QkernError and the instance stays usable; shapes whose
// byte size overflows or exceeds what an allocation may hold are refused before any allocation.
import { expect, it } from "vitest";
import {
  QkernError, createQkern, depthwiseConv2d, dequantize, gemm, gemmInt4, packDepthwiseWeights, packGemmWeights, packInt4Weights, quantize, quantizeInt4, requantize,
  type DType, type Qkern, type Tensor,
} from "../../src/index.js";
import { MAX_ALLOCATION } from "../../src/runtime/runtime.js";
import { PARAMS_CACHE_LIMIT as DEPTHWISE_CACHE_LIMIT } from "../../src/packed-weights.js";
import { depthwiseInteger, matmulInteger, quantizeLinear } from "../../src/reference/index.js";
import { describeBuilds } from "../support/helpers.js";

/** Figures for the README "Guarantees" section, printed at the end of each build's run. */
const figures = { createDispose: 0, opCalls: 0 };

const stats = (qk: Qkern): [number, number] => {
  const s = qk.memoryStats();
  return [s.bytesInUse, s.allocations];
};

describeBuilds("memory", (get, isa) => {
  it("10^5 create/dispose cycles (tensors of every dtype, packed weights) return memoryStats to the start", () => {
    const qk = get();
    const start = stats(qk);
    const dtypes: DType[] = ["float32", "int32", "int8", "uint8", "int4", "uint4"];
    const ring: Array<{ dispose(): void }> = [];
    let reservedAfterWarmup = 0;
    for (let i = 0; i < 100_000; i++) {
      const size = (i * 7919) % 301;
      const dtype = dtypes[i % 6]!;
      const quant = dtype === "float32" ? undefined : { quant: { scale: 0.5, zeroPoint: 0 } };
      let made: { dispose(): void };
      if (i % 100 === 0) {
        using b = qk.tensor(new Int8Array(size + 1), [1, size + 1], { quant: { scale: 0.5 } });
        made = packGemmWeights(b);
      } else if (i % 100 === 50) {
        using b = qk.tensor(new Int8Array(9 * ((size % 40) + 1)), [3, 3, (size % 40) + 1]);
        made = packDepthwiseWeights(b);
      } else if (i % 3 === 0) made = qk.zeros(dtype, [size], quant);
      else if (i % 3 === 1) made = qk.empty(dtype, [size % 17, 3], quant);
      else made = qk.tensor(new Int8Array(size), [size], { dtype: dtype === "float32" ? "float32" : "int8", ...(dtype === "float32" ? {} : quant) });
      // Keep up to 7 alive and free the oldest: frees interleave with allocations of other sizes.
      ring.push(made);
      if (ring.length > 7) ring.shift()!.dispose();
      if (i === 10_000) reservedAfterWarmup = qk.memoryStats().bytesReserved;
    }
    for (const t of ring) t.dispose();
    figures.createDispose += 100_000;
    expect(stats(qk)).toEqual(start);
    expect(qk.memoryStats().bytesReserved, "no growth after warm-up: freed blocks are reused").toBe(reservedAfterWarmup);
  });

  it("10^6 op calls with caller-provided outputs allocate nothing that stays (caches on weights bounded)", async () => {
    const qk = await createQkern({ isa });
    const start = stats(qk);
    const x = qk.tensor([0.5, -1, 2.25, 300, -0, 7, 1e-40, -3], [2, 4]);
    const q = qk.empty("int8", [2, 4], { quant: { axis: 1, scale: [0.1, 0.2, 0.05, 1], zeroPoint: [0, 1, -1, 3] } });
    const f = qk.empty("float32", [2, 4]);
    const acc = qk.tensor(Int32Array.from([100, -7, 2 ** 31 - 1, -(2 ** 31), 0, 5, 77, -900]), [2, 4], { quant: { scale: 0.01 } });
    const q8 = qk.empty("uint8", [2, 4], { quant: { scale: 0.5, zeroPoint: 128 } });
    const bv = Int8Array.from({ length: 16 }, (_, i) => (i * 37) % 255 - 127);
    const b = qk.tensor(bv, [4, 4], { quant: { scale: 0.1 } });
    const w = packGemmWeights(b, { bias: [1, 2, 3, 4] });
    const av = Int8Array.from([5, -128, 127, 3]);
    const a = qk.tensor(av, [1, 4], { quant: { scale: 0.1, zeroPoint: 2 } });
    const g32 = qk.empty("int32", [1, 4]);
    const g8 = [0.5, 0.25, 0.125].map((s) => qk.empty("int8", [1, 4], { quant: { scale: s } }));
    const xv = Int8Array.from({ length: 16 }, (_, i) => i * 9 - 70);
    const dwx = qk.tensor(xv, [1, 2, 2, 4], { quant: { scale: 0.1, zeroPoint: 1 } });
    const wv = Int8Array.from({ length: 36 }, (_, i) => (i * 13) % 31 - 15);
    const dwt = qk.tensor(wv, [3, 3, 4], { quant: { scale: 0.1 } });
    const dw = packDepthwiseWeights(dwt);
    // More distinct output parameters than the cache holds: evictions every call.
    const dwOuts = Array.from({ length: DEPTHWISE_CACHE_LIMIT + 4 }, (_, i) => qk.empty("int8", [1, 2, 2, 4], { quant: { scale: 0.5 + i / 16, zeroPoint: i } }));
    const dw32 = qk.empty("int32", [1, 2, 2, 4]);
    const w4 = packInt4Weights(qk, quantizeInt4(Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i)), [64, 4]));
    const x4 = qk.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), [1, 64]);
    const y4 = qk.empty("float32", [1, 4]);
    // Each call gets its own count j, which picks the output (and with it the output-stage parameters).
    const calls: Array<(j: number) => unknown> = [
      () => quantize(x, q),
      () => dequantize(q, f),
      (j) => requantize(acc, q8, { stage: j & 1 ? "fp32" : "fixedpoint" }),
      (j) => gemm(a, w, j & 1 ? { out: g32 } : { out: g8[(j >> 1) % 3]! }),
      (j) => depthwiseConv2d(dwx, dw, j & 1 ? { padding: "same", out: dw32 } : { padding: "same", out: dwOuts[(j >> 1) % dwOuts.length]! }),
      () => gemmInt4(x4, w4, { out: y4 }),
    ];
    const handles = stats(qk);
    let reserved = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      calls[i % calls.length]!(Math.floor(i / calls.length));
      if (i === 10_000) reserved = qk.memoryStats().bytesReserved;
    }
    figures.opCalls += n;
    const after = stats(qk);
    // What stays: the output-stage blocks cached on the GEMM weights (3 outputs) and the bounded depthwise cache.
    expect(after[1] - handles[1]).toBe(3 + DEPTHWISE_CACHE_LIMIT);
    expect(qk.memoryStats().bytesReserved).toBe(reserved);
    // The last outputs are still right.
    expect(Array.from(q.toArray())).toEqual(Array.from(quantizeLinear(x.toArray(), [2, 4], "int8", { axis: 1, scale: q.quant!.scale as Float32Array, zeroPoint: [0, 1, -1, 3] })));
    expect(Array.from(g32.toArray())).toEqual(Array.from(matmulInteger({ m: 1, k: 4, n: 4, a: av, aZeroPoint: 2, b: bv, bZeroPoint: 0, bias: [1, 2, 3, 4] })));
    const g = { n: 1, h: 2, w: 2, c: 4, kh: 3, kw: 3, multiplier: 1, strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] } as const;
    expect(Array.from(dw32.toArray())).toEqual(Array.from(depthwiseInteger(g, xv, 1, wv, [0, 0, 0, 0])));
    for (const t of [x, q, f, acc, q8, b, a, g32, ...g8, dwx, dwt, ...dwOuts, dw32, x4, y4] as Tensor[]) t.dispose();
    for (const h of [w, dw, w4]) h.dispose();
    expect(stats(qk)).toEqual(start);
  }, 120_000);

  it("an allocation beyond what wasm memory can grow to is a clear QkernError; the instance stays usable", async () => {
    const qk = await createQkern({ isa });
    using x = qk.tensor([0.5, -1, 2]);
    const big: Tensor[] = [];
    let err: unknown;
    try {
      for (let i = 0; i < 8; i++) big.push(qk.empty("uint8", [MAX_ALLOCATION]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QkernError);
    expect((err as QkernError).message).toMatch(/^empty: size: out of memory: linear memory .* cannot grow to hold 1073741760 more bytes for uint8\[1073741760\]/);
    expect(big.length, "4 GiB of wasm32 memory holds at most 3 blocks of 1 GiB beside the rest").toBeLessThanOrEqual(3);
    expect(stats(qk)[1], "the failed request left no allocation").toBe(1 + big.length);
    using q1 = quantize(x, { dtype: "int8", scale: 0.01 });
    expect(Array.from(q1.toArray())).toEqual([50, -100, 127]);
    for (const t of big) t.dispose();
    expect(stats(qk)).toEqual([12 + 3, 2]);
    using again = qk.empty("uint8", [MAX_ALLOCATION]);
    expect(again.byteLength).toBe(MAX_ALLOCATION);
  }, 60_000);

  it("tensors and packed weights above 2 GiB give the same results (addresses are unsigned in JavaScript too)", async () => {
    const high = await createQkern({ isa });
    const bigs = [high.empty("uint8", [MAX_ALLOCATION]), high.empty("uint8", [MAX_ALLOCATION])];
    // Use up the free space below 2 GiB, so that everything after lands above it.
    const fillers: Tensor[] = [];
    while (fillers.length < 1000 && (fillers.at(-1)?.ptr ?? 0) < 2 ** 31) fillers.push(high.empty("uint8", [4096]));
    expect(fillers.at(-1)!.ptr).toBeGreaterThanOrEqual(2 ** 31);
    const run = (qk: Qkern): unknown[] => {
      const x = qk.tensor([0.5, -1, 2.25, 300, -7, 1e-3], [2, 3]);
      const q = quantize(x, { dtype: "int8", axis: 1, scale: [0.01, 0.02, 0.5], zeroPoint: [0, 1, 2] });
      const w = packGemmWeights(qk.tensor(new Int8Array([1, -2, 3, 4, 5, -6]), [3, 2], { quant: { axis: 1, scale: [0.1, 0.2] } }), { bias: [5, -5] });
      const a = qk.tensor(new Int8Array([3, 1, -4, 1, 5, -9]), [2, 3], { quant: { scale: 0.05, zeroPoint: 1 } });
      const y = gemm(a, w, { output: { dtype: "int8", scale: 0.1 } });
      const dw = packDepthwiseWeights(qk.tensor(new Int8Array(18).map((_, i) => i - 9), [3, 3, 2], { quant: { scale: 0.1 } }), { bias: [1, 2] });
      const d = depthwiseConv2d(qk.tensor(new Int8Array(32).map((_, i) => i * 3 - 40), [1, 4, 4, 2], { quant: { scale: 0.1 } }), dw, { padding: "same", output: { dtype: "int8", scale: 0.3 } });
      const i4 = gemmInt4(qk.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), [1, 64]), packInt4Weights(qk, quantizeInt4(Float32Array.from({ length: 128 }, (_, i) => Math.cos(i)), [64, 2])));
      return [y.ptr >= 2 ** 31, q.toArray(), dequantize(q).toArray(), requantize(qk.tensor(new Int32Array([900, -3, 77, 2 ** 20]), [2, 2], { quant: { axis: 1, scale: [0.001, 0.01] } }), { dtype: "uint8", scale: 0.07, zeroPoint: 100 }).toArray(), gemm(a, w).toArray(), y.toArray(), d.toArray(), i4.toArray()];
    };
    const [above, ...got] = run(high);
    const [, ...want] = run(await createQkern({ isa }));
    expect(above, "the outputs really live above 2 GiB").toBe(true);
    expect(got).toEqual(want);
    for (const t of [...bigs, ...fillers]) t.dispose();
  }, 60_000);

  it("shapes whose byte size overflows or exceeds an allocation's limit are refused before allocating", () => {
    const qk = get();
    const before = qk.memoryStats();
    const refused: Array<[DType, number[], RegExp]> = [
      ["float32", [2 ** 29], /size: cannot allocate 2147483648 bytes \(limit \d+\) for float32\[536870912\]/],
      ["int32", [2 ** 31 - 1], /size: cannot allocate 8589934588 bytes/],
      ["uint8", [2 ** 16, 2 ** 16], /shape: \[65536,65536\] has 4294967296 elements \(limit 2\^31 - 1\)/],
      ["int8", [2 ** 31], /shape: .* has 2147483648 elements/],
      ["int4", [2 ** 40, 2 ** 40, 2 ** 40], /shape: .*elements \(limit 2\^31 - 1\)/],
      ["float32", [2 ** 53, 4], /shape: dimensions must be integers >= 0/],
      ["float32", [1e300], /shape: dimensions must be integers >= 0/],
    ];
    for (const [dtype, shape, message] of refused) {
      for (const make of [(): Tensor => qk.empty(dtype, shape), (): Tensor => qk.zeros(dtype, shape)]) {
        expect(make).toThrow(QkernError);
        expect(make).toThrow(message);
      }
    }
    // An op whose output would exceed the limit: [65536, 1] x [1, 16384] → int32 [65536, 16384] (4 GiB).
    using a = qk.zeros("int8", [65536, 1], { quant: { scale: 1 } });
    using b = qk.zeros("int8", [1, 16384], { quant: { scale: 1 } });
    using w = packGemmWeights(b);
    const mid = qk.memoryStats();
    expect(() => gemm(a, w)).toThrow(/^empty: size: cannot allocate 4294967296 bytes \(limit \d+\) for int32\[65536,16384\]$/);
    expect([qk.memoryStats().bytesInUse, qk.memoryStats().allocations]).toEqual([mid.bytesInUse, mid.allocations]);
    expect(qk.memoryStats().bytesReserved, "nothing grew").toBe(mid.bytesReserved);
    expect(before.bytesReserved).toBeLessThanOrEqual(mid.bytesReserved);
  });
});

it("figures", () => {
  console.log(`memory figures: ${JSON.stringify(figures)}`);
});
