// The machine's int8 dot ceiling in this engine, measured in the same process as the suites: a wasm
// microkernel of independent `i32x4.dot_i16x8_s` + `i32x4.add` chains (12 accumulators, each step
// feeding its own result back, so nothing is loop-invariant and 12 chains hide the latency). Each
// dot_i16x8_s is 8 multiply-adds, which is what qkern's simd128 int8 kernels (and XNNPACK's wasm
// ones) get from one instruction after widening int8 to int16: GOPS = 2 · 8 · dots / second is the
// most any exact 8-bit kernel on this instruction can reach. The per-layer reports divide by it.
import wabtInit from 'wabt';

const CHAINS = 12;

function wat(): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (v128.load offset=${16 * i} (i32.const 0)))`).join('\n');
  const step = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (i32x4.add (i32x4.dot_i16x8_s (local.get $a${i}) (local.get $b)) (local.get $a${i})))`).join('\n');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => `(local.set $a0 (i32x4.add (local.get $a0) (local.get $a${i + 1})))`).join('\n');
  return `(module (memory (export "memory") 1)
    (func (export "run") (param $n i32) (result i32) ${locals} (local $b v128)
      ${init}
      (local.set $b (v128.load offset=${16 * CHAINS} (i32.const 0)))
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
  new Int16Array(exports.memory.buffer, 0, 8 * (CHAINS + 1)).forEach((_, i, a) => (a[i] = (i * 37) % 200 - 100));
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
