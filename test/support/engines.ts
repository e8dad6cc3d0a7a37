// Plumbing of the engine-matrix and package tests: which engines are installed (and why not),
// the conformance driver that every JavaScript engine runs, child processes, a localhost page in
// headless Chromium, and a script in QuickJS.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import type { ConformanceReport } from "../../src/conformance.js";

export const root = new URL("../..", import.meta.url).pathname;
export const bin = (name: string): string => path.join(root, "node_modules", ".bin", name);
export const CHROMIUM = process.env["QKERN_CHROMIUM"] ?? "/usr/bin/chromium";
/** Flags for headless Chromium on a closed network, as root (see .ci/run). */
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
/** In CI (.ci/run sets it) a missing engine fails instead of skipping: CI installs them all. */
export const requireEngines = process.env["QKERN_REQUIRE_ENGINES"] === "1";

/** Whether a tool can run here; `reason` says why not. */
export interface Availability {
  readonly ok: boolean;
  readonly reason: string;
}

export const run = promisify(execFile);

/** A command answers `--version` (or the probe given). */
export async function probe(cmd: string, args: readonly string[], install: string): Promise<Availability> {
  if (!existsSync(cmd)) return { ok: false, reason: `${path.basename(cmd)} is not installed (${install})` };
  try {
    await run(cmd, [...args], { timeout: 30_000 });
    return { ok: true, reason: "" };
  } catch (e) {
    return { ok: false, reason: `${path.basename(cmd)} does not run here: ${(e as Error).message.split("\n")[0]} (${install})` };
  }
}

/** A package can be imported. */
export async function importable(name: string): Promise<Availability> {
  try {
    await import(name);
    return { ok: true, reason: "" };
  } catch {
    return { ok: false, reason: `npm package ${name} is not installed (npm ci installs it)` };
  }
}

/** Titles and reasons of the engine tests skipped in this process (printed at the end of the file). */
export const skippedEngines: string[] = [];

/**
 * A test that needs an engine: skipped with the reason in its title when the engine is missing,
 * except under QKERN_REQUIRE_ENGINES=1, where a missing engine fails the test.
 */
export function engineIt(title: string, availability: Availability, body: () => Promise<void>, timeout = 60_000): void {
  if (availability.ok) {
    it(title, body, timeout);
  } else if (requireEngines) {
    it(title, () => { throw new Error(`QKERN_REQUIRE_ENGINES=1 but ${availability.reason}`); });
  } else {
    skippedEngines.push(`${title}: ${availability.reason}`);
    it.skip(`${title} (skipped: ${availability.reason})`, () => {});
  }
}

/** What the driver reports: the engine, detection, the build `auto` picks, and one report per build it can run. */
export interface DriverResult {
  readonly engine: string;
  readonly detect: { readonly webassembly: boolean; readonly simd128: boolean; readonly relaxedSimd: boolean; readonly relaxedSimdReason?: string };
  readonly auto: string;
  readonly runs: ReadonlyArray<ConformanceReport | { readonly isa: string; readonly unavailable: string }>;
}

/**
 * Checks a driver result against Node scalar's report: `auto` picked the build it should, exactly
 * `isas` ran, and every one of them gave the same cases and checksums. Returns one table row per build.
 */
export function expectConforms(expected: ConformanceReport, name: string, r: DriverResult, auto: string, isas: readonly string[]): string[] {
  expect(r.auto, `${name}: build chosen by auto`).toBe(auto);
  expect(r.runs.filter((x) => "checksum" in x).map((x) => x.isa), `${name}: builds that ran`).toEqual(isas);
  const rows: string[] = [];
  for (const report of r.runs) {
    if (!("checksum" in report)) continue;
    expect(report.cases, `${name} ${report.isa}`).toEqual(expected.cases);
    expect({ ...report, isa: "scalar" }, `${name} ${report.isa}`).toEqual(expected);
    rows.push(`${name.padEnd(62)} ${report.isa.padEnd(8)} ${report.checksum}  ${report.checksum === expected.checksum ? "match" : "MISMATCH"}`);
  }
  return rows;
}

