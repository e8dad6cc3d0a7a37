// How a binding finds its exports: by family and variant, taking the row of the highest isa that the
// instance's build contains (src/registry.ts). Only the bindings in this folder call it; ops never
// name an export.

import { bestRow } from "../registry.js";
import type { KernelFn, Runtime } from "../runtime/runtime.js";

/** The export of `family`'s `variant` with the highest isa the runtime's build has; throws if none. */
export function resolveKernel(rt: Runtime, family: string, variant: string): KernelFn {
  const row = bestRow(rt.isa, family, variant);
  if (!row) throw new Error(`qkern internal: no ${family}_${variant} in the ${rt.isa} build`);
  return rt.kernel(row.name);
}

/** The first of `variants` (in order of preference) that the build has. */
export function resolveFirst(rt: Runtime, family: string, variants: readonly string[]): KernelFn {
  for (const v of variants) {
    if (bestRow(rt.isa, family, v)) return resolveKernel(rt, family, v);
  }
  throw new Error(`qkern internal: none of ${family} ${variants.join(", ")} in the ${rt.isa} build`);
}

/** The export name of the first of `variants` the build has (what resolveFirst returns), for a split call. */
export function resolveFirstName(rt: Runtime, family: string, variants: readonly string[]): string {
  for (const v of variants) {
    const row = bestRow(rt.isa, family, v);
    if (row) return row.name;
  }
  throw new Error(`qkern internal: none of ${family} ${variants.join(", ")} in the ${rt.isa} build`);
}

/** Whether the build has `family`'s `variant`. */
export function hasVariant(rt: Runtime, family: string, variant: string): boolean {
  return bestRow(rt.isa, family, variant) !== undefined;
}

/** A layout-size export (up to four arguments) as a function returning a number. */
export function sizeFn(rt: Runtime, family: string, what: string): (a: number, b?: number, c?: number, d?: number) => number {
  const fn = resolveKernel(rt, family, what) as (a: number, b?: number, c?: number, d?: number) => number;
  return (a, b, c, d) => fn(a, b, c, d) >>> 0;
}

/** One binding object per runtime and family, built on first use. */
export function perRuntime<T>(make: (rt: Runtime) => T): (rt: Runtime) => T {
  const cache = new WeakMap<Runtime, T>();
  return (rt) => {
    let b = cache.get(rt);
    if (b === undefined) {
      b = make(rt);
      cache.set(rt, b);
    }
    return b;
  };
}
