// Layout of the float32 depthwise convolution (NHWC), shared by the TypeScript packer
// (src/ops/pack-depthwise-weights.ts) and the kernels. The geometry block and tap addressing are
// ../common/conv_geometry.ts.
//
// Packed float32 weights (once per weight tensor), per tile of 16 channels:
//   f32 bias[16]                 the bias of the tile's channels (0 without bias)
//   f32 w[T][16]                 for tap t (kh-major order): w[t, c] per channel
// Tile bytes: 64 + T·64 with T = KH·KW. Channels past C are zero.

/** Bytes of one packed float32 tile of 16 channels. */
// @ts-ignore: decorator
@inline export function dwTileBytesF32(taps: usize): usize {
  return 64 + (taps << 6);
}
