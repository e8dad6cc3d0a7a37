// The seam between TypeScript and wasm stays honest: every registry row has binding code naming it,
// no op reaches an export but through a binding, layouts are written once, the layers import only
// downwards, and no source file grows past ~350 lines without saying why. Packers never write past
// the sizes their bindings report (guard mode catches a single byte).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONV_GEOMETRY_FIELDS } from "../../src/kernels/conv-geometry.js";
import {
  KERNELS, createQkern, packDepthwiseWeights, packGemmWeights, packInt4Weights, packPalettizedWeights, palettize, quantizeInt4,
} from "../../src/index.js";

const root = new URL("../..", import.meta.url).pathname;
const read = (p: string): string => readFileSync(join(root, p), "utf8");
function files(dir: string, ext = ".ts"): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext) && !p.includes(".generated.")) out.push(p);
  }
  return out;
}
const importsOf = (src: string): string[] => [...src.matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map((m) => m[1]!);

/** The binding file of a family; twins that share one assembly folder share its binding (docs/kernels.md). */
const TWINS: Record<string, string> = { qu8_dwconv: "qs8_dwconv" };
const bindingOf = (family: string): string => `src/kernels/${TWINS[family] ?? family}.ts`;

describe("registry and bindings", () => {
  it("every registry row has a binding file whose code (or the kernel modules it imports) names its family and variant parts", () => {
    const missing: string[] = [];
    for (const k of KERNELS) {
      const file = bindingOf(k.family);
      let text: string;
      try {
        text = read(file);
      } catch {
        missing.push(`${k.name}: no ${file}`);
        continue;
      }
      const local = importsOf(text).filter((p) => p.startsWith("./")).map((p) => read(`src/kernels/${p.slice(2).replace(/\.js$/, ".ts")}`));
      const all = [text, ...local].join("\n");
      if (!all.includes(`"${k.family}"`) && !all.includes(`"${TWINS[k.family] ?? k.family}"`)) missing.push(`${k.name}: ${file} never names "${k.family}"`);
      for (const part of [k.tile, k.stage === null && k.tile === null ? k.variant : null]) {
        if (part !== null && !all.includes(`"${part}"`) && !all.includes(`${part}"`)) missing.push(`${k.name}: ${file} never names "${part}"`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("ops, models and the public API reach exports only through src/kernels/", () => {
    const offenders = [...files("src/ops"), ...files("src/models"), "src/qkern.ts", "src/tensor.ts", "src/conformance.ts"]
      .filter((f) => /\brt\.kernel\(|resolveKernel|resolveFirst|from "\.\.\/registry\.js"|from "\.\.\/kernels\/resolve\.js"/.test(read(f)))
      .filter((f) => f !== "src/qkern.ts" || /kernel: \(name: string\) => rt\.kernel\(name\)/.test(read(f)) === false);
    expect(offenders).toEqual([]);
  });

  it("the geometry block's field order in TypeScript matches the G_* offsets of assembly/common/conv_geometry.ts", () => {
    const asm = read("assembly/common/conv_geometry.ts");
    const offsets = new Map([...asm.matchAll(/export const (G_[A-Z_]+): usize = (\d+);/g)].map((m) => [m[1]!, Number(m[2])]));
    const name = (f: string): string => `G_${f.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    expect(CONV_GEOMETRY_FIELDS.map((f) => [name(f), offsets.get(name(f))])).toEqual(CONV_GEOMETRY_FIELDS.map((f, i) => [name(f), 4 * i]));
    expect(offsets.size).toBe(CONV_GEOMETRY_FIELDS.length);
  });
});

describe("layers", () => {
  it("src/runtime/ imports nothing above it (only its own files and src/errors.ts)", () => {
    const bad = files("src/runtime").flatMap((f) => importsOf(read(f)).filter((p) => !p.startsWith("./") && p !== "../errors.js").map((p) => `${f} → ${p}`));
    expect(bad).toEqual([]);
  });

  it("src/kernels/ imports only the runtime, itself and plain types (never ops, tensors or the public class)", () => {
    const allowed = /^(\.\/|\.\.\/runtime\/|\.\.\/output-stage\.js|\.\.\/quant\.js|\.\.\/registry\.js)/;
    const bad = files("src/kernels").flatMap((f) => importsOf(read(f)).filter((p) => !allowed.test(p)).map((p) => `${f} → ${p}`));
    expect(bad).toEqual([]);
  });

  it("an assembly family imports only its own folder, assembly/common/, assembly/output/ and the allocator", () => {
    const bad = files("assembly").filter((f) => /^assembly\/[^/]+\//.test(f) && !f.startsWith("assembly/common/") && !f.startsWith("assembly/output/"))
      .flatMap((f) => importsOf(read(f)).filter((p) => p.startsWith("../") && !/^\.\.\/(common|output)\/|^\.\.\/memory$/.test(p)).map((p) => `${f} → ${p}`));
    expect(bad).toEqual([]);
  });

  it("test/ does not import bench/", () => {
    const bad = files("test").filter((f) => /from "(\.\.\/)+bench\//.test(read(f)));
    expect(bad).toEqual([]);
  });
});

describe("file sizes", () => {
  it("no source file under src/ or assembly/ exceeds 350 lines unless its header says why (\"Longer than 350 lines:\")", () => {
    const long = [...files("src"), ...files("assembly")]
      .map((f) => ({ f, text: read(f) }))
      .filter(({ text }) => text.split("\n").length > 350 && !text.split("\n").slice(0, 30).some((l) => l.includes("Longer than 350 lines:")))
      .map(({ f, text }) => `${relative(".", f)}: ${text.split("\n").length} lines`);
    expect(long).toEqual([]);
  });
});

describe("packers stay inside the sizes their bindings report (guard mode)", () => {
  it("dense, 7-bit, sparse and float GEMM weights, depthwise, int4 and palettized, random shapes", async () => {
    const qk = await createQkern({ isa: "scalar", guard: true });
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (k, n, seed) => {
        let s = seed;
        const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
        const i8 = Int8Array.from({ length: k * n }, () => (next() < 0.6 ? 0 : Math.floor(next() * 127) - 63));
        const b = qk.tensor(i8, [k, n], { quant: { scale: 0.01 } });
        for (const opts of [{ sparse: false }, { sparse: true }, { sparse: false, reduceRange: true }] as const) packGemmWeights(b, opts).dispose();
        b.dispose();
        using f = qk.tensor(Float32Array.from({ length: k * n }, () => next() - 0.5), [k, n]);
        packGemmWeights(f).dispose();
        const taps = 1 + (k % 9);
        const dwv = Int8Array.from({ length: taps * n }, () => Math.floor(next() * 255) - 128);
        using dw = qk.tensor(dwv, [1, taps, n], { quant: { scale: 0.02 } });
        packDepthwiseWeights(dw).dispose();
        using dwf = qk.tensor(Float32Array.from(dwv), [1, taps, n]);
        packDepthwiseWeights(dwf, { bias: new Float32Array(n) }).dispose();
        const kk = 32 * (1 + (k % 3));
        const wf = Float32Array.from({ length: kk * n }, () => next() - 0.5);
        packInt4Weights(qk, quantizeInt4(wf, [kk, n], { blockSize: 32 })).dispose();
        packPalettizedWeights(qk, palettize(wf, [kk, n], { bits: 4 }), { blockSize: 32 }).dispose();
      },
    ), { numRuns: 40, seed: 1812 });
    expect(qk.memoryStats().allocations).toBe(0);
  });
});
