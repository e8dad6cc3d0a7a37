// 8-bit bilinear interpolation of one output row (x8: int8 or uint8 by a flag), the inner loop of
// TFLite's RESIZE_BILINEAR. The caller resolves the geometry: the two source rows, per output column
// the byte offsets of the left and right source pixels in those rows and the horizontal weight, and
// the row's vertical weight. Two arithmetics, exact in int32:
//
// `x8_ibilinear_q11__scalar(top, bottom, cols, c, wy, out, ow, unsigned_)`: XNNPACK's ibilinear
// microkernels (11-bit weights): t = tl·2^11 + (tr − tl)·αx, b likewise, y = (t·2^11 + (b − t)·αy +
// 2^21) >> 22 (arithmetic shift). |t·2^11| and |(b − t)·αy| stay below 2^30.
//
// `x8_ibilinear_q10__scalar(...)`: TFLite's ResizeBilinearInteger (10-bit weights): s = Σ v·wy·wx
// over the four taps, computed as ((tl·(1024 − wx) + tr·wx)·(1024 − wy) + (bl·(1024 − wx) +
// br·wx)·wy, the same integer), y = (s ± 2^19) / 2^20 truncated (round half away from zero). Weights
// may leave [0, 1024] only where both taps are one pixel (half-pixel centers at the border), so
// |s| < 2^31.
//
// `cols` holds, per output column, three i32: left offset, right offset (bytes within a source row),
// horizontal weight. The output row is ow·c bytes at `out`.

// @ts-ignore: decorator
@inline function rowQ11<T>(top: usize, bottom: usize, cols: usize, c: u32, wy: i32, out: usize, ow: u32): void {
  for (let xo: u32 = 0; xo < ow; xo++) {
    const l = <usize>load<i32>(cols), r = <usize>load<i32>(cols, 4), wx = load<i32>(cols, 8);
    cols += 12;
    for (let ch: usize = 0; ch < <usize>c; ch++) {
      const tl = <i32>load<T>(top + l + ch), tr = <i32>load<T>(top + r + ch);
      const bl = <i32>load<T>(bottom + l + ch), br = <i32>load<T>(bottom + r + ch);
      const t = (tl << 11) + (tr - tl) * wx;
      const b = (bl << 11) + (br - bl) * wx;
      store<u8>(out, <u8>(((t << 11) + (b - t) * wy + 0x200000) >> 22));
      out += 1;
    }
  }
}

// @ts-ignore: decorator
@inline function rowQ10<T>(top: usize, bottom: usize, cols: usize, c: u32, wy: i32, out: usize, ow: u32): void {
  for (let xo: u32 = 0; xo < ow; xo++) {
    const l = <usize>load<i32>(cols), r = <usize>load<i32>(cols, 4), wx = load<i32>(cols, 8);
    cols += 12;
    for (let ch: usize = 0; ch < <usize>c; ch++) {
      const t = <i32>load<T>(top + l + ch) * (1024 - wx) + <i32>load<T>(top + r + ch) * wx;
      const b = <i32>load<T>(bottom + l + ch) * (1024 - wx) + <i32>load<T>(bottom + r + ch) * wx;
      const s = t * (1024 - wy) + b * wy;
      store<u8>(out, <u8>((s > 0 ? s + 0x80000 : s - 0x80000) / 0x100000));
      out += 1;
    }
  }
}

export function x8_ibilinear_q11__scalar(top: usize, bottom: usize, cols: usize, c: u32, wy: i32, out: usize, ow: u32, unsigned_: i32): void {
  if (unsigned_) rowQ11<u8>(top, bottom, cols, c, wy, out, ow);
  else rowQ11<i8>(top, bottom, cols, c, wy, out, ow);
}

export function x8_ibilinear_q10__scalar(top: usize, bottom: usize, cols: usize, c: u32, wy: i32, out: usize, ow: u32, unsigned_: i32): void {
  if (unsigned_) rowQ10<u8>(top, bottom, cols, c, wy, out, ow);
  else rowQ10<i8>(top, bottom, cols, c, wy, out, ow);
}
