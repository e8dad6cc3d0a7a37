// The worker pool of a threaded instance: workers that each instantiated the same threaded build
// over the instance's shared memory (src/runtime/threads.ts starts them) and run one kernel call
// at a time on the arguments they are given. Workers never allocate: the calling thread prepares
// every buffer, hands each worker a job (an export and its arguments, e.g. a row range), runs a
// share itself, then waits for all of them.
//
// Protocol, per worker, in one shared Int32Array (a 64-byte slot per worker, against false
// sharing) and one shared Float64Array of arguments:
//   SEQ      the caller stores a new sequence number after writing the arguments, then notifies;
//            the worker spins briefly, then Atomics.wait()s on it. STOP (-1) ends the worker.
//   CLAIM    whoever runs the job first stores its sequence number by compare-and-swap: the worker
//            when it wakes, or the caller when it has finished its own share and the worker has not
//            begun (a worker that the OS has not scheduled yet, on a busy machine: the caller runs
//            that share itself instead of spinning, so a split is never much slower than none);
//   STARTED  the worker stores the sequence number when it takes the job;
//   DONE     ... and when the job has finished (STATUS: 0 ok, 1 threw; the message in MSG).
// Only the workers given a job are woken, so an idle one never runs a stale job. The caller waits by
// spinning (a browser's main thread may not block), and where it may block (Node, a worker), by
// short Atomics.wait()s after the spin. A worker that threw becomes a QkernError on the caller; one
// that exited (reported asynchronously) or never answers is detected by the next call or a timeout,
// never a hang.

import { QkernError } from "../errors.js";
import type { KernelFn } from "./runtime.js";

/** Int32 words per worker slot (64 bytes). */
export const SLOT_INTS = 16;
/** Float64 arguments per worker: export index, argument count, then up to 14 arguments. */
export const SLOT_ARGS = 16;
/** UTF-16 code units of a worker's error message. */
export const MSG_CHARS = 256;
export const SEQ = 0;
export const DONE = 1;
export const STATUS = 2;
export const STARTED = 3;
export const CLAIM = 4;
export const STOP = -1;
/** Export indices of the test hooks: the worker throws, or the worker exits without answering. */
export const HOOK_THROW = -1;
export const HOOK_EXIT = -2;

/** What the pool needs of one spawned worker. */
export interface WorkerHandle {
  terminate(): void;
}

/** The shared control memory of a pool of `workers` workers. */
export interface PoolShared {
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
  readonly msg: Uint16Array;
}

