// createQkern of `qkern/js`: the scalar build translated to JavaScript by binaryen's wasm2js, for
// engines without WebAssembly (QuickJS, Hermes, locked-down embeddings). Same kernels, same
// results, byte for byte; slower (every int64 and float32 step becomes several JS operations).

import { QkernError } from "./errors.js";
import { Qkern } from "./qkern.js";
import { Runtime } from "./runtime/runtime.js";
import { instantiateScalarJs } from "./runtime/scalar-js.generated.js";

/** Options of `createQkern` from `qkern/js`. */
export interface CreateJsOptions {
  /** Only the scalar build exists as JavaScript: `auto` (default) and `scalar` both give it. */
  readonly isa?: "auto" | "scalar";
}

/**
 * Creates an instance of the JavaScript build: no WebAssembly needed. Its `isa` is `scalar` and
 * every op gives the bytes the wasm builds give; `raw.memory` is a stand-in with `buffer` and
 * `grow`. Everything else in `qkern/js` is the `qkern` API itself.
 *
 * @example
 * ```ts
 * import { createQkern, quantize } from 'qkern/js';
 * const qk = await createQkern();
 * const q = quantize(qk.tensor([0.5, -1, 2.25]), { dtype: 'int8', scale: 0.01 });
 * console.log(qk.isa, q.toArray()); // scalar Int8Array(3) [ 50, -100, 127 ]
 * ```
 */
export async function createQkern(options: CreateJsOptions = {}): Promise<Qkern> {
  const isa = options.isa ?? "auto";
  if (isa !== "auto" && isa !== "scalar") {
    throw new QkernError("createQkern", "options.isa", `qkern/js has only the scalar build: use 'auto' or 'scalar', got ${String(isa)}`);
  }
  return new Qkern(new Runtime(instantiateScalarJs()));
}
