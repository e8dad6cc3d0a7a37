// `npm run fuzz`: the API fuzzer alone (test/ops/fuzz.test.ts) with every build available to Node 20
// (relaxed SIMD enabled as in vitest.relaxed.config.ts), many sequences and a random seed unless
// given: QKERN_FUZZ_RUNS (default 20000), QKERN_FUZZ_SEED, QKERN_FUZZ_PATH (replay a reported
// failure), QKERN_FUZZ_SHRINK=0 (stop at the first failure without shrinking).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/ops/fuzz.test.ts"],
    pool: "forks",
    execArgv: ["--experimental-wasm-relaxed-simd", "--no-liftoff"],
    env: {
      QKERN_TEST_ISAS: "scalar,simd128,relaxed",
      QKERN_REQUIRE_RELAXED: "1",
      QKERN_FUZZ_RUNS: process.env["QKERN_FUZZ_RUNS"] ?? "20000",
      QKERN_FUZZ_SEED: process.env["QKERN_FUZZ_SEED"] ?? String(Math.floor(Math.random() * 2 ** 31)),
    },
  },
});
