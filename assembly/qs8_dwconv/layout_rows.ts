// Scratch layout of the row-vectorized depthwise kernels (tile `anyp16w`, simd128_anyp16w.ts): for
// few channels (C < 16) they vectorize along the output row instead of across channels. An output
// row of OW pixels × OC channels is OW·OC consecutive elements; each step computes 16 of them
// (block b: elements 16b..16b+15, i.e. pixels and channels mixed). Lane i of block b is output
// element k = 16b + i: pixel x = k / OC, channel o = k mod OC, input channel o / multiplier. Which
// channel a lane holds depends only on b mod P, P = OC / gcd(OC, 16) (the block's phase), so the
// kernel gathers per phase: weights, bias and output-stage arrays are laid out per phase lane.
//
// The input bytes of a block for one tap start at the block's base, x0·stride·Cin + (its first
// lane's input channel), x0 = 16b / OC, in a zero-point padded copy of the tap's input row; lane i
// sits rel(i) bytes after it (rel depends on the phase only, rel ≥ 0). NL 16-byte loads cover the
// largest rel; per phase and load a swizzle index vector picks the lanes (index 0x80 where the lane
// comes from another load: swizzle and relaxed swizzle both give 0 there, and the loads are ORed).
// When every rel(i) = i (stride 1, multiplier 1) no swizzle is needed.
//
// Scratch (from the binding's workspace, qs8_dwconv_scratch_bytes; 16-byte aligned pieces):
//   0 taps   usize[KH·KW + 1]       address of each tap's row (+ kx·dilation·Cin) for the current
//                                   output row; the extra entry repeats the last (odd partner)
//   1 w      i32[P][pairs][16]      per phase, tap pair and lane: the int16 pair (w'[2p], w'[2p+1])
//                                   of the lane's channel, copied from the packed tiles (layout.ts)
//   2 bias   i32[P·16]              folded bias of each phase lane's channel
//   3 params output-stage block     the op's block (assembly/output/params.ts) re-laid for the
//                                   16·P phase lanes (C = 16·P), so store16 reads it unchanged
//   4 idx    u8[P][NL][16]          swizzle indices
//   5 image  u8[H + 1][RS]          the input image, each row padded left and right with the zero
//                                   point to RS bytes; row H is all zero point (taps above/below)
//   6 acc    i32[OW·OC rounded up to 16]  the int32 accumulators of one output row, which the
//                                   output stage then reads (one copy of each stage, not one per
//                                   kernel: smaller code)
// The geometry block (../common/conv_geometry.ts) gives C = Cin, the input channels; the channel
// multiplier is an argument (output channels OC = Cin · multiplier).

import { G_C, G_DW, G_KH, G_KW, G_H, G_OW, G_SW } from "../common/conv_geometry";

/** P: the number of distinct block phases for `oc` output channels. */
// @ts-ignore: decorator
@inline export function rowPhases(oc: u32): u32 {
  return oc / min<u32>(oc & (0 - oc), 16);
}

/** rel(i) of lane i of phase `ph` (see above). */
// @ts-ignore: decorator
@inline export function rowRel(ph: u32, i: u32, oc: u32, mult: u32, cin: u32, s: u32): u32 {
  const k0 = (ph << 4) % oc;
  const k = k0 + i;
  return (k / oc) * s * cin + (k % oc) / mult - k0 / mult;
}

/** NL: 16-byte loads per tap that cover every phase's lanes. */
export function rowLoads(geom: usize, mult: u32): u32 {
  const cin = <u32>load<i32>(geom, G_C);
  const oc = cin * mult;
  const s = <u32>load<i32>(geom, G_SW);
  let hi: u32 = 0;
  for (let ph: u32 = 0; ph < rowPhases(oc); ph++) hi = max<u32>(hi, rowRel(ph, 15, oc, mult, cin, s));
  return (hi >> 4) + 1;
}

/** RS: bytes of a padded row, enough for the last block's loads at the last tap. */
export function rowStrideBytes(geom: usize, nl: u32): usize {
  const cin = <usize>load<i32>(geom, G_C);
  const ow = <usize>load<i32>(geom, G_OW);
  const span = (ow - 1) * <usize>load<i32>(geom, G_SW) + <usize>((load<i32>(geom, G_KW) - 1) * load<i32>(geom, G_DW)) + 1;
  return (span * cin + (<usize>nl << 4) + 15) & ~(<usize>15);
}

/** Bytes of scratch piece `i` (0..6 as above). */
export function rowPiece(geom: usize, mult: u32, i: i32): usize {
  const oc = <u32>load<i32>(geom, G_C) * mult;
  const p = <usize>rowPhases(oc);
  const taps = <usize>(load<i32>(geom, G_KH) * load<i32>(geom, G_KW));
  let bytes: usize = 0;
  if (i == 0) bytes = (taps + 1) * sizeof<usize>();
  else if (i == 1) bytes = p * ((taps + 1) >> 1) * 64;
  else if (i == 2) bytes = p * 64;
  else if (i == 3) bytes = 16 + p * 16 * 24;
  else if (i == 4) bytes = p * <usize>rowLoads(geom, mult) * 16;
  else if (i == 5) bytes = <usize>(load<i32>(geom, G_H) + 1) * rowStrideBytes(geom, rowLoads(geom, mult));
  else bytes = ((<usize>load<i32>(geom, G_OW) * <usize>oc + 15) & ~(<usize>15)) << 2;
  return (bytes + 15) & ~(<usize>15);
}

/** Offset of scratch piece `i` from the scratch start. */
export function rowOffset(geom: usize, mult: u32, i: i32): usize {
  let at: usize = 0;
  for (let j = 0; j < i; j++) at += rowPiece(geom, mult, j);
  return at;
}

/** Bytes of scratch the `anyp16w` kernels need for a geometry block (C = input channels) and channel multiplier. */
export function qs8_dwconv_scratch_bytes__simd128(geom: usize, mult: u32): usize {
  return rowOffset(geom, mult, 7);
}
