// Threads (docs/threads.md): the option and its fallbacks, identical bytes at 1, 2, 3 and 4 threads
// for the ops that split (int8 GEMM by rows, hence conv2d and fully connected), in every threaded
// build this run tests, including shapes that do not divide evenly and calls below the split
// threshold; worker faults (a worker that throws or exits: a QkernError, never a hang), dispose, and
// many instances created and disposed. Threads beyond the 2 cores here still run (slower), which is
// what the identity tests need.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  QuantizedNetwork, calibrate, conv2d, createQkern, gemm, mobileNetV2, packConvWeights, packGemmWeights, syntheticImage, type Isa, type Qkern,
} from "../../src/index.js";
import { splitThreshold } from "../../src/kernels/split.js";
import { liveNodeWorkers } from "../../src/runtime/threads.js";
import { checkGemm, gemmCase } from "../support/gemm-check.js";
import { CHROMIUM, PAGE_HTML, bin, engineIt, importable, probe, root, runDriver, runPage, type Availability } from "../support/engines.js";
import { buildCases, describeInDefaultRun, expectError, relaxedRun, rng } from "../support/helpers.js";

const THREADED: readonly Isa[] = ["simd128", "relaxed"];
const COUNTS = [2, 3, 4] as const;

describe("createQkern threads option", () => {
  it("defaults to one thread; refuses bad values", async () => {
    const qk = await createQkern({ isa: "scalar" });
    expect(qk.threads).toBe(1);
    expect(qk.threadsNote).toBeNull();
    for (const bad of [0, -1, 1.5, 65, "two", Number.NaN]) {
      await expect(createQkern({ threads: bad as number })).rejects.toThrow(/createQkern: options.threads: must be an integer from 1 to 64 or 'auto'/);
    }
  });

  it("falls back to one thread with the reason: scalar build, precompiled module", async () => {
    const scalar = await createQkern({ isa: "scalar", threads: 2 });
    expect(scalar.threads).toBe(1);
    expect(scalar.threadsNote).toMatch(/scalar build has no threaded variant/);
    const module = await WebAssembly.compile(new Uint8Array(await (await import("node:fs/promises")).readFile(new URL("../../build/qkern.simd128.wasm", import.meta.url))));
    const pre = await createQkern({ module, threads: 2 });
    expect(pre.threads).toBe(1);
    expect(pre.threadsNote).toMatch(/options.module is a single-thread build/);
  });
});

describe("threads · builds", () => {
  // The relaxed builds compile only in the relaxed run (Node 20 flags): their import checks run there.
  it("the threaded builds have no data section and import a shared memory; the single-thread builds import none", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const name of ["simd128-mt", "relaxed-mt", "scalar", "simd128", "relaxed"]) {
      const bytes = new Uint8Array(await readFile(path.join(root, "build", `qkern.${name}.wasm`)));
      const ids: number[] = [];
      for (let at = 8; at < bytes.length;) {
        const id = bytes[at++]!;
        let size = 0;
        for (let shift = 0; ; shift += 7) {
          const b = bytes[at++]!;
          size += (b & 0x7f) * 2 ** shift;
          if (b < 0x80) break;
        }
        ids.push(id);
        at += size;
      }
      if (name.endsWith("-mt")) expect(ids.filter((id) => id === 11 || id === 12), `${name}: data sections`).toEqual([]);
      if (!WebAssembly.validate(bytes)) continue;
      const module = await WebAssembly.compile(bytes);
      const memoryImports = WebAssembly.Module.imports(module).filter((i) => i.kind === "memory");
      if (name.endsWith("-mt")) {
        expect(memoryImports.map((i) => `${i.module}.${i.name}`), name).toEqual(["env.memory"]);
        expect(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 65536 }) } }), `${name} needs a shared memory`).toThrow();
      } else {
        expect(memoryImports, name).toEqual([]);
      }
    }
  });
});

