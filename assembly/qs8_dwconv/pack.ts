// Packing of int8/uint8 depthwise weights into the tiles of layout.ts (once per weight tensor).

import { dwTileBytes } from "./layout";

/**
 * Packs weights w[t, c] (t < taps in kh-major order, c < channels; element (t, c) at
 * w + t·strideT + c·strideC, int8, or uint8 when unsigned_ ≠ 0) with per-channel zero points
 * (i32 at zp + c·zpStride) into `dst` (qs8_dwconv_packed_bytes long): per tile of 16 channels the
 * int32 Σ (w − zw) per channel, then int16 (w − zw) pairs by taps; padding channels and the odd
 * last tap's partner are zero.
 */
export function qs8_dwconv_packw__scalar(
  w: usize, taps: u32, channels: u32, strideT: usize, strideC: usize, unsigned_: i32, zp: usize, zpStride: usize, dst: usize,
): void {
  const tileBytes = dwTileBytes(<usize>taps);
  memory.fill(dst, 0, <usize>((channels + 15) >> 4) * tileBytes);
  for (let c: u32 = 0; c < channels; c++) {
    const tile = dst + <usize>(c >> 4) * tileBytes;
    const lane = <usize>(c & 15) << 2;
    const z = load<i32>(zp + <usize>c * zpStride);
    let sum: i32 = 0;
    for (let t: u32 = 0; t < taps; t++) {
      const at = w + <usize>t * strideT + <usize>c * strideC;
      const v = (unsigned_ != 0 ? <i32>load<u8>(at) : <i32>load<i8>(at)) - z;
      sum += v;
      store<i16>(tile + 64 + (<usize>(t >> 1) << 6) + lane + (<usize>(t & 1) << 1), <i16>v);
    }
    store<i32>(tile + lane, sum);
  }
}
