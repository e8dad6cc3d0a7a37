// Geometry of NHWC convolution-like kernels: the per-call geometry block and the tap addressing
// built from it. Shared by the families that walk a KH×KW window over an NHWC image:
// qs8_dwconv / qu8_dwconv, f32_dwconv, im2col and q8_pool (each folder keeps its own weight
// layout; qs8_dwconv/layout.ts and f32_dwconv/layout.ts).
//
// Geometry block (i32[16], written per call by the op):
//   0 H  1 W  2 C (channels of input and output: the depthwise op expands channel multipliers first)
//   3 OH 4 OW 5 KH 6 KW 7 strideH 8 strideW 9 dilationH 10 dilationW 11 padTop 12 padLeft
//   13 inputRowStride (bytes per input row = W·C·elem) 14 outRowStride (bytes) 15 unused
// The G_* constants are the byte offsets of these fields.
import { perThread } from "./threads";

// @ts-ignore: decorator
@inline export const G_H: usize = 0;
// @ts-ignore: decorator
@inline export const G_W: usize = 4;
// @ts-ignore: decorator
@inline export const G_C: usize = 8;
// @ts-ignore: decorator
@inline export const G_OH: usize = 12;
// @ts-ignore: decorator
@inline export const G_OW: usize = 16;
// @ts-ignore: decorator
@inline export const G_KH: usize = 20;
// @ts-ignore: decorator
@inline export const G_KW: usize = 24;
// @ts-ignore: decorator
@inline export const G_SH: usize = 28;
// @ts-ignore: decorator
@inline export const G_SW: usize = 32;
// @ts-ignore: decorator
@inline export const G_DH: usize = 36;
// @ts-ignore: decorator
@inline export const G_DW: usize = 40;
// @ts-ignore: decorator
@inline export const G_PT: usize = 44;
// @ts-ignore: decorator
@inline export const G_PL: usize = 48;
// @ts-ignore: decorator
@inline export const G_IN_ROW: usize = 52;
// @ts-ignore: decorator
@inline export const G_OUT_ROW: usize = 56;

/**
 * Tap addressing for one call: the geometry read once, the byte offset of every tap relative to
 * the window's top-left input pixel, and the interior range of output pixels whose taps all fall
 * inside the input (for those, address = window base + offset; no bounds checks).
 */
export const TAP_OFFSETS = memory.data(4 * 1024, 16);

/**
 * Precomputes TAP_OFFSETS for the geometry block and element size, plus one extra entry (index
 * KH·KW, at most 1023 so it fits) repeating the last tap's offset: kernels that walk taps in pairs
 * may read it as the odd last tap's partner, whose packed weights are zero.
 */
// @ts-ignore: decorator
@inline export function prepareTaps(geom: usize, esize: usize): void {
  const c = <usize>load<i32>(geom, G_C);
  const kh = load<i32>(geom, G_KH);
  const kw = load<i32>(geom, G_KW);
  const rowStride = <usize>load<i32>(geom, G_IN_ROW);
  let at = perThread(TAP_OFFSETS);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      store<usize>(at, <usize>(y * load<i32>(geom, G_DH)) * rowStride + <usize>(x * load<i32>(geom, G_DW)) * c * esize);
      at += sizeof<usize>();
    }
  }
  store<usize>(at, load<usize>(at - sizeof<usize>()));
}

/**
 * Fills `ptrs` (one usize per tap, kh-major, plus one extra = zrow) with the input address of each
 * tap for output pixel (oh, ow), or `zrow` where the tap falls into the padding. Interior pixels
 * take the fast path over TAP_OFFSETS (prepareTaps must have run for this geometry).
 */
// @ts-ignore: decorator
@inline export function tapPointers(geom: usize, input: usize, zrow: usize, oh: i32, ow: i32, esize: usize, ptrs: usize): void {
  const h = load<i32>(geom, G_H);
  const w = load<i32>(geom, G_W);
  const kh = load<i32>(geom, G_KH);
  const kw = load<i32>(geom, G_KW);
  const dh = load<i32>(geom, G_DH);
  const dw = load<i32>(geom, G_DW);
  const ih0 = oh * load<i32>(geom, G_SH) - load<i32>(geom, G_PT);
  const iw0 = ow * load<i32>(geom, G_SW) - load<i32>(geom, G_PL);
  const taps = kh * kw;
  if (ih0 >= 0 && iw0 >= 0 && ih0 + (kh - 1) * dh < h && iw0 + (kw - 1) * dw < w) {
    const base = input + <usize>ih0 * <usize>load<i32>(geom, G_IN_ROW) + <usize>iw0 * <usize>load<i32>(geom, G_C) * esize;
    for (let t = 0; t < taps; t++) {
      store<usize>(ptrs + (<usize>t << alignof<usize>()), base + load<usize>(perThread(TAP_OFFSETS) + (<usize>t << alignof<usize>())));
    }
    store<usize>(ptrs + (<usize>taps << alignof<usize>()), zrow);
    return;
  }
  const c = <usize>load<i32>(geom, G_C);
  const rowStride = <usize>load<i32>(geom, G_IN_ROW);
  let at = ptrs;
  for (let y = 0; y < kh; y++) {
    const ih = ih0 + y * dh;
    const rowOk = ih >= 0 && ih < h;
    const rowBase = input + <usize>ih * rowStride;
    for (let x = 0; x < kw; x++) {
      const iw = iw0 + x * dw;
      store<usize>(at, rowOk && iw >= 0 && iw < w ? rowBase + <usize>iw * c * esize : zrow);
      at += sizeof<usize>();
    }
  }
  store<usize>(at, zrow);
}