/**
 * The conformance driver as an ES module: import qkern (specifiers given), create the `auto`
 * instance and one per build, run the workload in each, and call `emit` (a function expression) with the result.
 */
export function driverSource(qkern: string, conformance: string, emit: string): string {
  return `import { createQkern, detect } from ${JSON.stringify(qkern)};
import { runConformance } from ${JSON.stringify(conformance)};
const engine = typeof navigator !== "undefined" && navigator.userAgent ? navigator.userAgent
  : typeof Deno !== "undefined" ? "deno " + Deno.version.deno : typeof Bun !== "undefined" ? "bun " + Bun.version : "node " + process.version;
const auto = await createQkern();
const runs = [];
for (const isa of ["scalar", "simd128", "relaxed"]) {
  let qk;
  try { qk = await createQkern({ isa }); } catch (e) { runs.push({ isa, unavailable: e.message }); continue; }
  runs.push(runConformance(qk));
}
(${emit})({ engine, detect: detect(), auto: auto.isa, runs });
`;
}

/** Runs a command whose last stdout line is the driver's JSON. */
export async function runDriver(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<DriverResult> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "qkern-engine-"));
  try {
    const { stdout } = await run(cmd, [...args], { cwd, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 });
    const last = stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(last) as DriverResult;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Serves `files` (path → [content type, body]) on 127.0.0.1, opens `/` in headless Chromium with
 * a fresh profile, waits for `globalThis.__qkern` and returns it. Page errors fail the run.
 * `headers` go on every response (e.g. COOP/COEP for a cross-origin-isolated page).
 */
export async function runPage(files: Record<string, readonly [string, string | Uint8Array]>, headers: Record<string, string> = {}): Promise<DriverResult> {
  const { chromium } = await import("playwright-core");
  const server = http.createServer((req, res) => {
    const file = files[(req.url ?? "/").split("?")[0] ?? "/"];
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file[0], ...headers }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const profile = mkdtempSync(path.join(os.tmpdir(), "qkern-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = await page.waitForFunction(() => (globalThis as { __qkern?: unknown }).__qkern ?? (globalThis as { __qkernError?: unknown }).__qkernError, null, { timeout: 60_000 });
    const value = (await result.jsonValue()) as DriverResult | string;
    if (typeof value === "string" || errors.length > 0) throw new Error(`page failed: ${String(value)} ${errors.join("; ")}`);
    return value;
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page shell that loads a module script. */
export const PAGE_HTML = "<!doctype html><meta charset=utf-8><title>qkern conformance</title><script type=module src=/main.js></script>";

/**
 * Evaluates a classic script in a fresh QuickJS context (no WebAssembly there) that calls
 * `report(json)` once; returns the parsed value. A deadline interrupts runaway scripts.
 */
export async function runQuickJs(script: string): Promise<DriverResult> {
  const { getQuickJS, shouldInterruptAfterDeadline } = await import("quickjs-emscripten");
  const quickjs = await getQuickJS();
  const runtime = quickjs.newRuntime();
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + 120_000));
  const vm = runtime.newContext();
  try {
    let reported: string | undefined;
    const report = vm.newFunction("report", (h) => {
      reported = vm.getString(h);
    });
    vm.setProp(vm.global, "report", report);
    report.dispose();
    vm.unwrapResult(vm.evalCode(script, "qkern-quickjs.js")).dispose();
    while (reported === undefined) {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) {
        const message = JSON.stringify(vm.dump(jobs.error));
        jobs.error.dispose();
        throw new Error(`QuickJS job failed: ${message}`);
      }
      if (jobs.value === 0) break;
    }
    if (reported === undefined) throw new Error("the QuickJS script never reported");
    const value = JSON.parse(reported) as DriverResult | { error: string };
    if ("error" in value) throw new Error(`QuickJS: ${value.error}`);
    return value;
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}