for (const c of buildCases().filter((b) => THREADED.includes(b.isa))) {
  describe.skipIf(c.skip)(`threads · ${c.title}`, () => {
    let one: Qkern;
    const many = new Map<number, Qkern>();
    beforeAll(async () => {
      one = await createQkern({ isa: c.isa });
      for (const n of COUNTS) many.set(n, await createQkern({ isa: c.isa, threads: n }));
    });
    afterAll(() => {
      for (const qk of many.values()) qk.dispose();
      splitThreshold.gemmMacs = GEMM_DEFAULT;
    });
    const GEMM_DEFAULT = splitThreshold.gemmMacs;

    it("runs the threads asked for", () => {
      for (const [n, qk] of many) {
        expect(qk.threads, qk.threadsNote ?? "").toBe(n);
        expect(qk.isa).toBe(c.isa);
        expect(qk.memoryStats()).toMatchObject({ bytesInUse: 0, allocations: 0 });
      }
    });

    it("gemm: identical bytes at 2, 3 and 4 threads, every call split (uneven rows, every stage)", () => {
      splitThreshold.gemmMacs = 0;
      // Without stealing every worker runs its share; with it (the default) the caller may run shares
      // of workers that have not begun: both must give the same bytes.
      const calls = () => [...many.values()].map((qk) => qk.rt.pool!.calls);
      const before = calls();
      fc.assert(fc.property(gemmCase(), (x) => {
        const want = checkGemm(one, x);
        for (const steal of [false, true]) {
          for (const qk of many.values()) {
            const pool = qk.rt.pool!;
            pool.steal = steal;
            const stolen = pool.stolen;
            expect(checkGemm(qk, x)).toEqual(want);
            if (!steal) expect(pool.stolen, "no share stolen with steal = false").toBe(stolen);
          }
        }
      }), { numRuns: 50, seed: 16 });
      calls().forEach((n, i) => expect(n - before[i]!, "split calls").toBeGreaterThan(20));
      splitThreshold.gemmMacs = GEMM_DEFAULT;
    });

    it("gemm: above and below the default split threshold, identical bytes", () => {
      const r = rng(7);
      for (const [m, k, n] of [[3, 64, 64], [37, 50, 33], [257, 300, 77], [196, 96, 576], [1, 512, 512]] as const) {
        const aData = Int8Array.from({ length: m * k }, () => Math.floor(r() * 256) - 128);
        const bData = Int8Array.from({ length: k * n }, () => Math.floor(r() * 256) - 128);
        const outs = [one, ...many.values()].map((qk) => {
          using a = qk.tensor(aData, [m, k], { quant: { scale: 0.02, zeroPoint: 3 } });
          using b = qk.tensor(bData, [k, n], { quant: { axis: 1, scale: Array.from({ length: n }, (_, i) => 0.001 * (1 + (i % 5))) } });
          using w = packGemmWeights(b, { bias: Array.from({ length: n }, (_, i) => i * 7 - 100) });
          using y = gemm(a, w, { output: { dtype: "int8", scale: 0.5, zeroPoint: -2 } });
          return y.toArray().slice();
        });
        for (const o of outs) expect(o).toEqual(outs[0]);
      }
    });

    it("conv2d (im2col and 1×1): identical bytes at 2, 3 and 4 threads", () => {
      splitThreshold.gemmMacs = 0;
      const r = rng(11);
      for (const [h, w, ic, oc, kk, stride, pad] of [[9, 7, 5, 13, 3, 2, "same"], [6, 6, 16, 24, 1, 1, "valid"], [5, 11, 3, 8, 3, 1, "valid"]] as const) {
        const xData = Uint8Array.from({ length: h * w * ic }, () => Math.floor(r() * 256));
        const wData = Int8Array.from({ length: oc * kk * kk * ic }, () => Math.floor(r() * 256) - 128);
        const outs = [one, ...many.values()].map((qk) => {
          using x = qk.tensor(xData, [1, h, w, ic], { quant: { scale: 0.03, zeroPoint: 120 } });
          using wt = qk.tensor(wData, [oc, kk, kk, ic], { quant: { axis: 0, scale: Array.from({ length: oc }, (_, i) => 0.002 + 0.0005 * i) } });
          using pw = packConvWeights(wt);
          using y = conv2d(x, pw, { strides: stride, padding: pad, output: { dtype: "uint8", scale: 0.1, zeroPoint: 5 }, activation: "relu6" });
          return y.toArray().slice();
        });
        for (const o of outs) expect(o).toEqual(outs[0]);
      }
      splitThreshold.gemmMacs = GEMM_DEFAULT;
    });

    it("MobileNetV2 int8 (hand-built): identical logits at 2 threads, default thresholds", () => {
      const spec = mobileNetV2();
      const params = calibrate(one, spec, [syntheticImage(spec.inputShape, 5)]);
      const img = syntheticImage(spec.inputShape, 6);
      const splitBefore = many.get(2)!.rt.pool!.calls;
      const logits = [one, many.get(2)!].map((qk) => {
        using net = new QuantizedNetwork(qk, spec, params);
        return net.run(img).logits;
      });
      expect(logits[1]).toEqual(logits[0]);
      expect(many.get(2)!.threads).toBe(2);
      expect(many.get(2)!.rt.pool!.calls - splitBefore, "split GEMM calls in one MobileNetV2 run").toBeGreaterThan(10);
    });
  });
}

