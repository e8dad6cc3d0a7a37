// Starting a threaded instance: how many threads an engine can have (and why fewer), the shared
// memory, the threaded build (src/runtime/wasm-mt-inline.generated.ts, loaded only here), and the
// workers: Node's worker_threads (Node, and Deno and Bun through their Node compatibility), or module
// Web Workers from a Blob URL (browsers). Each worker instantiates the same module over the same
// memory, moves its kernel scratch into a block the calling thread allocated for it
// (assembly/common/threads.ts), says it is ready, and then only runs the jobs of the pool protocol (src/runtime/pool.ts). Node-style workers (Node, Deno, Bun) are
// unref'd: an instance that is never disposed does not keep the process alive.

import { CLAIM, DONE, HOOK_EXIT, HOOK_THROW, MSG_CHARS, SEQ, SLOT_ARGS, SLOT_INTS, STARTED, STATUS, STOP, ThreadPool, poolShared, type WorkerHandle } from "./pool.js";
import type { Isa } from "./load.js";

/** The worker's program (plain JavaScript; it runs as a Node eval worker or a Web Worker). */
const WORKER_SOURCE = `"use strict";
const SEQ = ${SEQ}, DONE = ${DONE}, STATUS = ${STATUS}, STARTED = ${STARTED}, CLAIM = ${CLAIM}, STOP = ${STOP};
const HOOK_THROW = ${HOOK_THROW}, HOOK_EXIT = ${HOOK_EXIT}, MSG_CHARS = ${MSG_CHARS};
function serve(d, ready, exit) {
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  ex.qk_set_thread_scratch(d.scratch);
  const fns = d.names.map((n) => ex[n]);
  const ctrl = d.ctrl, args = d.args, msg = d.msg, c = d.index * ${SLOT_INTS}, a = d.index * ${SLOT_ARGS};
  let seen = Atomics.load(ctrl, c + SEQ);
  ready();
  for (;;) {
    let s = Atomics.load(ctrl, c + SEQ);
    for (let i = 0; s === seen && i < 20000; i++) s = Atomics.load(ctrl, c + SEQ);
    if (s === seen) { Atomics.wait(ctrl, c + SEQ, seen); continue; }
    seen = s;
    if (s === STOP) break;
    const claimed = Atomics.load(ctrl, c + CLAIM);
    if (claimed === s || Atomics.compareExchange(ctrl, c + CLAIM, claimed, s) !== claimed) continue;
    Atomics.store(ctrl, c + STARTED, s);
    let status = 0;
    try {
      const f = args[a];
      if (f === HOOK_EXIT) { exit(); return; }
      if (f === HOOK_THROW) throw new Error("test hook: worker " + (d.index + 1) + " threw");
      fns[f](args[a + 2], args[a + 3], args[a + 4], args[a + 5], args[a + 6], args[a + 7], args[a + 8],
        args[a + 9], args[a + 10], args[a + 11], args[a + 12], args[a + 13], args[a + 14], args[a + 15]);
    } catch (e) {
      status = 1;
      const text = String(e && e.message || e).slice(0, MSG_CHARS - 1);
      const m = d.index * MSG_CHARS;
      for (let i = 0; i < MSG_CHARS; i++) msg[m + i] = i < text.length ? text.charCodeAt(i) : 0;
    }
    Atomics.store(ctrl, c + STATUS, status);
    Atomics.store(ctrl, c + DONE, s);
    Atomics.notify(ctrl, c + DONE);
  }
  exit();
}
`;

const NODE_MAIN = `const { parentPort } = require("node:worker_threads");
parentPort.once("message", (d) => serve(d, () => parentPort.postMessage("ready"), () => process.exit(0)));`;

const WEB_MAIN = `self.onmessage = (e) => serve(e.data, () => self.postMessage("ready"), () => self.close());`;

/** What a threaded instance is made of. */
export interface Threaded {
  readonly exports: Record<string, unknown>;
  readonly pool: ThreadPool;
}

/** Why an engine cannot run threads at all, or null. */
export function threadsUnavailable(isa: Isa): string | null {
  if (isa === "scalar") return "the scalar build has no threaded variant";
  if (typeof SharedArrayBuffer !== "function") {
    return "SharedArrayBuffer is not available (a web page must be cross-origin isolated: COOP and COEP headers)";
  }
  if (typeof Atomics?.wait !== "function") return "Atomics.wait is not available";
  if (typeof globalThis.Worker !== "function" && !isNode()) return "this engine has no workers";
  return null;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

/** A Node built-in module, by a computed specifier so that bundlers for the web leave it alone. */
function importNode(name: string): Promise<unknown> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ specifier);
}

