// Packing of float32 depthwise weights into the tiles of layout.ts (once per weight tensor).

import { dwTileBytesF32 } from "./layout";

/**
 * Packs float weights w[t, c] (t < taps in kh-major order, c < channels; element (t, c) at
 * w + 4·(t·strideT + c·strideC)) and the float bias [channels] at `bias` (0: no bias) into `dst`
 * (f32_dwconv_packed_bytes long). Padding channels are zero.
 */
export function f32_dwconv_packw__scalar(w: usize, taps: u32, channels: u32, strideT: usize, strideC: usize, bias: usize, dst: usize): void {
  const tileBytes = dwTileBytesF32(<usize>taps);
  memory.fill(dst, 0, <usize>((channels + 15) >> 4) * tileBytes);
  for (let c: u32 = 0; c < channels; c++) {
    const lane = dst + <usize>(c >> 4) * tileBytes + (<usize>(c & 15) << 2);
    store<f32>(lane, bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0);
    for (let t: u32 = 0; t < taps; t++) {
      store<f32>(lane + (<usize>(t + 1) << 6), load<f32>(w + ((<usize>t * strideT + <usize>c * strideC) << 2)));
    }
  }
}

/** Bytes of float32 depthwise weights with `taps` taps and `channels` channels (tiles of 16 channels). */
export function f32_dwconv_packed_bytes__scalar(taps: u32, channels: u32): usize {
  return <usize>((channels + 15) >> 4) * dwTileBytesF32(<usize>taps);
}