/** A threaded instance of the first threaded build this run tests, or null. */
function threadedIsa(): Isa | null {
  return buildCases().find((b) => THREADED.includes(b.isa) && !b.skip)?.isa ?? null;
}

describe.skipIf(threadedIsa() === null)("threads · faults and lifetime", () => {
  const isa = threadedIsa()!;
  const GEMM_DEFAULT = splitThreshold.gemmMacs;
  afterAll(() => { splitThreshold.gemmMacs = GEMM_DEFAULT; });

  /** One split gemm call on `qk` (the threshold forced to 0); returns its output bytes. */
  const splitGemm = (qk: Qkern): Int32Array => {
    splitThreshold.gemmMacs = 0;
    try {
      using a = qk.tensor(Int8Array.from({ length: 16 * 8 }, (_, i) => (i * 7) % 256 - 128), [16, 8], { quant: { scale: 1 } });
      using b = qk.tensor(Int8Array.from({ length: 8 * 8 }, (_, i) => (i * 5) % 256 - 128), [8, 8], { quant: { scale: 1 } });
      using w = packGemmWeights(b);
      using y = gemm(a, w);
      return (y.toArray() as Int32Array).slice();
    } finally {
      splitThreshold.gemmMacs = GEMM_DEFAULT;
    }
  };

  it("'auto' runs min(4, cores) threads; guard mode checks split calls too", async () => {
    const { availableParallelism } = await import("node:os");
    const auto = await createQkern({ isa, threads: "auto" });
    expect(auto.threads).toBe(Math.min(4, availableParallelism()));
    auto.dispose();
    const guarded = await createQkern({ isa, threads: 2, guard: true });
    const plain = await createQkern({ isa });
    const calls = guarded.rt.pool!.calls;
    expect(splitGemm(guarded)).toEqual(splitGemm(plain));
    expect(guarded.rt.pool!.calls).toBe(calls + 1);
    guarded.dispose();
  });

  it("a worker that throws becomes a QkernError on the caller; the instance goes on with one thread", async () => {
    const qk = await createQkern({ isa, threads: 2 });
    const want = splitGemm(qk);
    qk.rt.pool!.testHook = "throw";
    expectError(() => splitGemm(qk), "gemm", "threads", /worker 1 threw: test hook: worker 1 threw; the worker pool is shut down/);
    expect(qk.threads).toBe(1);
    expect(qk.threadsNote).toMatch(/a worker failed .*test hook/);
    expect(splitGemm(qk)).toEqual(want);
    expect(qk.memoryStats()).toMatchObject({ bytesInUse: 0, allocations: 0 });
  });

  it("a worker that exits without answering is a QkernError after the timeout, not a hang", async () => {
    const qk = await createQkern({ isa, threads: 3 });  // 16 rows: 4 + 4 + 8, the last share to worker 2
    const want = splitGemm(qk);
    qk.rt.pool!.timeoutMs = 300;
    qk.rt.pool!.testHook = "exit";
    const t0 = performance.now();
    expectError(() => splitGemm(qk), "gemm", "threads", /worker 2 did not (start|finish) its share within \d+ ms/);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(qk.threads).toBe(1);
    expect(splitGemm(qk)).toEqual(want);
  }, 20_000);

  it("dispose while idle ends the workers; many instances created and disposed leave no worker behind", async () => {
    // Every instance of this file so far has been disposed or lost its pool: their workers end.
    await settled();
    expect(liveNodeWorkers()).toBe(0);
    const before = 0;
    let most = before;
    for (let i = 0; i < 12; i++) {
      const qk = await createQkern({ isa, threads: 2 + (i % 3) });
      expect(qk.threads).toBe(2 + (i % 3));
      most = Math.max(most, liveNodeWorkers());
      if (i % 2 === 0) splitGemm(qk);
      qk.dispose();
      expect(qk.threads).toBe(1);
      expect(qk.threadsNote).toBe("disposed");
      qk.dispose();
    }
    await settled();
    expect(most).toBeGreaterThan(before);
    expect(liveNodeWorkers()).toBe(before);
  }, 60_000);
});


