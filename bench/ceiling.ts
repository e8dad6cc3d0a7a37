// The machine's int8 dot ceiling in this engine, measured in the same process as the suites: a wasm
// microkernel of `i32x4.dot_i16x8_s` + `i32x4.add` on a 3 × 2 register tile (3 vectors loaded per
// iteration, 2 held, 6 accumulators: the products are distinct, so V8 can neither merge nor hoist
// them, and the 11 registers fit V8's allocator without spills; with a 4 × 2 or 4 × 3 tile V8 spills
// accumulators and the loop runs at half the rate). Each dot_i16x8_s is 8 multiply-adds, which is what
// qkern's simd128 int8 kernels (and XNNPACK's wasm ones) get from one instruction after widening int8
// to int16: GOPS = 2 · 8 · dots / second is the most an exact 8-bit kernel on this instruction gets.
// The per-layer reports divide by it.
import wabtInit from 'wabt';

const CHAINS = 6; // 3 loaded vectors × 2 weight vectors: 6 distinct products in 11 vector registers (V8 spills a tile of 8)

function wat(): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (v128.load offset=${16 * i} (i32.const 0)))`).join('\n');
  // Each step: acc += dot(x_j, b_k) for 3 vectors x_j loaded from memory per iteration and 2 weight
  // vectors b_k (a 3 × 2 register tile, as a GEMM microkernel reuses its A and B vectors): 6 distinct
  // dots, independent of the accumulators (throughput, not latency), none V8 can merge or hoist.
  const loads = Array.from({ length: 3 }, (_, j) => `(local.set $x${j} (v128.load offset=${16 * j} (i32.const 0)))`).join('\n');
  const step = loads + '\n' + Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (i32x4.add (local.get $a${i}) (i32x4.dot_i16x8_s (local.get $x${i % 3}) (local.get $b${Math.floor(i / 3)}))))`).join('\n');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => `(local.set $a0 (i32x4.add (local.get $a0) (local.get $a${i + 1})))`).join('\n');
  return `(module (memory (export "memory") 1)
    (func (export "run") (param $n i32) (result i32) ${locals} (local $b0 v128) (local $b1 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128)
      ${init}
      (local.set $b0 (v128.load offset=${16 * CHAINS} (i32.const 0)))
      (local.set $b1 (v128.load offset=${16 * CHAINS + 16} (i32.const 0)))
      (loop $l ${step}
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      ${sum}
      (i32x4.extract_lane 0 (local.get $a0))))`;
}

/** Measured ceiling: GOPS of the best of `trials` timed runs (after a warm-up). */
export async function dotCeilingGops(trials = 7): Promise<number> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('ceiling.wat', wat(), { simd: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>));
  const exports = instance.exports as { run(n: number): number; memory: WebAssembly.Memory };
  new Int16Array(exports.memory.buffer, 0, 8 * (CHAINS + 2)).forEach((_, i, a) => (a[i] = (i * 37) % 200 - 100));
  const n = 200_000;
  exports.run(n);
  let best = 0;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    exports.run(n);
    const ms = performance.now() - t0;
    best = Math.max(best, (2 * 8 * CHAINS * n) / (ms * 1e6));
  }
  return best;
}
