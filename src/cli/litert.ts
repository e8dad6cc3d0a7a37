// Longer than 350 lines: one peer's whole binding (the types of its embind layer, loading, compile, run) kept together.
// LiteRT.js (@litertjs/core, Google's TFLite for the web: XNNPACK compiled to wasm by emscripten)
// set up for Node 20 on one thread: the peer of `npx qkern bench` (when @litertjs/core is installed;
// a devDependency here), of the bench and the oracle of the tests (peers/litert.ts re-exports this
// file). Node's modules are imported dynamically and typed locally: the library's sources compile
// without Node's types.
//
// The wasm builds the package ships (node_modules/@litertjs/core/wasm/, each a .wasm plus its
// emscripten JS glue), and where they run in Node 20:
//   litert_wasm_compat_internal   SIMD128, no relaxed SIMD       plain `node`          → variant 'simd'
//   litert_wasm_internal          relaxed SIMD                   `node --experimental-wasm-relaxed-simd`
//                                                                (the relaxed test run adds --no-liftoff
//                                                                for qkern; LiteRT gave the same bytes
//                                                                with and without it) → variant 'relaxed'
//   litert_wasm_jspi_internal     relaxed SIMD + JSPI            not in Node 20: needs WebAssembly.Suspending
//   litert_wasm_threaded_internal relaxed SIMD + pthreads        not here: its glue wants `navigator` and
//                                                                web workers; single-threaded peers only
// LiteRT.js's own loadLiteRt() picks between the first two the same way: relaxed when
// supportsFeature('relaxedSimd'), else compat.
//
// Why this file does not use LiteRT.js's high-level API (loadLiteRt → loadAndCompile → Tensor →
// CompiledModel.run): its JavaScript layer maps element types through a frozen, unexported table
// of float32 / int32 / uint8 only, so loadAndCompile() of any int8 model throws "Element type INT8
// is not supported." while describing the model's inputs, although the wasm runs int8 models.
// The table cannot be extended without editing the package. So this peer uses the layer below,
// which the package also exports: `new LiteRt(module).liteRtWasm`, the embind bindings of the C++
// API (LiteRtEnvironment, loadModel, compileModel, LiteRtTensorBuffer, CompiledModel.run), the same
// calls loadAndCompile and CompiledModel.run make, minus the dtype table.
//
// The shim, all of it in `instantiate` below, is one thing: evaluating the emscripten glue. The
// glue is a CommonJS/UMD script (`var ModuleFactory = …; module.exports = ModuleFactory`) that
// uses `require('node:fs')` and `__filename` to find and read its .wasm, but it sits in a
// "type": "module" package, so Node loads it as an ES module through both import() and require()
// and gets an empty namespace (no `module` to export through, and `require` would be missing
// inside). We compile it as a CommonJS function body (node:vm) and pass it `require`, `module`,
// `exports`, `__filename`, `__dirname`. No global is defined: loadLiteRt()
// would need `self` and `importScripts` (it loads the glue the way a web worker does), but we call
// the factory ourselves, which also lets both variants live in one process (loadLiteRt keeps one
// global instance) and skips its WebGPU probe (which warns in Node: no `navigator`).
//
// Not exposed by LiteRT.js: quantization parameters (the embind tensor type has element type and
// shape only); read them from the .tflite file (test/support/tflite-io.ts).

// The few Node APIs used here, typed locally (the library's sources compile without @types/node).
interface NodeApis {
  readFileSync(file: string, encoding: "utf8"): string;
  createRequire(from: string): ((id: string) => unknown) & { resolve(id: string): string };
  compileFunction(code: string, params: string[], options: { filename: string }): (...args: unknown[]) => void;
  join(...parts: string[]): string;
  dirname(p: string): string;
}
interface LitertCore {
  supportsFeature(feature: string): Promise<boolean>;
  LiteRt: new (module: unknown) => { liteRtWasm: unknown };
}

let apis: Promise<NodeApis> | undefined;
function node(): Promise<NodeApis> {
  apis ??= (async () => {
    const fs = (await import("node:fs" as string)) as { readFileSync: NodeApis["readFileSync"] };
    const mod = (await import("node:module" as string)) as { createRequire: NodeApis["createRequire"] };
    const vm = (await import("node:vm" as string)) as { compileFunction: NodeApis["compileFunction"] };
    const path = (await import("node:path" as string)) as { join: NodeApis["join"]; dirname: NodeApis["dirname"] };
    return { readFileSync: fs.readFileSync, createRequire: mod.createRequire, compileFunction: vm.compileFunction, join: path.join, dirname: path.dirname };
  })();
  return apis;
}
const core = (): Promise<LitertCore> => import("@litertjs/core" as string) as Promise<LitertCore>;

