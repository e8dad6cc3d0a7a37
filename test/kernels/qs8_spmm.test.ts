// qs8_spmm: sparse int8 GEMM in 1×4 blocks, and the pruning tools. Every sparse kernel
// of every build gives exactly the dense GEMM's result on the same pruned weights
// (TOLERANCES.accumulators / sameFormula); pruning keeps exactly the highest-scoring groups.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KERNELS, QkernError, gemm, packGemmWeights, prune, pruneGlobal } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { describeBuilds, rng } from "../support/helpers.js";
import { checkSpmm, spmmCase } from "../support/spmm-check.js";

describeBuilds("qs8_spmm", (get, isa) => {
  const tiles = [...new Set(KERNELS.filter((k) => k.family === "qs8_spmm" && buildHas(isa, k) && k.stage !== null).map((k) => k.tile!))];
  for (const tile of tiles) {
    const names = KERNELS.filter((k) => buildHas(isa, k) && k.family === "qs8_spmm" && k.stage !== null && k.tile === tile).map((k) => k.name);
    it(`${names.join(", ")}: equal to the dense GEMM on the same pruned weights`, () => {
      fc.assert(fc.property(spmmCase.filter((c) => tile !== "1x1c8" || c.m === 1), (c) => checkSpmm(get(), c, tile)), { numRuns: 100 });
    });
  }
  it("packs sparse only above the threshold with sparse: 'auto', and reports bytes", () => {
    const qk = get();
    using b = qk.tensor(new Int8Array(64 * 8).map((_, i) => ((i >> 5) % 4 === 0 ? 5 : 0)), [64, 8], { quant: { scale: 0.1 } });
    using w = packGemmWeights(b);
    expect(w.blockSparsity).toBeCloseTo(0.75, 10);
    expect(w.format).toBe("sparse");
    expect(w.byteLength).toBeLessThan(w.denseByteLength);
    using d = packGemmWeights(b, { sparseThreshold: 0.8 });
    expect(d.format).toBe("dense");
    expect(() => gemm(qk.tensor(new Int8Array(64), [1, 64], { quant: { scale: 1 } }), w, { output: "float32" })).toThrow(/float32 output is not available for sparse weights/);
  });
});

describe("prune", () => {
  it("hits the target within one block and keeps exactly the highest-scoring groups", () => {
    fc.assert(fc.property(
      fc.constantFrom("unstructured" as const, "block1x4" as const, "block1x8" as const, "block4x1" as const),
      fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(),
      (structure, sparsity, kb, nb, seed) => {
        const r = rng(seed);
        const [k, n] = [kb * 8, nb * 4];
        const w = Float32Array.from({ length: k * n }, () => (r() - 0.5) * 2 || 0.5);
        const res = prune(w, [k, n], { sparsity, structure });
        const size = structure === "unstructured" ? 1 : structure === "block1x8" ? 8 : 4;
        expect(Math.abs(res.sparsity - sparsity)).toBeLessThanOrEqual(size / (k * n) / 2 + 1e-12 + size / (k * n));
        // Group scores: every kept group scores at least as high as every pruned one.
        const groups: { score: number; kept: boolean }[] = [];
        for (let col = 0; col < n; col += structure === "block4x1" ? 4 : 1) {
          for (let kk = 0; kk < k; kk += structure === "block1x4" ? 4 : structure === "block1x8" ? 8 : 1) {
            const members = structure === "unstructured" ? [kk * n + col] : structure === "block4x1" ? [0, 1, 2, 3].map((j) => kk * n + col + j)
              : Array.from({ length: size }, (_, j) => (kk + j) * n + col);
            groups.push({ score: Math.hypot(...members.map((i) => w[i]!)), kept: members.some((i) => res.weights[i] !== 0) });
          }
        }
        const minKept = Math.min(...groups.filter((g) => g.kept).map((g) => g.score));
        const maxPruned = Math.max(...groups.filter((g) => !g.kept).map((g) => g.score));
        expect(minKept).toBeGreaterThanOrEqual(maxPruned);
      }), { numRuns: 100 });
  });

  it("2:4 keeps at most 2 nonzeros in every group of 4 along K", () => {
    const r = rng(3);
    const w = Float32Array.from({ length: 16 * 5 }, () => r() - 0.5);
    const { weights, sparsity } = prune(w, [16, 5], { structure: "2:4" });
    expect(sparsity).toBe(0.5);
    for (let col = 0; col < 5; col++) for (let kk = 0; kk < 16; kk += 4) expect([0, 1, 2, 3].filter((j) => weights[(kk + j) * 5 + col] !== 0).length).toBeLessThanOrEqual(2);
  });

  it("prunes int8 weights to their zero point and several tensors to one global target", () => {
    const w = Int8Array.from({ length: 32 }, (_, i) => i - 10);
    const res = prune(w, [8, 4], { sparsity: 0.5, zeroPoint: -10 });
    expect(res.weights.filter((v) => v === -10).length).toBe(16);
    const [a, b] = pruneGlobal([{ weights: new Float32Array(16).fill(1), shape: [4, 4] }, { weights: new Float32Array(16).fill(3), shape: [4, 4] }], { sparsity: 0.5 });
    expect([a!.sparsity, b!.sparsity]).toEqual([1, 0]);
  });

  it("refuses bad targets and structures", () => {
    const w = new Float32Array(12);
    expect(() => prune(w, [3, 4], { sparsity: 1 })).toThrow(/\[0, 1\)/);
    expect(() => prune(w, [3, 4], { sparsity: -0.1 })).toThrow(QkernError);
    expect(() => prune(w, [3, 4], { sparsity: 0.5, structure: "block1x4" })).toThrow(/needs K divisible by 4, got K = 3/);
    expect(() => prune(w, [4, 4], { sparsity: 0.5 })).toThrow(/do not match shape/);
    expect(() => prune(new Float32Array(16), [4, 4], { structure: "2:4", sparsity: 0.7 })).toThrow(/2:4 structure means sparsity 0.5/);
  });
});
