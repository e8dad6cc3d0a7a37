// Engine matrix: the conformance workload (src/conformance.ts) in every engine qkern claims, each
// compared case by case with Node's scalar build in this process (whose outputs
// test/engines/conformance.test.ts checks against the references). Engines: Node 20 without flags, with
// relaxed SIMD on Liftoff (which detection must refuse) and with --no-liftoff; Deno and Bun (npm
// packages, `auto` must pick relaxed); Chromium headless loading an esbuild bundle from
// localhost, and four Web Workers there running at once (checksums equal to the page's own
// single-threaded run); the scalar build's self-test export in wasm-interp --disable-simd; and the wasm2js
// build (`qkern/js`) inside QuickJS. A missing engine skips with the reason in the title, or fails
// under QKERN_REQUIRE_ENGINES=1 (.ci/run). Runs in the default vitest run only.
import { pathToFileURL } from "node:url";
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createQkern } from "../../src/index.js";
import { runConformance, type ConformanceReport } from "../../src/conformance.js";
import {
  CHROMIUM, PAGE_HTML, bin, driverSource, engineIt, expectConforms as check, importable, probe, root, run, runDriver, runPage, runQuickJs, skippedEngines,
  type Availability, type DriverResult,
} from "../support/engines.js";
import { describeInDefaultRun, relaxedRun } from "../support/helpers.js";

const dist = (file: string): string => pathToFileURL(path.join(root, "dist", file)).href;
const driverFile = path.join(root, "build", "engines", "driver.mjs");

const skipped: Availability = { ok: true, reason: "" }; // the relaxed run skips the whole describe
const [deno, bun, chromium, playwright, esbuild, quickjs]: Availability[] = relaxedRun ? Array<Availability>(6).fill(skipped) : await Promise.all([
  probe(bin("deno"), ["--version"], "npm ci installs the npm package deno"),
  probe(bin("bun"), ["--version"], "npm ci installs the npm package bun"),
  probe(CHROMIUM, ["--version"], ".ci/run installs Debian's chromium: apt-get install -y chromium"),
  importable("playwright-core"),
  importable("esbuild"),
  importable("quickjs-emscripten"),
]) as Availability[];
const both = (...all: Availability[]): Availability => all.find((a) => !a.ok) ?? { ok: true, reason: "" };

/** One Web Worker run of WEB_WORKLOAD. */
interface WebRun { readonly isa: string; readonly checksum: string; readonly leaked: number[]; readonly start: number; readonly end: number }

/**
 * The browser concurrency workload (a module prelude): `workload({ isa, seed, rounds })` makes an
 * instance, runs the conformance workload and seeded GEMM, depthwise and int4 (M = 8: the 4×8
 * tile) rounds, and returns a checksum of every output byte, the instance's leak and its run time
 * (epoch ms, comparable across workers).
 */
const WEB_WORKLOAD = `import {
  createQkern, depthwiseConv2d, dynamicQuantize, gemm, gemmInt4, packDepthwiseWeights, packGemmWeights, packInt4Weights, quantizeInt4,
} from "qkern";
import { runConformance } from "qkern/conformance";
const fnv = (h, bytes) => { for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0; return h; };
const rng = (seed) => { let s = seed >>> 0 || 1; return () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 2 ** 32; }; };
async function workload({ isa, seed, rounds }) {
  const qk = await createQkern({ isa });
  const first = qk.memoryStats();
  const start = performance.timeOrigin + performance.now();
  let h = 0x811c9dc5;
  const eat = (t) => { h = fnv(h, new Uint8Array(qk.raw.memory.buffer, t.ptr, t.byteLength)); t.dispose(); };
  for (let r = 0; r < rounds; r++) {
    const rand = rng(seed * 1000 + r);
    h = fnv(h, new TextEncoder().encode(runConformance(qk).checksum));
    const [m, k, n] = [8, 64 + Math.floor(rand() * 100), 1 + Math.floor(rand() * 40)];
    const x = qk.tensor(Float32Array.from({ length: m * k }, () => rand() * 8 - 4), [m, k]);
    const a = dynamicQuantize(x, { dtype: "int8", perRow: true });
    const b = qk.tensor(Int8Array.from({ length: k * n }, () => Math.floor(rand() * 255) - 127), [k, n], { quant: { axis: 1, scale: Array.from({ length: n }, () => 0.01 + rand() / 10) } });
    const w = packGemmWeights(b);
    eat(gemm(a, w, { output: "float32" }));
    const c = 1 + Math.floor(rand() * 33);
    const dx = qk.tensor(Int8Array.from({ length: 9 * 9 * c }, () => Math.floor(rand() * 256) - 128), [1, 9, 9, c], { quant: { scale: 0.1, zeroPoint: 3 } });
    const dwt = qk.tensor(Int8Array.from({ length: 9 * c }, () => Math.floor(rand() * 255) - 127), [3, 3, c], { quant: { scale: 0.02 } });
    const dw = packDepthwiseWeights(dwt);
    eat(depthwiseConv2d(dx, dw, { padding: "same", output: { dtype: "int8", scale: 0.3 } }));
    const w4 = packInt4Weights(qk, quantizeInt4(Float32Array.from({ length: k * n }, () => rand() - 0.5), [k, n], { blockSize: 32 }));
    eat(gemmInt4(x, w4));
    for (const t of [x, a, b, dx, dwt]) t.dispose();
    for (const p of [w, dw, w4]) p.dispose();
  }
  const last = qk.memoryStats();
  return { isa: qk.isa, checksum: h.toString(16).padStart(8, "0"), leaked: [last.bytesInUse - first.bytesInUse, last.allocations - first.allocations], start, end: performance.timeOrigin + performance.now() };
}
`;

