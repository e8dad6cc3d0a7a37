// How qkern quantizes a ModelSpec's float weights (QuantizedNetwork, and tfliteFromSpec writing the
// same network as a TFLite file, so both give the same bytes): per output channel, symmetric, like
// the TFLite converter.

import { QkernError } from "../errors.js";

/**
 * Symmetric per-channel int8 weights in [−qmax, qmax] (127, or 63 for 7-bit weights): scale
 * max|w| / qmax per channel (1 for an all-zero channel), q = round(w / scale) computed in float32.
 * Element i belongs to channel floor(i / inner) mod channels (inner = KH·KW·IC for [OC, KH, KW, IC]
 * and K for [N, K]; 1 for [KH, KW, C]).
 */
export function quantizeChannels(w: Float32Array, channels: number, inner: number, qmax = 127): { q: Int8Array; scales: Float32Array } {
  const block = channels * inner;
  if (w.length % block !== 0) throw new QkernError("quantizeChannels", "weights", `${w.length} values do not split into ${channels} channels of ${inner}`);
  const amax = new Float64Array(channels);
  for (let base = 0; base < w.length; base += block) {
    for (let c = 0, i = base; c < channels; c++) {
      let m = amax[c]!;
      for (const end = i + inner; i < end; i++) m = Math.max(m, Math.abs(w[i]!));
      amax[c] = m;
    }
  }
  const scales = Float32Array.from(amax, (a) => (a > 0 ? Math.fround(a / qmax) : 1));
  const q = new Int8Array(w.length);
  for (let base = 0; base < w.length; base += block) {
    for (let c = 0, i = base; c < channels; c++) {
      const s = scales[c]!;
      for (const end = i + inner; i < end; i++) q[i] = Math.max(-qmax, Math.min(qmax, Math.round(Math.fround(w[i]! / s))));
    }
  }
  return { q, scales };
}

/** int32 bias = round(b / (inputScale · weightScale[c])), saturated to int32. */
export function quantizeBias(b: Float32Array, inScale: number, wScales: Float32Array): Int32Array {
  return Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / (inScale * wScales[c]!)))));
}

