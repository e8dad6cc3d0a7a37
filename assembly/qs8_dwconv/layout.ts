// Layouts of the 8-bit depthwise convolution (NHWC), shared by the TypeScript packer
// (src/ops/pack-depthwise-weights.ts) and the kernels. The geometry block and tap addressing are
// ../common/conv_geometry.ts.
//
// This folder holds two families generated from the same kernel templates: qs8_dwconv (int8
// input) and qu8_dwconv (uint8 input, its twin). They differ only in how input bytes are widened,
// so the uint8 exports are named `qu8_dwconv_*` but live here, next to their int8 twins; a
// qu8_dwconv folder would only repeat the templates.
//
// Packed int8 weights (once per weight tensor), per tile of 16 channels:
//   i32 wsum[16]                 Σ over taps of w'[t, c] (w' = w − weight zero point), for the op
//                                to fold the input zero point into the bias
//   i16 w[P][16][2]              for tap pair p (taps 2p and 2p+1 in kh-major order; an odd last
//                                tap is paired with a zero tap): (w'[2p, c], w'[2p+1, c]) per channel
// Tile bytes: 64 + P·64 with P = ceil(KH·KW / 2). Channels past C are zero.
//
// Per call the op writes the folded bias i32[Cp16] (bias − za·wsum) and, for 8-bit outputs, an
// output-stage params block (assembly/output/params.ts, channels padded to 16).
//
// Inputs are read 16 channels at a time: the last tile of a pixel may read up to 15 bytes past the
// pixel (into the next pixel, or into the 16-byte slack after the tensor). Padding taps read a
// "zero row" of C + 16 bytes filled with the input zero point, which the folded bias cancels.

/** Bytes of one packed int8 tile of 16 channels with `taps` taps. */
// @ts-ignore: decorator
@inline export function dwTileBytes(taps: usize): usize {
  return 64 + (((taps + 1) >> 1) << 6);
}
