// createQkern: pick (or check) a build, compile it once, instantiate it.

import { QkernError } from "./errors.js";
import { Qkern } from "./qkern.js";
import { detect } from "./runtime/detect.js";
import { ISAS, compileBuild, type Isa } from "./runtime/load.js";
import { Runtime } from "./runtime/runtime.js";
import { hardwareThreads, startThreads, threadsUnavailable } from "./runtime/threads.js";

/** Options of `createQkern`. */
export interface CreateOptions {
  /**
   * Which build to run. `auto` (default) takes the best the engine runs correctly: relaxed, then
   * simd128, then scalar. Forcing a build the engine cannot run throws a QkernError.
   */
  readonly isa?: "auto" | Isa;
  /**
   * A precompiled qkern build, a `WebAssembly.Module` (e.g. compiled from `qkern/wasm/simd128`).
   * Its build is read from the module itself; `isa`, if given, must agree. Typed as `object` so
   * that the declarations need neither the DOM lib nor @types/node.
   */
  readonly module?: object;
  /**
   * Debug mode for out-of-bounds writes (default false): every allocation gets 64 guard bytes of a
   * known pattern on each side and a poisoned payload; all guards are checked before and after every
   * kernel call and when memory is freed, and a changed guard byte (or a double free) throws a
   * QkernError with op `guard`. Results are unchanged; calls are slower, so use it in tests.
   */
  readonly guard?: boolean;
  /**
   * Threads that run the split ops (docs/threads.md): a number (1 to 64), or `auto`: min(4, cores)
   * where the engine has SharedArrayBuffer and workers. Default 1 (today, until every op splits;
   * `auto` is opt-in). More than 1 runs the threaded variant of the simd128 or relaxed build on
   * shared memory with a pool of workers; where that is not possible the instance runs on one
   * thread and `qk.threadsNote` says why. End the workers with `qk.dispose()` (an instance that is
   * never disposed does not keep Node alive). Results are identical for every thread count.
   */
  readonly threads?: number | "auto";
}

/**
 * Creates an instance with its own linear memory. Several can live side by side (one per build,
 * to compare them); tensors belong to the instance that made them.
 *
 * @example
 * ```ts
 * import { createQkern, detect } from 'qkern';
 * const qk = await createQkern();                       // best build for this engine
 * const scalar = await createQkern({ isa: 'scalar' });  // force one
 * console.log(qk.isa, scalar.isa, detect());
 * ```
 */
export async function createQkern(options: CreateOptions = {}): Promise<Qkern> {
  const op = "createQkern";
  const requested = options.isa ?? "auto";
  if (requested !== "auto" && !ISAS.includes(requested)) {
    throw new QkernError(op, "options.isa", `must be 'auto', 'scalar', 'simd128' or 'relaxed', got ${String(requested)}`);
  }
  const features = detect();
  if (!features.webassembly) throw new QkernError(op, "engine", "WebAssembly is not available in this engine");
  let module = options.module;
  const guard = options.guard ?? false;
  if (typeof guard !== "boolean") throw new QkernError(op, "options.guard", `must be true or false, got ${String(guard)}`);
  if (module !== undefined && !(module instanceof WebAssembly.Module)) {
    throw new QkernError(op, "options.module", "must be a WebAssembly.Module");
  }
  const threads = options.threads ?? 1;
  if (threads !== "auto" && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new QkernError(op, "options.threads", `must be an integer from 1 to 64 or 'auto', got ${String(threads)}`);
  }
  if (module === undefined) {
    const isa = requested === "auto" ? bestIsa() : requested;
    checkSupported(isa);
    if (threads !== 1) {
      const threaded = await createThreaded(isa, threads, guard);
      if (threaded instanceof Qkern) return threaded;
      module = await compileBuild(isa);
      const qk = await instantiate(module, requested, guard);
      qk.rt.threadsNote = threaded;
      return qk;
    }
    module = await compileBuild(isa);
  } else if (threads !== 1) {
    const qk = await instantiate(module, requested, guard);
    qk.rt.threadsNote = "options.module is a single-thread build: threads need the threaded builds qkern compiles itself";
    return qk;
  }
  return instantiate(module, requested, guard);
}

async function instantiate(module: object, requested: "auto" | Isa, guard: boolean): Promise<Qkern> {
  const op = "createQkern";
  const instance = await WebAssembly.instantiate(module as WebAssembly.Module, {});
  const rt = new Runtime(instance.exports as Record<string, unknown>, guard);
  if (requested !== "auto" && rt.isa !== requested) {
    throw new QkernError(op, "options.module", `is the ${rt.isa} build, but options.isa asks for ${requested}`);
  }
  checkSupported(rt.isa);
  return new Qkern(rt);
}

/** A threaded instance, or the reason why there can be none (the caller then makes a single-thread one). */
async function createThreaded(isa: Isa, threads: number | "auto", guard: boolean): Promise<Qkern | string> {
  const unavailable = threadsUnavailable(isa);
  if (unavailable !== null) return unavailable;
  const cores = await hardwareThreads();
  const wanted = threads === "auto" ? Math.min(4, cores) : threads;
  if (wanted === 1) return `the engine reports ${cores} core${cores === 1 ? "" : "s"}`;
  let rt: Runtime | undefined;
  try {
    const t = await startThreads(isa as "simd128" | "relaxed", wanted - 1, (exports) => {
      rt = new Runtime(exports, guard);
      return (bytes) => rt!.allocThreadScratch(bytes);
    }, (reason) => rt?.dropPool(`a worker failed (${reason}); running on one thread`));
    rt!.pool = t.pool;
    return new Qkern(rt!);
  } catch (e) {
    return `the workers could not start: ${(e as Error).message}`;
  }
}

function bestIsa(): Isa {
  const f = detect();
  if (f.relaxedSimd) return "relaxed";
  if (f.simd128) return "simd128";
  return "scalar";
}

function checkSupported(isa: Isa): void {
  const f = detect();
  if (isa === "simd128" && !f.simd128) {
    throw new QkernError("createQkern", "options.isa", "the simd128 build needs WebAssembly SIMD, which this engine lacks");
  }
  if (isa === "relaxed" && !f.relaxedSimd) {
    throw new QkernError("createQkern", "options.isa", `the relaxed build needs relaxed SIMD: ${f.relaxedSimdReason ?? "unsupported"}`);
  }
}