/** Cores the engine reports (1 when it does not say). */
export async function hardwareThreads(): Promise<number> {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof n === "number" && n > 0) return n;
  if (isNode()) {
    const os = (await importNode("os")) as { availableParallelism?: () => number; cpus: () => unknown[] };
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

/**
 * Instantiates the threaded build of `isa` on a new shared memory and starts `workers` workers on
 * it. `allocScratch(bytes)` allocates each worker's scratch block (on the calling thread, through
 * the new instance: it is called after `onInstance`). Rejects if a worker cannot start.
 */
export async function startThreads(
  isa: "simd128" | "relaxed", workers: number, onInstance: (exports: Record<string, unknown>) => (bytes: number) => number,
  onFailure: (reason: string) => void,
): Promise<Threaded> {
  const { WASM_MT_BASE64, WASM_MT_MEMORY } = await import("./wasm-mt-inline.generated.js");
  const module = await compileThreaded(isa, WASM_MT_BASE64[isa]);
  const memory = new WebAssembly.Memory({ initial: WASM_MT_MEMORY.initial, maximum: WASM_MT_MEMORY.maximum, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as Record<string, unknown>;
  const alloc = onInstance(exports);
  const scratchBytes = (exports["qk_thread_scratch_bytes"] as () => number)() >>> 0;
  const names = Object.keys(exports).filter((n) => typeof exports[n] === "function");
  const shared = poolShared(workers);
  const handles: WorkerHandle[] = [];
  let pool: ThreadPool | null = null;
  const failed = (reason: string): void => pool?.fail(reason);
  try {
    const starts: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      const data = { module, memory, names, index: w, scratch: alloc(scratchBytes), ...shared };
      const { handle, ready } = await spawn(data, failed);
      handles.push(handle);
      starts.push(ready);
    }
    await Promise.all(starts);
  } catch (e) {
    for (const h of handles) h.terminate();
    throw e;
  }
  pool = new ThreadPool(handles, shared, names, onFailure);
  for (const h of handles) (h as { unref?: () => void }).unref?.();
  return { exports, pool };
}

const threadedModules = new Map<string, Promise<WebAssembly.Module>>();

function compileThreaded(isa: string, base64: string): Promise<WebAssembly.Module> {
  let m = threadedModules.get(isa);
  if (!m) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    m = WebAssembly.compile(bytes);
    threadedModules.set(isa, m);
    m.catch(() => threadedModules.delete(isa));
  }
  return m;
}

let nodeWorkersAlive = 0;

/** @internal Tests: Node workers started and not yet exited (unref'd workers are not in Node's active resources). */
export function liveNodeWorkers(): number {
  return nodeWorkersAlive;
}

interface Spawned {
  readonly handle: WorkerHandle & { unref?: () => void };
  /** Resolves when the worker has instantiated the module and waits for jobs. */
  readonly ready: Promise<void>;
}

/**
 * Starts one worker: Node's worker_threads where the engine has them (Node, Deno and Bun: there
 * workers can be unref'd; Deno's Web Workers would keep the process alive), else a module Web Worker.
 */
async function spawn(data: object, failed: (reason: string) => void): Promise<Spawned> {
  const STARTUP_MS = 30_000;
  if (!isNode()) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE, WEB_MAIN], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a worker did not start within ${STARTUP_MS} ms`)), STARTUP_MS);
      worker.onmessage = () => { clearTimeout(timer); URL.revokeObjectURL(url); resolve(); };
      worker.onerror = (e) => {
        clearTimeout(timer);
        const reason = `a worker failed: ${e.message ?? "error"}`;
        failed(reason);
        reject(new Error(reason));
      };
    });
    worker.postMessage(data);
    return { handle: worker as unknown as Spawned["handle"], ready };
  }
  const { Worker: NodeWorker } = (await importNode("worker_threads")) as unknown as {
    Worker: new (src: string, o: object) => WorkerHandle & { unref(): void; once(ev: string, f: (x: unknown) => void): void; on(ev: string, f: (x: unknown) => void): void; postMessage(d: unknown): void };
  };
  const worker = new NodeWorker(WORKER_SOURCE + NODE_MAIN, { eval: true, name: "qkern" });
  nodeWorkersAlive++;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a worker did not start within ${STARTUP_MS} ms`)), STARTUP_MS);
    worker.once("message", () => { clearTimeout(timer); resolve(); });
    worker.on("error", (e) => {
      clearTimeout(timer);
      const reason = `a worker failed: ${(e as Error).message}`;
      failed(reason);
      reject(new Error(reason));
    });
    worker.on("exit", (code) => {
      nodeWorkersAlive--;
      clearTimeout(timer);
      failed(`a worker exited (code ${String(code)})`);
      reject(new Error(`a worker exited (code ${String(code)}) before it started`));
    });
  });
  worker.postMessage(data);
  return { handle: worker, ready };
}
