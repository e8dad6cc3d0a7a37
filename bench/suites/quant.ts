// Suite `quant`: ONNX QuantizeLinear (float32 → int8) and DequantizeLinear (int8 → float32), per
// tensor, on 1 MiB and 16 MiB of float32. Engines: every qkern build, a plain-JS loop (the
// reference) and ORT's single-node QuantizeLinear / DequantizeLinear. Every engine's output is
// compared bit for bit with the JS reference before timing. GB/s = (bytes read + written) / time.
import { dequantize, quantize, type Tensor } from 'qkern';
import { countMismatches, type CaseRun, type Context, type EngineTask, type Suite } from '../harness.js';
import { ortSession, type OnnxValue } from '../../peers/ort.js';

interface QuantCase {
  readonly name: string;
  /** Elements. */
  readonly n: number;
}

const SCALE = Math.fround(0.05);
const ZERO_POINT = 3;
const QUANT = { scale: SCALE, zeroPoint: ZERO_POINT };

/**
 * ONNX QuantizeLinear in plain JS: saturate(roundHalfEven(f32(x / scale)) + zeroPoint) to int8.
 * Math.round costs ~10 ns a call in V8 11.3 here; floor(v + 0.5) (exact in f64) is 4× faster.
 */
function jsQuantize(x: Float32Array, scale: number, zeroPoint: number, y: Int8Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = Math.fround(x[i]! / scale); // f64 quotient of two f32, rounded once: the f32 quotient
    let r = Math.floor(v + 0.5); // ties go up…
    if (r - v === 0.5) r -= r & 1; // …and come back when that made them odd
    r += zeroPoint;
    y[i] = r < -128 ? -128 : r > 127 ? 127 : r;
  }
}

/** ONNX DequantizeLinear in plain JS: f32((q − zeroPoint) · scale) (the product is exact in f64). */
function jsDequantize(q: Int8Array, scale: number, zeroPoint: number, y: Float32Array): void {
  for (let i = 0; i < q.length; i++) y[i] = (q[i]! - zeroPoint) * scale;
}

/** xorshift32: reproducible inputs across runs. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Floats whose quotients by the scale span the int8 range, a few percent beyond it (saturation);
 * one in 64 sits on (k + ½)·scale so that exact division and round-half-to-even are exercised.
 */
function makeFloats(n: number): Float32Array {
  const r = rng(0x9e3779b9);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (i & 63) === 0 ? (Math.floor(r() * 270) - 135 + 0.5) * SCALE : (r() - 0.5) * 264 * SCALE;
  }
  return x;
}

function makeInt8(n: number): Int8Array {
  const r = rng(12345);
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) q[i] = Math.floor(r() * 256) - 128;
  return q;
}

async function setup(c: QuantCase, ctx: Context): Promise<CaseRun> {
  const { n } = c;
  const x = makeFloats(n);
  const q = makeInt8(n);
  const refQ = new Int8Array(n);
  const refF = new Float32Array(n);
  jsQuantize(x, SCALE, ZERO_POINT, refQ);
  jsDequantize(q, SCALE, ZERO_POINT, refF);

  const quantTasks: EngineTask[] = [];
  const dequantTasks: EngineTask[] = [];
  const tensors: Tensor[] = [];
  for (const qk of ctx.qkerns) {
    const tx = qk.tensor(x, [n]);
    const ty = qk.empty('int8', [n], { quant: QUANT });
    const tq = qk.tensor(q, [n], { quant: QUANT });
    const tf = qk.empty('float32', [n]);
    tensors.push(tx, ty, tq, tf);
    quantize(tx, ty);
    dequantize(tq, tf);
    ctx.check('quantize-s8', `qkern/${qk.isa}`, countMismatches(ty.data, refQ), n);
    ctx.check('dequantize-s8', `qkern/${qk.isa}`, countMismatches(tf.data, refF), n);
    quantTasks.push({ engine: 'qkern', isa: qk.isa, fn: () => quantize(tx, ty) });
    dequantTasks.push({ engine: 'qkern', isa: qk.isa, fn: () => dequantize(tq, tf) });
  }

  const jy = new Int8Array(n);
  const jf = new Float32Array(n);
  quantTasks.push({ engine: 'js', isa: null, fn: () => jsQuantize(x, SCALE, ZERO_POINT, jy) });
  dequantTasks.push({ engine: 'js', isa: null, fn: () => jsDequantize(q, SCALE, ZERO_POINT, jf) });

  const ort = await ctx.ort();
  const scale: OnnxValue = { name: 'scale', dtype: 'float32', shape: [], values: [SCALE] };
  const zeroPoint: OnnxValue = { name: 'zero_point', dtype: 'int8', shape: [], values: [ZERO_POINT] };
  const fIn: OnnxValue = { name: 'x', dtype: 'float32', shape: [n] };
  const qIn: OnnxValue = { name: 'q', dtype: 'int8', shape: [n] };
  const qs = await ortSession(ort, { op: 'QuantizeLinear', inputs: [fIn, scale, zeroPoint], outputs: [{ ...qIn, name: 'y' }] });
  const ds = await ortSession(ort, { op: 'DequantizeLinear', inputs: [qIn, scale, zeroPoint], outputs: [{ ...fIn, name: 'y' }] });
  const qFeeds = { x: new ort.Tensor('float32', x, [n]) };
  const dFeeds = { q: new ort.Tensor('int8', q, [n]) };
  const qOut = (await qs.run(qFeeds))['y']?.data as Int8Array;
  const dOut = (await ds.run(dFeeds))['y']?.data as Float32Array;
  ctx.check('quantize-s8', 'ort', countMismatches(qOut, refQ), n);
  ctx.check('dequantize-s8', 'ort', countMismatches(dOut, refF), n);
  quantTasks.push({ engine: 'ort', isa: null, async: true, fn: () => qs.run(qFeeds) });
  dequantTasks.push({ engine: 'ort', isa: null, async: true, fn: () => ds.run(dFeeds) });

  return {
    variants: [
      { name: 'quantize-s8', unit: 'gbps', work: 5 * n, tasks: quantTasks },
      { name: 'dequantize-s8', unit: 'gbps', work: 5 * n, tasks: dequantTasks },
    ],
    async teardown() {
      for (const t of tensors) t.dispose();
      await qs.release();
      await ds.release();
    },
  };
}

export const quant: Suite<QuantCase> = {
  name: 'quant',
  cases: [
    { name: '1MiB', n: 262144 },
    { name: '16MiB', n: 4194304 },
  ],
  setup,
};