/** The folder of @litertjs/core's wasm builds (a QkernError-free plain Error when the package is missing). */
async function wasmDir(): Promise<string> {
  const n = await node();
  return n.join(n.dirname(n.createRequire(import.meta.url).resolve("@litertjs/core")), "..", "wasm");
}

export type LitertVariant = 'simd' | 'relaxed';

/** The glue script of each variant, in @litertjs/core's wasm/ folder. */
export const LITERT_FILES: Readonly<Record<LitertVariant, string>> = {
  simd: 'litert_wasm_compat_internal.js',
  relaxed: 'litert_wasm_internal.js',
};

/** The element types this peer passes in and out (LiteRT's ElementType numbers). */
const DTYPES = {
  float32: { elementType: 1, array: Float32Array },
  int32: { elementType: 2, array: Int32Array },
  uint8: { elementType: 3, array: Uint8Array },
  int16: { elementType: 7, array: Int16Array },
  int8: { elementType: 9, array: Int8Array },
} as const;
export type LitertDType = keyof typeof DTYPES;
export type LitertArray = Float32Array | Int32Array | Uint8Array | Int16Array | Int8Array;

/** An input or output of a compiled model, as LiteRT.js reports it. */
export interface LitertTensorInfo {
  /** The signature's name (a SignatureDef's key, or the tensor's name when the file has none). */
  readonly name: string;
  /** −1 for a dynamic dimension (the file's shape_signature); the peer runs those as 1. */
  readonly shape: readonly number[];
  readonly dtype: LitertDType;
}

/** A compiled model (XNNPACK on the CPU, one thread). */
export interface LitertModel {
  readonly inputs: readonly LitertTensorInfo[];
  readonly outputs: readonly LitertTensorInfo[];
  /**
   * Runs the default signature; synchronous (the non-JSPI builds return from run() directly).
   * Inputs in signature order, each a typed array of its dtype and element count (dynamic
   * dimensions taken as 1); returns fresh copies of the outputs.
   */
  run(inputs: readonly LitertArray[]): LitertArray[];
  dispose(): void;
}

/** One instantiated LiteRT.js wasm module. */
export interface Litert {
  readonly variant: LitertVariant;
  /** Absolute path of the .wasm file that runs. */
  readonly wasmFile: string;
  /** Parses and compiles a .tflite model (the bytes are copied into wasm memory). */
  compile(modelBytes: Uint8Array): Promise<LitertModel>;
  /** LiteRT's log lines (INFO, WARNING, ERROR), the last 200; errors thrown here quote the last few. */
  readonly log: readonly string[];
  /** Disposes the models still alive and the environment; the wasm memory goes with the last reference. */
  dispose(): void;
}

// The embind objects used here (the package's dist/index.d.ts declares them, but not as exports).
interface Deletable { delete(): void }
interface Vec<T> extends Deletable { size(): number; get(i: number): T }
interface Enum { readonly value: number }
interface Layout extends Deletable { dimensions(): Vec<number> }
interface RankedTensorType extends Deletable { elementType(): Enum; layout(): Layout; bytes(): number }
interface Signature extends Deletable { inputNames(): Vec<string>; outputNames(): Vec<string> }
interface WasmModel extends Deletable {
  getNumSignatures(): number;
  getSignature(i: number): Signature;
  getInputTensorType(sig: number, i: number): RankedTensorType;
  getOutputTensorType(sig: number, i: number): RankedTensorType;
}
interface Requirements extends Deletable { supportedTypes(): Vec<Enum> }
interface TensorBuffer extends Deletable {
  lock(mode: Enum): number;
  unlock(): void;
  size(): number;
  packedSize(): number;
  offset(): number;
}
interface CompiledModel extends Deletable {
  getInputBufferRequirements(sig: number, i: number): Requirements;
  run(sig: number, inputs: TensorBuffer[]): TensorBuffer[] | Promise<TensorBuffer[]>;
}
interface LiteRtWasm {
  readonly HEAPU8: Uint8Array;
  VectorInt32: new () => Vec<number> & { push_back(x: number): void };
  LiteRtLayout: { create(dimensions: Vec<number>): Layout };
  LiteRtRankedTensorType: { create(elementType: Enum, layout: Layout): RankedTensorType };
  _malloc(n: number): number;
  _free(p: number): void;
  LiteRtEnvironment: { create(webGpuDevice: null): Deletable };
  loadModel(env: Deletable, ptr: number, size: number): WasmModel;
  compileModel(env: Deletable, model: WasmModel, options: object): CompiledModel | Promise<CompiledModel>;
  LiteRtTensorBuffer: { createManaged(env: Deletable, type: Enum, tensorType: RankedTensorType, bytes: number): TensorBuffer };
  LiteRtTensorBufferType: { readonly HOST_MEMORY: Enum };
  LiteRtTensorBufferLockMode: { readonly READ: Enum; readonly WRITE: Enum };
  checkTensorBufferCompatible(buffer: TensorBuffer, type: RankedTensorType, requirements: Requirements): void;
  getThreadCount(): number;
}


