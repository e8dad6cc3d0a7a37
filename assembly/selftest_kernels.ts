// Second half of the self-test (selftest.ts): the scalar GEMM (int32 and fp32 stages), depthwise
// (int8 3×3 and uint8 5×5 stride 2), block-wise int4 (int32 and dequant outputs) and sparse kernels on
// small deterministic data, packed with the build's own packers. It calls kernels the way the ops
// do but skips the ops' bookkeeping (bias folding, stage parameters derived from scales): it checks
// that an engine executes the kernels identically, not that the results mean anything.

import { qk_alloc, qk_free } from "./memory";
import { qs8_gemm_packa__scalar, qs8_gemm_packw__scalar } from "./qs8_gemm/pack";
import { qs8_gemm_fp32_1x8c2__scalar, qs8_gemm_int32_1x8c2__scalar } from "./qs8_gemm/scalar";
import { blockBytes, groupBytes } from "./qs8_gemm/layout";
import { qs8_dwconv_int32_anyp1c__scalar, qu8_dwconv_int32_anyp1c__scalar } from "./qs8_dwconv/scalar";
import { dwTileBytes } from "./qs8_dwconv/layout";
import { qb4_gemm_packa_q8__scalar, qb4_gemm_packw__scalar } from "./qb4_gemm/pack";
import { qb4_gemm_dequant_1x4c32__scalar, qb4_gemm_int32_1x4c32__scalar } from "./qb4_gemm/scalar";
import { packedBytes } from "./qb4_gemm/layout";
import { qs8_spmm_count__scalar, qs8_spmm_packa__scalar, qs8_spmm_packw__scalar } from "./qs8_spmm/pack";
import { qs8_spmm_int32_1x1__scalar } from "./qs8_spmm/scalar";

let seed: u32 = 0x9E3779B9;

/** Restarts the generator, so every run of the self-test sees the same data. */
export function resetSeed(): void {
  seed = 0x9E3779B9;
}

/** xorshift32. */
export function next(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

/** FNV-1a over `bytes` bytes at `ptr`, continuing from `hash`. */
export function fnv(hash: u32, ptr: usize, bytes: usize): u32 {
  for (let i: usize = 0; i < bytes; i++) {
    hash = (hash ^ <u32>load<u8>(ptr + i)) * 16777619;
  }
  return hash;
}

/** Random bytes. */
function fill(ptr: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i++) store<u8>(ptr + i, <u8>next());
}

/** i32 values in [lo, lo + span). */
function fillI32(ptr: usize, count: u32, lo: i32, span: u32): void {
  for (let i: u32 = 0; i < count; i++) store<i32>(ptr + (<usize>i << 2), lo + <i32>(next() % span));
}

/** C = A·B through packa/packw, int32 accumulators then the fp32 stage (int8 output). */
function gemm(hash: u32): u32 {
  const m: u32 = 5, k: u32 = 37, n: u32 = 19;
  const kp = (k + 1) & ~1;
  const a = qk_alloc(m * k), b = qk_alloc(k * n), za = qk_alloc(4), zb = qk_alloc(n << 2), bias = qk_alloc(n << 2);
  const pw = qk_alloc(((n + 7) >> 3) * blockBytes(kp));
  const pa = qk_alloc(((m + 3) >> 2) * groupBytes(kp)), rowsums = qk_alloc(((m + 3) & ~3) << 2);
  const c = qk_alloc(m * n << 2), c8 = qk_alloc(m * n);
  const cp: u32 = (n + 7) & ~7;
  const params = qk_alloc(16 + (cp << 2));
  fill(a, m * k);
  fill(b, k * n);
  store<i32>(za, 131);
  fillI32(zb, n, -3, 7);
  fillI32(bias, n, -5000, 10000);
  qs8_gemm_packw__scalar(b, k, n, n, 1, 0, zb, 4, bias, pw);
  qs8_gemm_packa__scalar(a, m, k, k, 1, za, 0, pa, rowsums);
  qs8_gemm_int32_1x8c2__scalar(m, n, k, pa, rowsums, pw, c, n << 2, 0, 0, 0);
  hash = fnv(hash, c, m * n << 2);
  store<i32>(params, -5);
  store<i32>(params, -128, 4);
  store<i32>(params, 127, 8);
  store<u32>(params, n, 12);
  for (let j: u32 = 0; j < cp; j++) store<f32>(params + 16 + (<usize>j << 2), <f32>(j + 1) * 0.000244140625);
  qs8_gemm_fp32_1x8c2__scalar(m, n, k, pa, rowsums, pw, c8, n, params, 0, 0);
  hash = fnv(hash, c8, m * n);
  qk_free(a); qk_free(b); qk_free(za); qk_free(zb); qk_free(bias); qk_free(pw);
  qk_free(pa); qk_free(rowsums); qk_free(c); qk_free(c8); qk_free(params);
  return hash;
}