let expected: ConformanceReport;
const rows: string[] = [];

/** Checks a driver result (engines.ts) and keeps its table rows. */
function expectConforms(name: string, r: DriverResult, auto: string, isas: readonly string[]): void {
  rows.push(...check(expected, name, r, auto, isas));
}

describeInDefaultRun("engine matrix", () => {
  beforeAll(async () => {
    expected = runConformance(await createQkern({ isa: "scalar" }));
    mkdirSync(path.dirname(driverFile), { recursive: true });
    writeFileSync(driverFile, driverSource(dist("index.js"), dist("conformance.js"), "(r) => console.log(JSON.stringify(r))"));
  });

  afterAll(() => {
    const lines = [`conformance checksums vs Node scalar ${expected.checksum} (self-test ${expected.selftest}):`, ...rows];
    if (skippedEngines.length > 0) lines.push("SKIPPED (not installed here; .ci/run installs them and requires them):", ...skippedEngines.map((s) => `  ${s}`));
    console.log(lines.join("\n"));
  });

  it("Node 20 without flags: auto picks simd128; scalar and simd128 match; relaxed does not validate", async () => {
    const r = await runDriver(process.execPath, [driverFile]);
    expectConforms(`${r.engine} (no flags)`, r, "simd128", ["scalar", "simd128"]);
    expect(r.detect.relaxedSimdReason).toMatch(/do not validate/);
  });

  it("Node 20 with --experimental-wasm-relaxed-simd on Liftoff: detection refuses the miscomputing relaxed dot", async () => {
    const r = await runDriver(process.execPath, ["--experimental-wasm-relaxed-simd", driverFile]);
    expectConforms(`${r.engine} (relaxed flag, Liftoff)`, r, "simd128", ["scalar", "simd128"]);
    expect(r.detect.relaxedSimdReason).toMatch(/relaxed dot product computes/);
  });

  it("Node 20 with --experimental-wasm-relaxed-simd --no-liftoff: auto picks relaxed; all three builds match", async () => {
    const r = await runDriver(process.execPath, ["--experimental-wasm-relaxed-simd", "--no-liftoff", driverFile]);
    expectConforms(`${r.engine} (--experimental-wasm-relaxed-simd --no-liftoff)`, r, "relaxed", ["scalar", "simd128", "relaxed"]);
  });

  engineIt("Deno: auto picks relaxed; all three builds match", deno!, async () => {
    const r = await runDriver(bin("deno"), ["run", "--no-config", "--no-prompt", "--allow-read", driverFile], { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: path.join(root, "build", "engines", "deno-cache") });
    expectConforms(r.engine, r, "relaxed", ["scalar", "simd128", "relaxed"]);
  });

  engineIt("Bun: auto picks relaxed; all three builds match", bun!, async () => {
    const r = await runDriver(bin("bun"), [driverFile]);
    expectConforms(r.engine, r, "relaxed", ["scalar", "simd128", "relaxed"]);
  });

  engineIt("Chromium headless, page bundled by esbuild from localhost: auto picks relaxed; all three builds match", both(chromium!, playwright!, esbuild!), async () => {
    const { build } = await import("esbuild");
    const source = driverSource("qkern", "qkern/conformance", "(r) => { globalThis.__qkern = r; }");
    const bundle = await build({ stdin: { contents: source, resolveDir: root, sourcefile: "main.js" }, bundle: true, write: false, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" });
    const r = await runPage({ "/": ["text/html", PAGE_HTML], "/main.js": ["text/javascript", bundle.outputFiles[0]!.text] });
    expect(r.engine).toMatch(/HeadlessChrome\//);
    expectConforms(`Chromium ${/Chrome\/([\d.]+)/.exec(r.engine)?.[1] ?? "?"} (esbuild bundle)`, r, "relaxed", ["scalar", "simd128", "relaxed"]);
  });

  engineIt("Chromium headless, Web Workers: four instances run concurrently and match the page's single-threaded run", both(chromium!, playwright!, esbuild!), async () => {
    const { build } = await import("esbuild");
    const bundle = async (contents: string, sourcefile: string): Promise<string> =>
      (await build({ stdin: { contents, resolveDir: root, sourcefile }, bundle: true, write: false, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" })).outputFiles[0]!.text;
    const worker = await bundle(`${WEB_WORKLOAD}\nself.onmessage = async (e) => self.postMessage(await workload(e.data));\n`, "worker.js");
    const main = await bundle(`${WEB_WORKLOAD}
const jobs = [1, 2, 3, 4].map((seed, i) => ({ isa: ["scalar", "simd128", "relaxed", "simd128"][i], seed, rounds: 6 }));
const inWorker = (job) => new Promise((resolve, reject) => {
  const w = new Worker("/worker.js", { type: "module" });
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => reject(new Error(e.message));
  w.postMessage(job);
});
(async () => {
  const workers = await Promise.all(jobs.map(inWorker));
  const single = [];
  for (const job of jobs) single.push(await workload(job));
  globalThis.__qkern = { engine: navigator.userAgent, workers, single };
})().catch((e) => { globalThis.__qkernError = String((e && e.stack) || e); });
`, "main.js");
    const r = (await runPage({ "/": ["text/html", PAGE_HTML], "/main.js": ["text/javascript", main], "/worker.js": ["text/javascript", worker] })) as unknown as {
      workers: WebRun[]; single: WebRun[];
    };
    expect(r.workers.map((w) => [w.isa, w.checksum])).toEqual(r.single.map((w) => [w.isa, w.checksum]));
    for (const w of [...r.workers, ...r.single]) expect(w.leaked, "memory back to the start in every instance").toEqual([0, 0]);
    expect(new Set(r.single.map((w) => w.checksum)).size, "the workloads differ").toBe(4);
    // Concurrency: the most worker runs whose [start, end] intervals contain a common instant.
    const overlap = Math.max(...r.workers.map((a) => r.workers.filter((b) => b.start <= a.start && a.start < b.end).length));
    expect(overlap, "workers seen running at the same time").toBeGreaterThanOrEqual(2);
    rows.push(`${"Chromium Web Workers (4, concurrent)".padEnd(62)} ${"all".padEnd(8)} ${r.workers.map((w) => w.checksum).join(" ")}  match`);
  }, 120_000);

  engineIt("wasm-interp --disable-simd (wabt): the scalar build's self-test export gives Node's checksum", { ok: true, reason: "" }, async () => {
    const { stdout } = await run(bin("wasm-interp"), ["--disable-simd", path.join(root, "build", "qkern.scalar.wasm"), "-r", "qk_selftest"]);
    const m = /^qk_selftest\(\) => i32:(-?\d+)$/.exec(stdout.trim());
    expect(m, stdout).not.toBeNull();
    const got = (Number(m![1]) >>> 0).toString(16).padStart(8, "0");
    expect(got).toBe(expected.selftest);
    rows.push(`${"wasm-interp --disable-simd (qk_selftest only)".padEnd(62)} ${"scalar".padEnd(8)} ${got}  ${got === expected.selftest ? "match" : "MISMATCH"}`);
  });

  engineIt("QuickJS (no WebAssembly) runs qkern/js, the wasm2js build, bundled by esbuild", both(quickjs!, esbuild!), async () => {
    const { build } = await import("esbuild");
    const source = `import { createQkern, detect } from "qkern/js";
import { runConformance } from "qkern/conformance";
createQkern().then((qk) => report(JSON.stringify({ engine: "QuickJS", detect: detect(), auto: qk.isa, runs: [runConformance(qk)] })))
  .catch((e) => report(JSON.stringify({ error: String((e && e.stack) || e) })));
`;
    const bundle = await build({ stdin: { contents: source, resolveDir: root, sourcefile: "quickjs.js" }, bundle: true, write: false, format: "iife", platform: "neutral", target: "es2020", logLevel: "silent" });
    const code = bundle.outputFiles[0]!.text;
    expect(code, "the bundle leaves the inlined wasm out").not.toMatch(/WASM_BASE64/);
    const r = await runQuickJs(code);
    expect(r.detect.webassembly).toBe(false);
    expectConforms("QuickJS (quickjs-emscripten) with qkern/js", r, "scalar", ["scalar"]);
  });
});