/** Waits (at most 10 s) until no Node worker of this process is alive. */
async function settled(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (liveNodeWorkers() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The engine workload: a GEMM large enough to split at the default threshold, at 1 and 2 threads
 * (simd128), each output hashed; `emit` gets [{ threads, note, hash, splits }] for each.
 */
const engineWorkload = (qkern: string, emit: string): string => `import { createQkern, gemm, packGemmWeights } from ${JSON.stringify(qkern)};
const out = [];
for (const threads of [1, 2]) {
  const qk = await createQkern({ isa: "simd128", threads });
  const [m, k, n] = [200, 256, 130];
  const a = qk.tensor(Int8Array.from({ length: m * k }, (_, i) => (i * 7919) % 256 - 128), [m, k], { quant: { scale: 0.02, zeroPoint: 1 } });
  const b = qk.tensor(Int8Array.from({ length: k * n }, (_, i) => (i * 104729) % 255 - 127), [k, n], { quant: { scale: 0.01 } });
  const y = gemm(a, packGemmWeights(b), { output: { dtype: "int8", scale: 0.4, zeroPoint: -3 } });
  let hash = 0x811c9dc5;
  for (const v of y.toArray()) hash = Math.imul(hash ^ (v & 255), 16777619) >>> 0;
  out.push({ threads: qk.threads, note: qk.threadsNote, hash, splits: qk.rt.pool ? qk.rt.pool.calls : 0 });
  if (threads === 1) qk.dispose(); // the threaded instance is left undisposed: the process must still exit
}
(${emit})(out);
`;

interface EngineRun { readonly threads: number; readonly note: string | null; readonly hash: number; readonly splits: number }

/** Both runs gave the same bytes; the second ran on 2 threads and split, or fell back with `fallback` as the reason. */
function expectThreaded(runs: readonly EngineRun[], fallback?: RegExp): void {
  expect(runs.map((r) => r.threads)).toEqual([1, fallback ? 1 : 2]);
  expect(runs[1]!.hash).toBe(runs[0]!.hash);
  if (fallback) expect(runs[1]!.note).toMatch(fallback);
  else expect(runs[1]!.splits).toBeGreaterThan(0);
}

const skipped: Availability = { ok: true, reason: "" }; // the relaxed run skips the whole describe
const [deno, bun, chromium, playwright, esbuild]: Availability[] = relaxedRun ? Array<Availability>(5).fill(skipped) : await Promise.all([
  probe(bin("deno"), ["--version"], "npm ci installs the npm package deno"),
  probe(bin("bun"), ["--version"], "npm ci installs the npm package bun"),
  probe(CHROMIUM, ["--version"], ".ci/run installs Debian's chromium: apt-get install -y chromium"),
  importable("playwright-core"),
  importable("esbuild"),
]) as Availability[];

describeInDefaultRun("threads · engines", () => {
  const both = (...all: Availability[]): Availability => all.find((a) => !a.ok) ?? { ok: true, reason: "" };
  const script = path.join(root, "build", "engines", "threads.mjs");
  const writeScript = (): void => {
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, engineWorkload(pathToFileURL(path.join(root, "dist", "index.js")).href, "(r) => console.log(JSON.stringify(r))"));
  };
  engineIt("Deno (node:worker_threads) runs 2 threads, same bytes, and exits without dispose", deno!, async () => {
    writeScript();
    expectThreaded(await runDriver(bin("deno"), ["run", "-A", script]) as unknown as EngineRun[]);
  });
  engineIt("Bun (node:worker_threads) runs 2 threads, same bytes, and exits without dispose", bun!, async () => {
    writeScript();
    expectThreaded(await runDriver(bin("bun"), [script]) as unknown as EngineRun[]);
  });
  const page = async (headers: Record<string, string>): Promise<EngineRun[]> => {
    const { build } = await import("esbuild");
    const source = engineWorkload(path.join(root, "src", "index.ts"), "(r) => { globalThis.__qkern = r; }");
    const bundle = await build({ stdin: { contents: source, resolveDir: root, sourcefile: "main.js" }, bundle: true, write: false, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" });
    return await runPage({ "/": ["text/html", PAGE_HTML], "/main.js": ["text/javascript", bundle.outputFiles[0]!.text] }, headers) as unknown as EngineRun[];
  };
  engineIt("Chromium, cross-origin-isolated page (COOP/COEP): 2 threads on Web Workers, same bytes", both(chromium!, playwright!, esbuild!), async () => {
    expectThreaded(await page({ "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }));
  });
  engineIt("Chromium, page without isolation: one thread, and the reason", both(chromium!, playwright!, esbuild!), async () => {
    expectThreaded(await page({}), /SharedArrayBuffer is not available .*cross-origin isolated/);
  });
});
