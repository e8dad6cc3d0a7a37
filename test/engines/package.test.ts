// The package as users get it: `npm pack` (of the build `npm test` just made), installed offline
// from the tarball into a throwaway consumer project, then imported in Node ESM (every entry
// point, and a wasm file through its export), type-checked by TypeScript with `nodenext` and with
// `bundler` resolution (without skipLibCheck), bundled by esbuild and by Vite and run (Node, and
// the Vite page in headless Chromium), each giving Node scalar's conformance checksums. Also the
// size report with budgets: growth past a budget fails here, so raising one is a decision.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createQkern } from "../../src/index.js";
import { runConformance, type ConformanceReport } from "../../src/conformance.js";
import { CHROMIUM, PAGE_HTML, driverSource, engineIt, expectConforms, importable, probe, root, run, runDriver, runPage, type DriverResult } from "../support/engines.js";
import { describeInDefaultRun } from "../support/helpers.js";

const browser = await Promise.all([probe(CHROMIUM, ["--version"], ".ci/run installs Debian's chromium: apt-get install -y chromium"), importable("playwright-core")])
  .then(([chromium, playwright]) => (chromium.ok ? playwright : chromium));

/** Bytes; raise one only on purpose (and say why in the commit). */
const BUDGETS = {
  // Raised from 450 000 / 2 000 000 for the threaded builds (dist/runtime/wasm-mt-inline.generated.js,
  // ~370 KB unpacked, ~100 KB compressed), loaded only by createQkern({ threads }); then from 560 000 /
  // 2 200 000 for issue 15's operators (TFLite ADD/SUB/MUL, activations, resize: kernels q8_vbin and
  // x8_ibilinear), the small-channel depthwise kernels (+13 KB per SIMD build, inlined twice), the graph
  // runner and the LiteRT.js loader of `qkern bench` (~85 KB packed, ~250 KB unpacked in all: the new
  // kernels are in five copies, the .wasm files, the base64 of the three builds and of the two threaded ones). Every wasm build ships
  // twice (build/*.wasm and inlined as base64): the first place to cut when this budget bites again.
  tarball: 680_000,
  unpacked: 2_600_000,
  "build/qkern.scalar.wasm": 40_000,
  "build/qkern.simd128.wasm": 140_000,
  "build/qkern.relaxed.wasm": 180_000,
  "dist/runtime/scalar-js.generated.js": 340_000,
} as const;

let consumer = "";
let tarball = "";
let expected: ConformanceReport;
const sizes: string[] = [];

const BOTH = "(r) => { if (typeof window !== 'undefined') globalThis.__qkern = r; else console.log(JSON.stringify(r)); }";

const NODE_CHECK = `import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createQkern, detect, quantize } from "qkern";
import { createQkern as createQkernJs } from "qkern/js";
import { runConformance } from "qkern/conformance";
import { quantizeLinear } from "qkern/reference";
const wasm = await readFile(fileURLToPath(import.meta.resolve("qkern/wasm/simd128")));
const fromModule = await createQkern({ module: await WebAssembly.compile(wasm) });
const js = await createQkernJs();
const qk = await createQkern({ isa: "scalar" });
console.log(JSON.stringify({
  moduleIsa: fromModule.isa,
  detect: detect(),
  scalar: runConformance(qk),
  js: runConformance(js),
  quantize: Array.from(quantize(qk.tensor([0.5, -1]), { dtype: "int8", scale: 0.01 }).toArray()),
  reference: Array.from(quantizeLinear([0.5, -1], [2], "int8", { scale: 0.01 })),
}));
`;

const TYPES_CHECK = `import { createQkern, quantize, type Qkern, type Tensor, type LinearMemory } from "qkern";
import { createQkern as createQkernJs } from "qkern/js";
import { runConformance, type ConformanceReport } from "qkern/conformance";
import { quantizeLinear } from "qkern/reference";

const qk: Qkern = await createQkern({ isa: "scalar" });
const t: Tensor<"int8"> = quantize(qk.tensor([1, 2]), { dtype: "int8", scale: 0.1 }) as Tensor<"int8">;
const memory: LinearMemory = qk.raw.memory;
const report: ConformanceReport = runConformance(await createQkernJs());
const ref: Int32Array = quantizeLinear([0.5], [1], "int8", { scale: 0.1 });
{
  using x = qk.tensor([1]);
  console.log(t.shape, memory.buffer.byteLength, report.checksum, ref, x.size);
}
// @ts-expect-error qkern/js has only the scalar build
await createQkernJs({ isa: "simd128" });
// @ts-expect-error not an exported subpath
await import("qkern/dist/tensor.js");
`;

function tsconfig(resolution: "nodenext" | "bundler"): string {
  const node = resolution === "nodenext";
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: node ? "NodeNext" : "ESNext",
      moduleResolution: node ? "NodeNext" : "Bundler",
      lib: node ? ["ES2022"] : ["ES2022", "DOM"],
      types: node ? ["node"] : [],
      typeRoots: [path.join(root, "node_modules", "@types")],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    },
    files: ["check.ts"],
  });
}

