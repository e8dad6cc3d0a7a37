// `npm start`: the showcase on an embedded default. Creates an instance (best build for this
// engine), quantizes a deterministic synthetic weight set per tensor and per channel to int8 and
// int4, and reports size, error against float (max |error|, SQNR) and quantize throughput.

import {
  chooseQuantParams, createQkern, dequantize, detect, quantize,
  type Qkern, type QuantDType, type QuantizeSpec, type Tensor,
} from "../index.js";

const OUT_CHANNELS = 96;
const FAN_IN = 3 * 3 * 64;

/** Deterministic "trained-looking" weights: per-channel Gaussian magnitudes spanning 30×, a few outliers. */
function syntheticWeights(): Float32Array {
  let s = 0x2545f491;
  const uniform = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  const w = new Float32Array(OUT_CHANNELS * FAN_IN);
  for (let c = 0; c < OUT_CHANNELS; c++) {
    const sigma = 0.01 * 30 ** (c / (OUT_CHANNELS - 1));
    for (let k = 0; k < FAN_IN; k++) {
      const gauss = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      w[c * FAN_IN + k] = sigma * gauss * (uniform() < 0.002 ? 6 : 1);
    }
  }
  return w;
}

function specFor(w: Float32Array, dtype: QuantDType, perChannel: boolean): QuantizeSpec {
  const range = (from: number, to: number): [number, number] => {
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to; i++) {
      lo = Math.min(lo, w[i]!);
      hi = Math.max(hi, w[i]!);
    }
    return [lo, hi];
  };
  const options = { dtype, scheme: "symmetric" as const, narrowRange: true };
  if (!perChannel) return { dtype, scale: chooseQuantParams(...range(0, w.length), options).scale };
  const scale = Array.from({ length: OUT_CHANNELS }, (_, c) => chooseQuantParams(...range(c * FAN_IN, (c + 1) * FAN_IN), options).scale);
  return { dtype, axis: 0, scale };
}

function report(name: string, w: Float32Array, q: Tensor, back: Tensor<"float32">): string {
  let signal = 0;
  let noise = 0;
  let maxErr = 0;
  const r = back.data;
  for (let i = 0; i < w.length; i++) {
    const e = r[i]! - w[i]!;
    signal += w[i]! * w[i]!;
    noise += e * e;
    maxErr = Math.max(maxErr, Math.abs(e));
  }
  const floatBytes = w.length * 4;
  const paramBytes = q.quant && "axis" in q.quant ? q.quant.scale.byteLength : 4; // scales; zero points are 0
  const bytes = q.byteLength + paramBytes;
  return `  ${name.padEnd(22)} ${String(bytes).padStart(8)} B  ${(floatBytes / bytes).toFixed(1).padStart(5)}×  ` +
    `${maxErr.toExponential(2).padStart(9)}  ${(10 * Math.log10(signal / noise)).toFixed(1).padStart(6)} dB`;
}

function throughput(qk: Qkern): string {
  const n = 1 << 22; // 16 MiB of float32
  using x = qk.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3));
  using y = qk.empty("int8", [n], { quant: { scale: 0.05, zeroPoint: 0 } });
  quantize(x, y);
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    quantize(x, y);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1]!;
  return `quantize float32 → int8, 16 MiB: median ${ms.toFixed(2)} ms = ${((n * 5) / ms / 1e6).toFixed(1)} GB/s (read + write)`;
}

async function main(): Promise<void> {
  const features = detect();
  const qk = await createQkern();
  console.log(`qkern showcase — build: ${qk.isa}`);
  console.log(`engine: simd128 ${features.simd128 ? "yes" : "no"}, relaxed SIMD ${features.relaxedSimd ? "yes" : `no (${features.relaxedSimdReason})`}`);
  const weights = syntheticWeights();
  console.log(`\nweights: ${OUT_CHANNELS} output channels × ${FAN_IN} inputs (a 3×3×64 conv), float32 ${weights.length * 4} B`);
  console.log(`  ${"scheme".padEnd(22)} ${"size+scales".padStart(10)}  ${"ratio".padStart(6)}  ${"max |err|".padStart(9)}  ${"SQNR".padStart(9)}`);
  using w = qk.tensor(weights, [OUT_CHANNELS, FAN_IN]);
  for (const [dtype, perChannel] of [["int8", false], ["int8", true], ["int4", false], ["int4", true]] as const) {
    using q = quantize(w, specFor(weights, dtype, perChannel));
    using back = dequantize(q);
    console.log(report(`${dtype} ${perChannel ? "per-channel" : "per-tensor"}`, weights, q, back));
  }
  console.log(`\n${throughput(qk)}`);
  console.log(`memory in use (the weight tensor): ${JSON.stringify(qk.memoryStats())}`);
}

await main();
