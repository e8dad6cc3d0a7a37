// The real TFLite models of ../shared/models (next to the checkout; override with QKERN_SHARED_MODELS).
// They are never part of the repository. Tests that read them skip with the reason in their title
// when the folder is missing, unless QKERN_REQUIRE_SHARED=1 (set by .ci/run), which makes a missing
// model a failure.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder holding the shared models. */
export const SHARED_MODELS = process.env["QKERN_SHARED_MODELS"] ?? fileURLToPath(new URL("../../../shared/models/", import.meta.url));
const required = process.env["QKERN_REQUIRE_SHARED"] === "1";

/** Whether `file` exists; when it does not and the run requires the shared models, a test fails. */
export function sharedModel(file: string): { readonly ok: boolean; readonly title: string; read(): Uint8Array } {
  const path = `${SHARED_MODELS.replace(/\/?$/, "/")}${file}`;
  const ok = existsSync(path) || required;
  return {
    ok,
    title: ok ? file : `${file} (skipped: not found in ${SHARED_MODELS}; set QKERN_SHARED_MODELS, or QKERN_REQUIRE_SHARED=1 to fail)`,
    read: () => new Uint8Array(readFileSync(path)),
  };
}
