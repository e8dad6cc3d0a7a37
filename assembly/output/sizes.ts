// Layout of the output-stage params block (params.ts), exported so that TypeScript
// (src/kernels/output.ts, which writes the block) never repeats its arithmetic.

import { OUT_ARRAYS, STAGE_DEQUANT, STAGE_FIXEDPOINT, paddedChannels } from "./params";

// Stages are the STAGE_* codes of params.ts (1 = fp32, 2 = fixedpoint, 3 = dequant).

/** Bytes of a params block for `channels` channels. */
export function output_params_bytes__scalar(stage: i32, channels: u32): usize {
  const cp = paddedChannels(<usize>channels);
  if (stage == STAGE_FIXEDPOINT) return OUT_ARRAYS + cp * 24;
  if (stage == STAGE_DEQUANT) return OUT_ARRAYS + cp * 8;
  return OUT_ARRAYS + cp * 4;
}

/**
 * Byte offset of per-channel array `field` in a params block for `channels` channels (any stage:
 * the arrays follow each other, each padded to the lane count): fp32: 0 = scale; fixedpoint:
 * 0 = multiplier, 1 = leftMul, 2 = leftMax, 3 = rightShift (i32), 4 = rightScale (f64); dequant:
 * 0 = column scale, 1 = float bias. The header (zero point, qmin, qmax, C) is at 0.
 */
export function output_params_offset__scalar(channels: u32, field: u32): usize {
  const cp = paddedChannels(<usize>channels);
  return OUT_ARRAYS + <usize>field * cp * 4;
}