/** Depthwise int32: int8 input 3×3 stride 1 pad 1, then uint8 input 5×5 stride 2 pad 2. */
function dwconv(hash: u32): u32 {
  const h: i32 = 6, w: i32 = 5, ch: i32 = 19;
  const tiles = <usize>((ch + 15) >> 4);
  const input = qk_alloc(<usize>(h * w * ch));
  const zrow = qk_alloc(<usize>ch + 16);
  const weights = qk_alloc(tiles * dwTileBytes(25));
  const bias = qk_alloc(tiles << 6);
  const geom = qk_alloc(64);
  const out = qk_alloc(<usize>(h * w * ch) << 2);
  fill(input, <usize>(h * w * ch));
  fillI32(bias, <u32>tiles << 4, -3000, 6000);
  for (let pass = 0; pass < 2; pass++) {
    const kk: i32 = pass == 0 ? 3 : 5, stride: i32 = pass == 0 ? 1 : 2, pad: i32 = pass == 0 ? 1 : 2;
    const oh = (h + 2 * pad - kk) / stride + 1, ow = (w + 2 * pad - kk) / stride + 1;
    for (let i = 0; i < ch + 16; i++) store<u8>(zrow + i, pass == 0 ? 3 : 128);
    // Packed tiles: 64 bytes of weight sums (unused by the kernel), then int16 tap pairs.
    const tileBytes = dwTileBytes(<usize>(kk * kk));
    for (let t: usize = 0; t < tiles; t++) {
      for (let i: usize = 0; i < tileBytes; i += 2) store<i16>(weights + t * tileBytes + i, <i16>(<i32>(next() % 511) - 255));
    }
    // Geometry block (common/conv_geometry.ts): H W C OH OW KH KW SH SW DH DW PT PL inRow outRow.
    store<i32>(geom, h); store<i32>(geom, w, 4); store<i32>(geom, ch, 8); store<i32>(geom, oh, 12);
    store<i32>(geom, ow, 16); store<i32>(geom, kk, 20); store<i32>(geom, kk, 24); store<i32>(geom, stride, 28);
    store<i32>(geom, stride, 32); store<i32>(geom, 1, 36); store<i32>(geom, 1, 40); store<i32>(geom, pad, 44);
    store<i32>(geom, pad, 48); store<i32>(geom, w * ch, 52); store<i32>(geom, ow * ch * 4, 56); store<i32>(geom, 0, 60);
    if (pass == 0) qs8_dwconv_int32_anyp1c__scalar(input, zrow, out, weights, bias, 0, geom);
    else qu8_dwconv_int32_anyp1c__scalar(input, zrow, out, weights, bias, 0, geom);
    hash = fnv(hash, out, <usize>(oh * ow * ch) << 2);
  }
  qk_free(input); qk_free(zrow); qk_free(weights); qk_free(bias); qk_free(geom); qk_free(out);
  return hash;
}

