// Compiling the wasm builds: base64 → bytes → WebAssembly.Module, once per build and process.

import { WASM_BASE64 } from "./wasm-inline.generated.js";

/** The three builds of the one AssemblyScript source. */
export type Isa = "scalar" | "simd128" | "relaxed";

/** The builds, best last. */
export const ISAS: readonly Isa[] = ["scalar", "simd128", "relaxed"];

const modules = new Map<Isa, Promise<WebAssembly.Module>>();

/** The raw bytes of one build (the same bytes as `build/qkern.<isa>.wasm`). */
export function wasmBytes(isa: Isa): Uint8Array {
  const text = atob(WASM_BASE64[isa]);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** @internal Compiles a build once per process; later calls share the module. */
export function compileBuild(isa: Isa): Promise<WebAssembly.Module> {
  let module = modules.get(isa);
  if (!module) {
    module = WebAssembly.compile(wasmBytes(isa) as Uint8Array<ArrayBuffer>);
    modules.set(isa, module);
    module.catch(() => modules.delete(isa));
  }
  return module;
}
