// Layout size of qs8_dwconv / qu8_dwconv (layout.ts), exported so that TypeScript
// (src/kernels/qs8_dwconv.ts) never repeats it.

import { dwTileBytes } from "./layout";

/** Bytes of int8 depthwise weights with `taps` taps and `channels` output channels, packed in tiles of 16 channels. */
export function qs8_dwconv_packed_bytes__scalar(taps: u32, channels: u32): usize {
  return <usize>((channels + 15) >> 4) * dwTileBytes(<usize>taps);
}