/** Block-wise int4: blocks of 32, int8 activations with per-row zero points and scales. */
function int4(hash: u32): u32 {
  const m: u32 = 3, k: u32 = 80, n: u32 = 6, bs: u32 = 32;
  const nb = (k + bs - 1) / bs, kp = nb * bs;
  const q = qk_alloc(n * k), scales = qk_alloc(n * nb << 2), zps = qk_alloc(n * nb);
  const pw = qk_alloc(packedBytes(n, k, bs));
  const a = qk_alloc(m * k), za = qk_alloc(m << 2), sa = qk_alloc(m << 2);
  const a16 = qk_alloc(m * kp << 1), a8 = qk_alloc(m * kp), asum = qk_alloc(m * nb << 2), ascale = qk_alloc(m * nb << 2), azp = qk_alloc(m << 2);
  const out = qk_alloc(m * n * nb << 2);
  for (let i: u32 = 0; i < n * k; i++) store<u8>(q + i, <u8>(next() & 15));
  for (let i: u32 = 0; i < n * nb; i++) {
    store<f32>(scales + (<usize>i << 2), <f32>(next() % 64 + 1) * 0.0078125);
    store<u8>(zps + i, <u8>(next() & 15));
  }
  fill(a, m * k);
  fillI32(za, m, -20, 40);
  for (let r: u32 = 0; r < m; r++) store<f32>(sa + (<usize>r << 2), <f32>(r + 1) * 0.03125);
  qb4_gemm_packw__scalar(q, k, scales, zps, n, k, bs, pw);
  qb4_gemm_packa_q8__scalar(a, m, k, bs, 0, za, 4, sa, 4, a16, a8, asum, ascale, azp);
  qb4_gemm_int32_1x4c32__scalar(m, n, k, bs, a16, a8, asum, ascale, azp, pw, out, 0);
  hash = fnv(hash, out, m * n * nb << 2);
  qb4_gemm_dequant_1x4c32__scalar(m, n, k, bs, a16, a8, asum, ascale, azp, pw, out, 0);
  hash = fnv(hash, out, m * n << 2);
  qk_free(q); qk_free(scales); qk_free(zps); qk_free(pw); qk_free(a); qk_free(za); qk_free(sa);
  qk_free(a16); qk_free(a8); qk_free(asum); qk_free(ascale); qk_free(azp); qk_free(out);
  return hash;
}

/** Sparse 1×4 blocks: about 70% of the blocks hold the zero point 2. */
function sparse(hash: u32): u32 {
  const m: u32 = 6, k: u32 = 40, n: u32 = 11;
  const b = qk_alloc(k * n), zb = qk_alloc(4), a = qk_alloc(m * k), bias = qk_alloc(n << 2);
  fill(b, k * n);
  for (let col: u32 = 0; col < n; col++) {
    for (let k0: u32 = 0; k0 < k; k0 += 4) {
      if (next() % 10 < 7) for (let t: u32 = 0; t < 4; t++) store<i8>(b + (k0 + t) * n + col, 2);
    }
  }
  store<i32>(zb, 2);
  fill(a, m * k);
  fillI32(bias, n, -100, 200);
  const count = qs8_spmm_count__scalar(b, k, n, n, 1, zb, 0);
  const pw = qk_alloc(16 * n + 12 * count);
  const pa = qk_alloc(((m + 3) >> 2) * (k << 2));
  const c = qk_alloc(m * n << 2);
  qs8_spmm_packw__scalar(b, k, n, n, 1, 0, zb, 0, bias, pw);
  qs8_spmm_packa__scalar(a, m, k, k, 0, pa);
  qs8_spmm_int32_1x1__scalar(m, n, k, pa, pw, c, n << 2, 0, -1);
  hash = fnv(hash ^ count, c, m * n << 2);
  qk_free(b); qk_free(zb); qk_free(a); qk_free(bias); qk_free(pw); qk_free(pa); qk_free(c);
  return hash;
}

/** Runs the four kernel families in turn, folding their outputs into `hash`. */
export function kernelsChecksum(hash: u32): u32 {
  hash = gemm(hash);
  hash = dwconv(hash);
  hash = int4(hash);
  return sparse(hash);
}