/** Allocates the shared control arrays for `workers` workers. */
export function poolShared(workers: number): PoolShared {
  return {
    ctrl: new Int32Array(new SharedArrayBuffer(4 * SLOT_INTS * workers)),
    args: new Float64Array(new SharedArrayBuffer(8 * SLOT_ARGS * workers)),
    msg: new Uint16Array(new SharedArrayBuffer(2 * MSG_CHARS * workers)),
  };
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  /** Workers (the calling thread is not counted). */
  readonly size: number;
  private readonly shared: PoolShared;
  private readonly index: ReadonlyMap<string, number>;
  private readonly block = mayBlock();
  private seq = 0;
  private failure: string | null = null;
  private disposed = false;
  /** @internal Tests: the next split call gives its last worker this hook instead of its job. */
  testHook: "throw" | "exit" | null = null;
  /** @internal Split calls run so far (tests check that a network really splits). */
  calls = 0;
  /** @internal Worker shares the caller ran itself because the worker had not begun them. */
  stolen = 0;
  /** @internal Tests: false makes the caller always wait for the workers (so that they run every share). */
  steal = true;
  /** @internal How long a worker may take to start a job or (beyond the caller's own share) finish it. */
  timeoutMs = 10_000;

  constructor(private readonly workers: readonly WorkerHandle[], shared: PoolShared, names: readonly string[], private readonly onFailure: (reason: string) => void) {
    this.size = workers.length;
    this.shared = shared;
    this.index = new Map(names.map((n, i) => [n, i]));
  }

  /** Marks the pool broken (a worker exited or failed to start); the next call reports it. */
  fail(reason: string): void {
    if (this.failure === null && !this.disposed) this.failure = reason;
  }

  /**
   * Runs the export `name` once per argument list, at most 1 + size lists: the first on this thread
   * (through `own`, the caller's function for that export), the others on workers; returns when all
   * have finished. Throws a QkernError (op `op`, argument `threads`) if a worker failed; the pool is
   * then shut down and the instance goes on with one thread.
   */
  run(op: string, name: string, own: KernelFn, argLists: readonly (readonly number[])[]): void {
    const { ctrl, args } = this.shared;
    const fn = this.index.get(name);
    if (fn === undefined) throw new Error(`qkern internal: no export ${name} in the worker pool`);
    if (argLists.length > this.size + 1) throw new Error(`qkern internal: ${argLists.length} jobs for ${this.size} workers`);
    if (this.failure !== null) this.shutDown(op);
    const seq = ++this.seq;
    this.calls++;
    const jobs = argLists.length - 1;
    for (let w = 0; w < jobs; w++) {
      const list = argLists[w + 1]!;
      if (list.length > SLOT_ARGS - 2) throw new Error(`qkern internal: ${list.length} arguments for ${name}`);
      const a = w * SLOT_ARGS;
      const hook = w === jobs - 1 ? this.testHook : null;
      args[a] = hook === "throw" ? HOOK_THROW : hook === "exit" ? HOOK_EXIT : fn;
      args[a + 1] = list.length;
      for (let i = 0; i < list.length; i++) args[a + 2 + i] = list[i]!;
      Atomics.store(ctrl, w * SLOT_INTS + SEQ, seq);
      Atomics.notify(ctrl, w * SLOT_INTS + SEQ, 1);
    }
    this.testHook = null;
    const t0 = performance.now();
    let ownError: unknown = null;
    try {
      own(...argLists[0]!);
    } catch (e) {
      ownError = e;
    }
    const ownMs = performance.now() - t0;
    const taken = new Array<boolean>(jobs).fill(false);
    if (this.steal) {
      for (let w = 0; w < jobs && ownError === null; w++) {
        const at = w * SLOT_INTS + CLAIM;
        const claimed = Atomics.load(ctrl, at);
        if (args[w * SLOT_ARGS]! < 0 || claimed === seq || Atomics.compareExchange(ctrl, at, claimed, seq) !== claimed) continue;
        this.stolen++;
        taken[w] = true;
        try {
          own(...argLists[w + 1]!);
        } catch (e) {
          ownError = e;
        }
      }
    }
    const error = this.join(seq, jobs, ownMs, taken);
    if (ownError !== null) throw ownError;
    if (error !== null) {
      this.failure = error;
      this.shutDown(op);
    }
  }

  /** Waits for workers 0..jobs-1 (except the shares `taken` by the caller) to finish job `seq`; returns the first failure, or null. */
  private join(seq: number, jobs: number, ownMs: number, taken: readonly boolean[]): string | null {
    const { ctrl } = this.shared;
    let failure: string | null = null;
    for (let w = 0; w < jobs; w++) {
      const base = w * SLOT_INTS;
      if (taken[w]) continue;
      let spins = 0;
      const start = performance.now();
      for (;;) {
        const done = Atomics.load(ctrl, base + DONE);
        if (done === seq) break;
        if (++spins < 4096) continue;
        if (this.block) Atomics.wait(ctrl, base + DONE, done, 1);
        else if ((spins & 1023) !== 0) continue;
        const waited = performance.now() - start;
        const started = Atomics.load(ctrl, base + STARTED) === seq;
        if ((!started && waited > this.timeoutMs) || waited > this.timeoutMs + 50 * ownMs) {
          failure ??= `worker ${w + 1} ${started ? "did not finish its share" : "did not start its share"} within ${Math.round(waited)} ms`;
          break;
        }
      }
      if (failure === null && Atomics.load(ctrl, base + DONE) === seq && Atomics.load(ctrl, base + STATUS) !== 0) failure = `worker ${w + 1} threw: ${this.message(w)}`;
    }
    return failure;
  }

  private message(w: number): string {
    const { msg } = this.shared;
    let s = "";
    for (let i = w * MSG_CHARS; i < (w + 1) * MSG_CHARS && msg[i] !== 0; i++) s += String.fromCharCode(msg[i]!);
    return s;
  }

  private shutDown(op: string): never {
    const reason = this.failure ?? "unknown failure";
    this.dispose();
    this.onFailure(reason);
    throw new QkernError(op, "threads", `${reason}; the worker pool is shut down and this instance now runs on one thread`);
  }

  /** Stops and terminates the workers (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { ctrl } = this.shared;
    for (let w = 0; w < this.size; w++) {
      Atomics.store(ctrl, w * SLOT_INTS + SEQ, STOP);
      Atomics.notify(ctrl, w * SLOT_INTS + SEQ);
    }
    for (const worker of this.workers) worker.terminate();
  }
}
