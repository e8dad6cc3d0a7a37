// The workload of test/engines/concurrency.test.ts, run in the main thread and in worker_threads: one qkern
// instance from the built package (dist/), the conformance workload plus seeded quantize / GEMM /
// depthwise / int4 rounds, reduced to a checksum of every output byte. Run as a worker (workerData
// has `workload`), it waits on a shared barrier so that all workers start together, samples how
// many workers are running, and posts its result.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import {
  createQkern, depthwiseConv2d, dequantize, dynamicQuantize, gemm, gemmInt4, packDepthwiseWeights, packGemmWeights, packInt4Weights, quantize, quantizeInt4,
} from "../../dist/index.js";
import { runConformance } from "../../dist/conformance.js";

function fnv(h, bytes) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Runs `rounds` rounds on a new instance of `isa` (or of `module`, a precompiled build).
 * `onRound(r)` is called after each round. Returns the checksum and the instance's memory at the end.
 */
export async function runWorkload({ isa, module, seed, rounds }, onRound = () => {}) {
  const qk = await createQkern(module ? { module } : { isa });
  const start = qk.memoryStats();
  let h = 0x811c9dc5;
  const eat = (t) => {
    h = fnv(h, new Uint8Array(qk.raw.memory.buffer, t.ptr, t.byteLength));
    t.dispose();
  };
  for (let r = 0; r < rounds; r++) {
    const rand = rng(seed * 1000 + r);
    h = fnv(h, new TextEncoder().encode(runConformance(qk).checksum));
    const [m, k, n] = [1 + Math.floor(rand() * 20), 1 + Math.floor(rand() * 100), 1 + Math.floor(rand() * 40)];
    const x = qk.tensor(Float32Array.from({ length: m * k }, () => rand() * 8 - 4), [m, k]);
    const a = dynamicQuantize(x, { dtype: "int8", perRow: true });
    const b = qk.tensor(Int8Array.from({ length: k * n }, () => Math.floor(rand() * 255) - 127), [k, n], { quant: { axis: 1, scale: Array.from({ length: n }, () => 0.01 + rand() / 10) } });
    const w = packGemmWeights(b, { bias: Array.from({ length: n }, () => Math.floor(rand() * 2000) - 1000) });
    eat(gemm(a, w));
    eat(gemm(a, w, { output: "float32" }));
    const a8 = quantize(x, { dtype: "uint8", scale: 0.05, zeroPoint: 128 });
    eat(gemm(a8, w, { output: { dtype: "int8", scale: 0.5, zeroPoint: -3 }, stage: rand() < 0.5 ? "fp32" : "fixedpoint", activation: "relu" }));
    eat(dequantize(a8));
    const c = 1 + Math.floor(rand() * 33);
    const dx = qk.tensor(Int8Array.from({ length: 9 * 9 * c }, () => Math.floor(rand() * 256) - 128), [1, 9, 9, c], { quant: { scale: 0.1, zeroPoint: 3 } });
    const dwt = qk.tensor(Int8Array.from({ length: 9 * c }, () => Math.floor(rand() * 255) - 127), [3, 3, c], { quant: { scale: 0.02 } });
    const dw = packDepthwiseWeights(dwt);
    eat(depthwiseConv2d(dx, dw, { padding: "same", strides: 1 + (r % 2), output: { dtype: "int8", scale: 0.3 } }));
    const w4 = packInt4Weights(qk, quantizeInt4(Float32Array.from({ length: k * n }, () => rand() - 0.5), [k, n], { blockSize: 32 }));
    eat(gemmInt4(x, w4));
    for (const t of [x, a, b, a8, dx, dwt]) t.dispose();
    for (const p of [w, dw, w4]) p.dispose();
    onRound(r);
  }
  const end = qk.memoryStats();
  return { checksum: h.toString(16).padStart(8, "0"), isa: qk.isa, leaked: [end.bytesInUse - start.bytesInUse, end.allocations - start.allocations] };
}

if (!isMainThread && workerData?.workload) {
  const { workload, shared, workers } = workerData;
  const counters = new Int32Array(shared); // [ready, running, max running seen]
  Atomics.add(counters, 0, 1);
  Atomics.notify(counters, 0);
  while (Atomics.load(counters, 0) < workers) Atomics.wait(counters, 0, Atomics.load(counters, 0), 50);
  Atomics.add(counters, 1, 1);
  const result = await runWorkload(workload, () => {
    const running = Atomics.load(counters, 1);
    let seen = Atomics.load(counters, 2);
    while (running > seen && Atomics.compareExchange(counters, 2, seen, running) !== seen) seen = Atomics.load(counters, 2);
  });
  Atomics.sub(counters, 1, 1);
  parentPort.postMessage(result);
}
