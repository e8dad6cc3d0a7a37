// The scratch workspace (src/runtime/workspace.ts) and the row-range entry of the qs8_gemm binding
// (src/kernels/qs8_gemm.ts), which threads will split work at.

import fc from "fast-check";
import { expect, it } from "vitest";
import { gemm, packGemmWeights, quantize, type Qkern } from "../../src/index.js";
import { qs8Gemm, QS8_GEMM_MR } from "../../src/kernels/qs8_gemm.js";
import { matmulInteger } from "../../src/reference/index.js";
import { describeBuilds, rng } from "../support/helpers.js";

describeBuilds("workspace", (get) => {
  it("is reused call after call, kept out of bytesInUse/allocations, and freed by trimWorkspace", () => {
    const qk = get();
    qk.trimWorkspace();
    const start = qk.memoryStats();
    using x = qk.tensor(Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i)));
    using q = qk.empty("int8", [4096], { quant: { scale: 0.01, zeroPoint: 0 } });
    quantize(x, q);
    const after1 = qk.memoryStats();
    for (let i = 0; i < 100; i++) quantize(x, q);
    const after100 = qk.memoryStats();
    expect(after100).toEqual(after1);
    expect(after1.allocations - start.allocations).toBe(2); // the two tensors, not the workspace
    if (qk.rt.guards === null) expect(after1.workspaceBytes).toBeGreaterThan(0);
    qk.trimWorkspace();
    expect(qk.memoryStats().workspaceBytes).toBe(0);
    expect(qk.memoryStats().bytesInUse).toBe(after1.bytesInUse);
  });

  it("nests like a stack; a nested request that does not fit gets a temporary block; results do not depend on it", () => {
    const qk = get();
    const ws = qk.rt.workspace;
    qk.trimWorkspace();
    const before = qk.memoryStats();
    const seen: number[] = [];
    ws.with("test", [100, 16], ([a, b]) => {
      seen.push(a!, b!);
      if (qk.rt.guards === null) expect(b! - a!).toBe(112); // 16-byte aligned pieces in order (guard mode: one block each)
      const cap = qk.memoryStats().workspaceBytes;
      ws.with("test", [200], ([c]) => {
        seen.push(c!);
        if (qk.rt.guards === null) expect(c).toBe(b! + 16); // on top of the outer pieces
      });
      ws.with("test", [cap + 1000], ([d]) => {
        seen.push(d!);
        expect(qk.memoryStats().allocations).toBe(before.allocations + (qk.rt.guards === null ? 1 : 3)); // a temporary block
      });
      expect(qk.memoryStats().allocations).toBe(before.allocations + (qk.rt.guards === null ? 0 : 2));
    });
    expect(seen.every((p) => p % 16 === 0)).toBe(true);
    expect(qk.memoryStats().allocations).toBe(before.allocations);
    // The next top-level request grows to the high-water mark, so the same nesting needs no temporary block.
    if (qk.rt.guards === null) {
      ws.with("test", [16], () => undefined);
      expect(qk.memoryStats().workspaceBytes).toBeGreaterThanOrEqual(qk.memoryStats().workspaceHighWater);
    }
  });

  it("a host runtime's region is used as handed in (and a too-small one falls back to a temporary block per call)", () => {
    const qk = get();
    const a = qk.tensor(Int8Array.from({ length: 5 * 33 }, (_, i) => (i * 37) % 256 - 128), [5, 33], { quant: { scale: 0.1, zeroPoint: -3 } });
    const b = qk.tensor(Int8Array.from({ length: 33 * 9 }, (_, i) => (i * 11) % 255 - 127), [33, 9], { quant: { scale: 0.2 } });
    using w = packGemmWeights(b, { sparse: false });
    using own = gemm(a, w);
    for (const bytes of [64 * 1024, 16]) {
      const region = qk.raw.alloc(bytes);
      qk.raw.useWorkspace({ ptr: region, bytes });
      const allocations = qk.memoryStats().allocations;
      using y = gemm(a, w);
      expect(Array.from(y.toArray())).toEqual(Array.from(own.toArray()));
      expect(qk.memoryStats().allocations).toBe(allocations + 1); // only the output: scratch from the region or a freed temporary block
      expect(qk.memoryStats().workspaceBytes).toBe(0);
      qk.raw.useWorkspace(null);
      qk.raw.free(region);
    }
    a.dispose();
    b.dispose();
  });
});

describeBuilds("qs8_gemm row ranges", (get) => {
  it("computeRows over any split at multiples of MR writes exactly the rows of the whole call", () => {
    const qk: Qkern = get();
    const g = qs8Gemm(qk.rt);
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (m, k, n, seed) => {
      const r = rng(seed);
      const av = Int8Array.from({ length: m * k }, () => Math.floor(r() * 256) - 128);
      const bv = Int8Array.from({ length: k * n }, () => Math.floor(r() * 255) - 127);
      using a = qk.tensor(av, [m, k]);
      using b = qk.tensor(bv, [k, n]);
      using w = packGemmWeights(b, { sparse: false });
      const expected = matmulInteger({ m, k, n, a: av, aZeroPoint: 0, b: bv, bZeroPoint: 0 });
      // Cut points: multiples of MR, random.
      const cuts = [0, ...Array.from({ length: 3 }, () => Math.floor((r() * m) / QS8_GEMM_MR) * QS8_GEMM_MR).sort((x, y) => x - y), m];
      using out = qk.zeros("int32", [m, n]);
      const rt = qk.rt;
      rt.workspace.with("test", [g.packaBytes(m, k), g.rowsumsBytes(m), 16], ([pa, rs, za]) => {
        rt.views().i32[za! >>> 2] = 0;
        const call = { a: a.ptr, m, n, k, unsigned: false, za: 0, aScale: null, w: w.ptr, c: out.ptr, ldc: 4 * n, stage: "int32", params: 0 } as const;
        rt.kernel(`qs8_gemm_packa__${rt.isa === "scalar" ? "scalar" : "simd128"}`)(a.ptr, m, k, k, 0, za!, 0, pa!, rs!);
        for (let i = 0; i + 1 < cuts.length; i++) g.computeRows(call, { a: pa!, rowsums: rs!, aScale: 0, aScaleStride: 0 }, cuts[i]!, cuts[i + 1]!);
      });
      expect(Array.from(out.toArray())).toEqual(Array.from(expected));
    }), { numRuns: 60 });
  });
});
