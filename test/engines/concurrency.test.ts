// Concurrency: independent instances in worker_threads run at the same time and give the bytes of
// a single-threaded run of the same workloads (test/support/concurrency-workload.mjs, on the built
// package). Half the workers receive a precompiled WebAssembly.Module from this thread instead of
// compiling their own. Web Workers in headless Chromium: test/engines/engines.test.ts.
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";
import { runWorkload, type Workload, type WorkloadResult } from "../support/concurrency-workload.mjs";
import { buildCases } from "../support/helpers.js";

const isas = buildCases().filter((c) => !c.skip).map((c) => c.isa);
const WORKERS = 4;

function inWorker(workload: Workload, shared: SharedArrayBuffer): Promise<WorkloadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("../support/concurrency-workload.mjs", import.meta.url), { workerData: { workload, shared, workers: WORKERS } });
    worker.once("message", (m: WorkloadResult) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
  });
}

it.skipIf(isas.length === 0)(`${WORKERS} workers (builds ${isas.join(", ")}) run concurrently and match a single-threaded run`, async () => {
  const workloads: Workload[] = Array.from({ length: WORKERS }, (_, i) => ({ isa: isas[i % isas.length]!, seed: i + 1, rounds: 8 }));
  const single: WorkloadResult[] = [];
  for (const w of workloads) single.push(await runWorkload(w));
  const shared = new SharedArrayBuffer(12);
  const results = await Promise.all(workloads.map((w, i) => {
    if (i % 2 === 0) return inWorker(w, shared);
    const module = new WebAssembly.Module(readFileSync(new URL(`../../build/qkern.${w.isa}.wasm`, import.meta.url)));
    return inWorker({ seed: w.seed, rounds: w.rounds, module }, shared);
  }));
  expect(results.map((r) => [r.isa, r.checksum])).toEqual(single.map((r) => [r.isa, r.checksum]));
  for (const r of [...single, ...results]) expect(r.leaked, "memory back to the start in every instance").toEqual([0, 0]);
  expect(new Set(single.map((r) => r.checksum)).size, "the workloads differ").toBe(WORKERS);
  expect(new Int32Array(shared)[2], "workers seen running at the same time").toBeGreaterThanOrEqual(2);
}, 120_000);
