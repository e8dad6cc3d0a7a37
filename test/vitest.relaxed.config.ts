// Relaxed-SIMD test run: Node 20 needs --experimental-wasm-relaxed-simd, and --no-liftoff because
// its baseline compiler miscomputes relaxed dot products. Here all three builds are available;
// this run tests the relaxed build (QKERN_TEST_ISAS) and requires it (a missing relaxed build
// fails instead of skipping), plus the cross-build identity tests that need all three at once.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    pool: "forks",
    execArgv: ["--experimental-wasm-relaxed-simd", "--no-liftoff"],
    testTimeout: 60_000,
    env: { QKERN_TEST_ISAS: "relaxed", QKERN_REQUIRE_RELAXED: "1" },
  },
});
