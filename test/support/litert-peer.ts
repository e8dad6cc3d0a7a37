// LiteRT.js (peers/litert.ts) for the test files that compare with it: one of its wasm builds, or why
// it cannot run here (those files' tests then skip, saying so).
import { litertVariantAvailable, loadLitert, type Litert } from "../../peers/litert.js";

export interface OptionalLitert {
  readonly peer: Litert | undefined;
  /** Why `peer` is undefined (empty when it is loaded). */
  readonly reason: string;
}

/** LiteRT.js's `variant` build, or the reason it is unavailable in this process. */
export async function optionalLitert(variant: "simd" | "relaxed" = "simd"): Promise<OptionalLitert> {
  try {
    const available = await litertVariantAvailable(variant);
    if (!available.ok) return { peer: undefined, reason: `LiteRT.js ${variant}: ${available.reason}` };
    return { peer: await loadLitert(variant), reason: "" };
  } catch (e) {
    return { peer: undefined, reason: `LiteRT.js peer unavailable: ${String(e).split("\n")[0]}` };
  }
}
