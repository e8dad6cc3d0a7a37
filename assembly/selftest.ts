// A self-contained workload over the scalar kernels, for engines that can only run a bare
// module (wasm-interp --disable-simd, wasm2js): it allocates, runs the scalar kernels of every
// family on deterministic data, frees, and returns an FNV-1a checksum of all outputs. The same
// export run in Node and in another engine must return the same number.

import { qk_alloc, qk_free, qk_live_blocks } from "./memory";
import { f32_q8_vcvt_cols__scalar, f32_q8_vcvt_rows__scalar } from "./f32_q8_vcvt/scalar";
import { q8_f32_vcvt_cols__scalar, q8_f32_vcvt_rows__scalar } from "./q8_f32_vcvt/scalar";
import { qs32_f32_vcvt_rows__scalar } from "./qs32_f32_vcvt/scalar";
import { qs32_q8_requant_fixedpoint_rows__scalar, qs32_q8_requant_fp32_cols__scalar } from "./qs32_q8_requant/scalar";
import { f32_rminmax_rows__scalar } from "./f32_rminmax/scalar";
import { q8_q4_pack__scalar } from "./q8_q4/scalar";
import { q4_q8_unpack__scalar } from "./q4_q8/scalar";
import { fnv, kernelsChecksum, next as nextU32, resetSeed } from "./selftest_kernels";

/** Runs the scalar workload (then selftest_kernels.ts); returns its checksum, or 0 if a block leaked. */
export function qk_selftest(): u32 {
  resetSeed();
  const rows: u32 = 7;
  const cols: u32 = 37;
  const n = rows * cols;
  const blocksBefore = qk_live_blocks();
  const x = qk_alloc(<usize>n << 2);
  const q = qk_alloc(<usize>n);
  const f = qk_alloc(<usize>n << 2);
  const acc = qk_alloc(<usize>n << 2);
  const scales = qk_alloc(<usize>cols << 2);
  const zps = qk_alloc(<usize>cols << 2);
  const params = qk_alloc(16 + 24 * 16);
  const packed = qk_alloc(<usize>(n + 1) >> 1);
  const minmax = qk_alloc(<usize>rows << 4);
  // rminmax writes 12 of each row's 16 bytes; clear the rest, which the hash reads too.
  for (let i: usize = 0; i < (<usize>rows << 4); i++) store<u8>(minmax + i, 0);
  for (let i: u32 = 0; i < n; i++) {
    store<f32>(x + (<usize>i << 2), <f32>(<i32>(nextU32() % 20001) - 10000) * 0.0125);
    store<i32>(acc + (<usize>i << 2), <i32>nextU32() >> 8);
  }
  for (let j: u32 = 0; j < cols; j++) {
    store<f32>(scales + (<usize>j << 2), <f32>(<i32>(nextU32() % 97) + 1) * 0.03125);
    store<i32>(zps + (<usize>j << 2), <i32>(nextU32() % 256) - 128);
  }
  let hash: u32 = 2166136261;
  f32_q8_vcvt_rows__scalar(x, q, rows, cols, scales, zps, 3, -128, 127);
  hash = fnv(hash, q, n);
  q8_f32_vcvt_rows__scalar(q, f, rows, cols, scales, zps, 3, 0);
  hash = fnv(hash, f, <usize>n << 2);
  f32_q8_vcvt_cols__scalar(x, q, rows, cols, scales, zps, -128, 127);
  hash = fnv(hash, q, n);
  q8_f32_vcvt_cols__scalar(q, f, rows, cols, scales, zps, 1);
  hash = fnv(hash, f, <usize>n << 2);
  qs32_f32_vcvt_rows__scalar(acc, f, rows, cols, scales, 5);
  hash = fnv(hash, f, <usize>n << 2);
  // fp32 stage, per column: zero point 3, clamp −100..120, scales 2^-20 · k.
  store<i32>(params, 3);
  store<i32>(params, -100, 4);
  store<i32>(params, 120, 8);
  store<u32>(params, 16, 12);
  for (let c: u32 = 0; c < 16; c++) store<f32>(params + 16 + (<usize>c << 2), <f32>(c + 1) * 9.5367431640625e-7);
  qs32_q8_requant_fp32_cols__scalar(acc, q, rows, 16, params);
  hash = fnv(hash, q, <usize>rows * 16);
  // fixedpoint stage, 4 channels: multiplier 2^30 + k, shifts 0..9.
  store<u32>(params, 4, 12);
  for (let c: u32 = 0; c < 4; c++) {
    store<i32>(params + 16 + (<usize>c << 2), (1 << 30) + <i32>c * 12345);
    store<i32>(params + 32 + (<usize>c << 2), 1);
    store<i32>(params + 48 + (<usize>c << 2), i32.MAX_VALUE);
    store<i32>(params + 64 + (<usize>c << 2), 3 + <i32>c * 2);
    store<f64>(params + 80 + (<usize>c << 3), 1.0 / <f64>(1 << (3 + c * 2)));
  }
  qs32_q8_requant_fixedpoint_rows__scalar(acc, q, rows, cols, params);
  hash = fnv(hash, q, n);
  f32_rminmax_rows__scalar(x, rows, cols, minmax);
  hash = fnv(hash, minmax, <usize>rows << 4);
  f32_q8_vcvt_rows__scalar(x, q, 1, n, scales, zps, 1, -8, 7);
  q8_q4_pack__scalar(q, packed, n);
  hash = fnv(hash, packed, <usize>(n + 1) >> 1);
  q4_q8_unpack__scalar(packed, q, n, 0);
  hash = fnv(hash, q, n);
  qk_free(x);
  qk_free(q);
  qk_free(f);
  qk_free(acc);
  qk_free(scales);
  qk_free(zps);
  qk_free(params);
  qk_free(packed);
  qk_free(minmax);
  hash = kernelsChecksum(hash);
  return qk_live_blocks() == blocksBefore ? hash : 0;
}
