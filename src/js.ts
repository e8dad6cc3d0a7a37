/**
 * `qkern/js`: the whole qkern API for engines without WebAssembly. `createQkern` here runs the
 * scalar build translated to JavaScript by binaryen's wasm2js; every other export is the one of
 * `qkern`, and ops give the same bytes as in the wasm builds.
 *
 * @example
 * ```ts
 * import { createQkern, packGemmWeights, gemm } from 'qkern/js';
 * const qk = await createQkern();
 * const w = packGemmWeights(qk.tensor(new Int8Array([1, 2, 3, 4]), [2, 2]));
 * const a = qk.tensor(new Int8Array([5, -1]), [1, 2], { quant: { scale: 1 } });
 * console.log(gemm(a, w).toArray()); // Int32Array(2) [ 2, 6 ]
 * ```
 * @packageDocumentation
 */

export * from "./index.js";
export { createQkern, type CreateJsOptions } from "./create-js.js";
