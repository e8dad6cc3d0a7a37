// Default test run: Node without flags. The scalar and simd128 builds run here; relaxed SIMD is
// not available to Node 20 without flags, so relaxed rows are skipped here with that reason and
// run in the second config (vitest.relaxed.config.ts), which `npm test` runs right after.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    env: { QKERN_TEST_ISAS: "scalar,simd128" },
  },
});
