// The per-call loop the depthwise families share (qs8_dwconv, qu8_dwconv, f32_dwconv): geometry
// block, zero row, channel-multiplier expansion (qs8_dwconv_expand, used for float input too: it
// copies `esize`-byte elements), one kernel call per image.

import type { KernelFn, Runtime } from "../runtime/runtime.js";
import type { Workspace } from "../runtime/workspace.js";
import { CONV_GEOMETRY_BYTES, writeConvGeometry } from "./conv-geometry.js";
import { resolveFirst, resolveKernel } from "./resolve.js";

/** Tiles in order of preference: the fixed-tap kernels for 9 and 25 taps, then any size. */
export function dwconvTiles(taps: number): string[] {
  return [...(taps === 9 ? ["3x3p16c"] : taps === 25 ? ["5x5p16c"] : []), "anyp16c", "anyp1c"];
}

/** One depthwise call over NHWC images. */
export interface DwconvCall {
  readonly x: number;
  readonly images: number;
  /** Input H, W, channels C and multiplier (output channels = C · multiplier). */
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly multiplier: number;
  readonly oh: number;
  readonly ow: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly pt: number;
  readonly pl: number;
  /** Bytes of an input element (1, or 4 for float) and of an output element. */
  readonly esize: number;
  readonly outEsize: number;
  /** The byte padding taps read (the input zero point's low byte; 0 for float). */
  readonly padByte: number;
  readonly out: number;
  readonly weights: number;
  /** @internal Tests: force a tile. */
  readonly tile?: string | undefined;
}

/** Runs `call` with `kernel(src, zrow, out, geom)` wrapped by the family (which adds its own arguments). */
export function runDwconv(rt: Runtime, ws: Workspace, op: string, x: DwconvCall, kernel: (src: number, zrow: number, out: number, geom: number) => void): void {
  const oc = x.c * x.multiplier;
  const pixels = x.h * x.w;
  const expanded = x.multiplier > 1 ? pixels * oc * x.esize : 0;
  const zrowBytes = (oc + 16) * x.esize;
  ws.with(op, [CONV_GEOMETRY_BYTES, zrowBytes, expanded], ([geom, zrow, exp]) => {
    writeConvGeometry(rt, geom!, {
      h: x.h, w: x.w, c: oc, oh: x.oh, ow: x.ow, kh: x.kh, kw: x.kw, sh: x.sh, sw: x.sw, dh: x.dh, dw: x.dw, pt: x.pt, pl: x.pl,
      inRow: x.w * oc * x.esize, outRow: x.ow * oc * x.outEsize,
    });
    rt.views().u8.fill(x.padByte & 255, zrow!, zrow! + zrowBytes);
    const expand = x.multiplier > 1 ? resolveKernel(rt, "qs8_dwconv", "expand") : null;
    const inImage = pixels * x.c * x.esize;
    const outImage = x.oh * x.ow * oc * x.outEsize;
    for (let b = 0; b < x.images; b++) {
      let src = x.x + b * inImage;
      if (expand) {
        expand(src, exp!, pixels, x.c, x.multiplier, x.esize);
        src = exp!;
      }
      kernel(src, zrow!, x.out + b * outImage, geom!);
    }
  });
}

/**
 * Runs `call` through a row-vectorized kernel (tile `anyp16w`, assembly/qs8_dwconv/layout_rows.ts):
 * the geometry block's C is the input channels (no multiplier expansion), the zero row is the
 * padding byte alone, and the kernel's scratch (sized by `scratchBytes(geom, multiplier)`) comes
 * from the workspace, so the kernel keeps no state of its own.
 */
export function runDwconvRows(
  rt: Runtime, ws: Workspace, op: string, x: DwconvCall, scratchBytes: (geom: number, mult: number) => number,
  kernel: (src: number, zrow: number, out: number, geom: number, scratch: number) => void,
): void {
  const oc = x.c * x.multiplier;
  ws.with(op, [CONV_GEOMETRY_BYTES, 16], ([geom, zrow]) => {
    writeConvGeometry(rt, geom!, {
      h: x.h, w: x.w, c: x.c, oh: x.oh, ow: x.ow, kh: x.kh, kw: x.kw, sh: x.sh, sw: x.sw, dh: x.dh, dw: x.dw, pt: x.pt, pl: x.pl,
      inRow: x.w * x.c * x.esize, outRow: x.ow * oc * x.outEsize,
    });
    rt.views().u8.fill(x.padByte & 255, zrow!, zrow! + 16);
    ws.with(op, [scratchBytes(geom!, x.multiplier)], ([scratch]) => {
      const inImage = x.h * x.w * x.c * x.esize;
      const outImage = x.oh * x.ow * oc * x.outEsize;
      for (let b = 0; b < x.images; b++) kernel(x.x + b * inImage, zrow!, x.out + b * outImage, geom!, scratch!);
    });
  });
}

const chosen = new WeakMap<Runtime, Map<string, KernelFn>>();

/** The kernel of `family` for a variant prefix (stage) and tap count, or the forced tile; resolved once per instance. */
export function dwconvKernel(rt: Runtime, family: string, stage: string, taps: number, tile?: string): KernelFn {
  let cache = chosen.get(rt);
  if (!cache) chosen.set(rt, (cache = new Map()));
  const key = `${family}|${stage}|${tile ?? (taps === 9 || taps === 25 ? taps : "any")}`;
  let fn = cache.get(key);
  if (!fn) {
    fn = tile !== undefined ? resolveKernel(rt, family, `${stage}_${tile}`) : resolveFirst(rt, family, dwconvTiles(taps).map((t) => `${stage}_${t}`));
    cache.set(key, fn);
  }
  return fn;
}