describeInDefaultRun("npm package", () => {
  beforeAll(async () => {
    expected = runConformance(await createQkern({ isa: "scalar" }));
    consumer = mkdtempSync(path.join(os.tmpdir(), "qkern-consumer-"));
    // `npm test` has just built dist/ and build/; --ignore-scripts skips a second build by `prepare`.
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", consumer], { cwd: root, maxBuffer: 16 << 20 });
    const packed = (JSON.parse(stdout) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>)[0]!;
    tarball = path.join(consumer, packed.filename);
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "qkern-consumer", private: true, type: "module" }));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", tarball], { cwd: consumer });
    sizes.push(`tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files`);
  }, 120_000);

  afterAll(() => {
    if (sizes.length > 0) console.log(["package size report:", ...sizes.map((s) => `  ${s}`)].join("\n"));
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("the tarball holds dist, the three wasm builds, README and package.json, and stays within its budgets", () => {
    const packedSize = statSync(tarball).size;
    const installed = path.join(consumer, "node_modules", "qkern");
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/js.js", "dist/conformance.js", "dist/reference/index.js", "dist/runtime/scalar-js.generated.js"]) {
      expect(statSync(path.join(installed, f)).isFile(), f).toBe(true);
    }
    const measured: Record<string, number> = { tarball: packedSize };
    for (const f of Object.keys(BUDGETS).filter((k) => k.includes("/"))) {
      const bytes = readFileSync(path.join(installed, f));
      measured[f] = bytes.length;
      sizes.push(`${f}: ${bytes.length} bytes (${gzipSync(bytes).length} gzipped), budget ${BUDGETS[f as keyof typeof BUDGETS]}`);
    }
    measured["unpacked"] = readdirSync(installed, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
    for (const [what, budget] of Object.entries(BUDGETS)) expect(measured[what], `${what} size`).toBeLessThanOrEqual(budget);
    expect(statSync(path.join(installed, "build", "qkern.scalar.wasm")).size).toBeGreaterThan(1000);
  });

  it("imports in Node ESM: every entry point, a wasm build through its export, the same checksums", async () => {
    writeFileSync(path.join(consumer, "node-check.mjs"), NODE_CHECK);
    const { stdout } = await run(process.execPath, ["node-check.mjs"], { cwd: consumer, maxBuffer: 16 << 20 });
    const r = JSON.parse(stdout) as { moduleIsa: string; scalar: ConformanceReport; js: ConformanceReport; quantize: number[]; reference: number[] };
    expect(r.moduleIsa).toBe("simd128");
    expect(r.scalar).toEqual(expected);
    expect(r.js).toEqual(expected);
    expect(r.quantize).toEqual(r.reference);
  });

  for (const resolution of ["nodenext", "bundler"] as const) {
    it(`type-checks with TypeScript, moduleResolution ${resolution}, skipLibCheck off`, async () => {
      const dir = path.join(consumer, `types-${resolution}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(path.join(dir, "check.ts"), TYPES_CHECK);
      writeFileSync(path.join(dir, "tsconfig.json"), tsconfig(resolution));
      // Resolve qkern from the consumer's node_modules (the installed tarball), one level up.
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
      const result = await run(process.execPath, [tsc, "-p", dir], { cwd: dir }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
      expect(result.stdout.trim(), "tsc output").toBe("");
    });
  }

  it("bundles with esbuild; the bundle runs in Node with the same checksums", async () => {
    const { build } = await import("esbuild");
    writeFileSync(path.join(consumer, "main.js"), driverSource("qkern", "qkern/conformance", BOTH));
    const out = path.join(consumer, "esbuild-bundle.mjs");
    await build({ entryPoints: [path.join(consumer, "main.js")], absWorkingDir: consumer, bundle: true, format: "esm", platform: "browser", target: "es2022", minify: true, outfile: out, logLevel: "silent" });
    sizes.push(`esbuild bundle (minified, all three builds inlined): ${statSync(out).size} bytes`);
    const r = await runDriver(process.execPath, [out]);
    expectConforms(expected, "esbuild bundle in Node", r, "simd128", ["scalar", "simd128"]);
  });

  let viteBundle = "";
  it("bundles with Vite; the bundle runs in Node with the same checksums", async () => {
    const { build } = await import("vite");
    writeFileSync(path.join(consumer, "main.js"), driverSource("qkern", "qkern/conformance", BOTH));
    await build({
      root: consumer, configFile: false, logLevel: "silent",
      build: { outDir: path.join(consumer, "vite-dist"), emptyOutDir: true, lib: { entry: path.join(consumer, "main.js"), formats: ["es"], fileName: "vite-bundle" } },
    });
    const out = path.join(consumer, "vite-dist", "vite-bundle.js");
    viteBundle = readFileSync(out, "utf8");
    sizes.push(`Vite bundle (library mode, all three builds inlined): ${viteBundle.length} bytes`);
    const r = await runDriver(process.execPath, [out]);
    expectConforms(expected, "Vite bundle in Node", r, "simd128", ["scalar", "simd128"]);
  }, 120_000);

  engineIt("the Vite bundle as a page in headless Chromium: auto picks relaxed, same checksums", browser, async () => {
    expect(viteBundle, "the Vite test ran first").not.toBe("");
    const r: DriverResult = await runPage({ "/": ["text/html", PAGE_HTML], "/main.js": ["text/javascript", viteBundle] });
    expectConforms(expected, "Vite bundle in Chromium", r, "relaxed", ["scalar", "simd128", "relaxed"]);
  });
});