/** Whether this process can run a variant ('simd' always in Node 20; 'relaxed' only with the flag), and why not. */
export async function litertVariantAvailable(variant: LitertVariant): Promise<{ ok: boolean; reason: string }> {
  if (variant === 'simd') return { ok: true, reason: '' };
  const { supportsFeature } = await core();
  return (await supportsFeature('relaxedSimd'))
    ? { ok: true, reason: '' }
    : { ok: false, reason: 'relaxed SIMD unavailable: Node 20 needs --experimental-wasm-relaxed-simd' };
}

/** Evaluates a variant's emscripten glue as the CommonJS script it is and runs its module factory. */
async function instantiate(variant: LitertVariant, log: string[]): Promise<LiteRtWasm> {
  const n = await node();
  const filename = n.join(await wasmDir(), LITERT_FILES[variant]);
  const params = ['require', 'module', 'exports', '__filename', '__dirname'];
  const body = n.compileFunction(n.readFileSync(filename, 'utf8'), params, { filename });
  const module = { exports: {} as unknown };
  body(n.createRequire(filename), module, module.exports, filename, n.dirname(filename));
  const factory = module.exports as (options: object) => Promise<unknown>;
  const keep = (line: string): void => {
    log.push(line);
    if (log.length > 200) log.shift();
  };
  // print / printErr: emscripten's console output (LiteRT logs every environment and compile at INFO).
  const wasmModule = await factory({ print: keep, printErr: keep });
  // The package's own wrapper class: it keeps the module and turns on LiteRT's logging (setupLogging).
  const { LiteRt } = await core();
  return new LiteRt(wasmModule).liteRtWasm as LiteRtWasm;
}

function toArray<T>(v: Vec<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  v.delete();
  return out;
}

function dtypeOf(elementType: number): LitertDType {
  for (const [name, d] of Object.entries(DTYPES)) if (d.elementType === elementType) return name as LitertDType;
  throw new Error(`LiteRT peer: element type ${elementType} is not handled (see DTYPES in src/cli/litert.ts)`);
}

function infoOf(name: string, type: RankedTensorType): LitertTensorInfo {
  const layout = type.layout();
  const shape = toArray(layout.dimensions());
  layout.delete();
  return { name, shape, dtype: dtypeOf(type.elementType().value) };
}

/**
 * Loads one LiteRT.js wasm build: 'simd' (SIMD128, any Node 20), 'relaxed' (relaxed SIMD, needs
 * --experimental-wasm-relaxed-simd), or 'auto' (default: relaxed when available, as loadLiteRt picks).
 */
export async function loadLitert(variant: LitertVariant | 'auto' = 'auto'): Promise<Litert> {
  const chosen: LitertVariant = variant !== 'auto' ? variant : (await litertVariantAvailable('relaxed')).ok ? 'relaxed' : 'simd';
  const available = await litertVariantAvailable(chosen);
  if (!available.ok) throw new Error(`LiteRT.js ${chosen}: ${available.reason}`);
  const log: string[] = [];
  const w = await instantiate(chosen, log);
  const fail = (what: string, e: unknown): Error =>
    new Error(`LiteRT.js ${chosen}: ${what}: ${(e as Error)?.message ?? String(e)}\n${log.slice(-5).join('\n')}`);
  const env = w.LiteRtEnvironment.create(null);
  const live = new Set<LitertModel>();

  async function compile(modelBytes: Uint8Array): Promise<LitertModel> {
    // The model stays in wasm memory while the model lives (LiteRT does not copy it either).
    const modelPtr = w._malloc(modelBytes.byteLength);
    w.HEAPU8.set(modelBytes, modelPtr);
    const owned: Deletable[] = [];
    let model: WasmModel | undefined;
    let compiled: CompiledModel | undefined;
    const inputBuffers: TensorBuffer[] = [];
    const release = (): void => {
      for (const b of inputBuffers) b.delete();
      compiled?.delete();
      model?.delete();
      w._free(modelPtr);
    };
    try {
      try {
        model = w.loadModel(env, modelPtr, modelBytes.byteLength);
      } catch (e) {
        throw fail('loadModel', e);
      }
      if (model.getNumSignatures() < 1) throw new Error('LiteRT peer: the model has no signature');
      const signature = model.getSignature(0);
      const inputNames = toArray(signature.inputNames());
      const outputNames = toArray(signature.outputNames());
      signature.delete();
      // Same options as LiteRT.js's loadAndCompile with accelerator 'wasm' (its thread count: 1 in these builds).
      const options = { accelerator: 'wasm', cpuOptions: { numThreads: w.getThreadCount() }, gpuOptions: {}, webNNOptions: {} };
      try {
        compiled = await w.compileModel(env, model, options);
      } catch (e) {
        throw fail('compileModel', e);
      }
      const inputs = inputNames.map((name, i) => {
        const type = model!.getInputTensorType(0, i);
        owned.push(type);
        const info = infoOf(name, type);
        const requirements = compiled!.getInputBufferRequirements(0, i);
        owned.push(requirements);
        // One host buffer per input, reused by every run (what LiteRT.js's Tensor allocates per call).
        // A dynamic input (−1 in its shape) gets a buffer of the shape with 1 there, which run()
        // accepts; checkTensorBufferCompatible (which LiteRT.js's run calls) wants the −1 itself and
        // refuses any buffer then, so it is skipped for those.
        if (info.shape.includes(-1)) {
          const dims = new w.VectorInt32();
          for (const d of info.shape) dims.push_back(d < 0 ? 1 : d);
          const layout = w.LiteRtLayout.create(dims);
          dims.delete();
          const concrete = w.LiteRtRankedTensorType.create(type.elementType(), layout);
          layout.delete();
          owned.push(concrete);
          inputBuffers.push(w.LiteRtTensorBuffer.createManaged(env, w.LiteRtTensorBufferType.HOST_MEMORY, concrete, concrete.bytes()));
        } else {
          const buffer = w.LiteRtTensorBuffer.createManaged(env, w.LiteRtTensorBufferType.HOST_MEMORY, type, type.bytes());
          inputBuffers.push(buffer);
          w.checkTensorBufferCompatible(buffer, type, requirements);
        }
        return info;
      });
      const outputs = outputNames.map((name, i) => {
        const type = model!.getOutputTensorType(0, i);
        owned.push(type);
        return infoOf(name, type);
      });
      const elements = (t: LitertTensorInfo): number => t.shape.reduce((a, b) => a * (b < 0 ? 1 : b), 1);

      const handle: LitertModel = {
        inputs,
        outputs,
        run(values) {
          if (values.length !== inputs.length) throw new Error(`LiteRT peer: ${values.length} inputs given, the model has ${inputs.length}`);
          values.forEach((v, i) => {
            const info = inputs[i]!;
            if (!(v instanceof DTYPES[info.dtype].array) || v.length !== elements(info)) {
              throw new Error(`LiteRT peer: input ${i} (${info.name}) wants ${info.dtype}[${elements(info)}], got ${v.constructor.name}[${v.length}]`);
            }
            const b = inputBuffers[i]!;
            const ptr = b.lock(w.LiteRtTensorBufferLockMode.WRITE);
            w.HEAPU8.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), ptr);
            b.unlock();
          });
          let results: TensorBuffer[] | Promise<TensorBuffer[]>;
          try {
            results = compiled!.run(0, inputBuffers);
          } catch (e) {
            throw fail('run', e);
          }
          if (results instanceof Promise) throw new Error('LiteRT peer: run() returned a promise (a JSPI build?); only synchronous builds are supported');
          // Each run returns new output buffers (as in LiteRT.js): copy them out, then delete them all.
          try {
            return results.map((b, i) => {
              const info = outputs[i]!;
              const Ctor = DTYPES[info.dtype].array;
              const bytes = elements(info) * Ctor.BYTES_PER_ELEMENT;
              if (b.packedSize() !== bytes || b.size() !== bytes || b.offset() !== 0) {
                throw new Error(`LiteRT peer: output ${i} (${info.name}) has ${b.size()} bytes (packed ${b.packedSize()}, offset ${b.offset()}), expected ${bytes}`);
              }
              const ptr = b.lock(w.LiteRtTensorBufferLockMode.READ);
              const copy = w.HEAPU8.slice(ptr, ptr + bytes);
              b.unlock();
              return new Ctor(copy.buffer);
            });
          } finally {
            for (const b of results) b.delete();
          }
        },
        dispose() {
          if (!live.delete(handle)) return;
          release();
        },
      };
      live.add(handle);
      return handle;
    } catch (e) {
      release();
      throw e;
    } finally {
      for (const o of owned) o.delete();
    }
  }

  return {
    variant: chosen,
    wasmFile: (await node()).join(await wasmDir(), LITERT_FILES[chosen].replace(/\.js$/, '.wasm')),
    compile,
    log,
    dispose() {
      for (const m of [...live]) m.dispose();
      env.delete();
    },
  };
}
