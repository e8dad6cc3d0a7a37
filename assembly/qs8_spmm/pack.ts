// Sparse int8 weights in 1×4 blocks along K (four consecutive input channels of one output
// column), for qs8_spmm. Packed once:
//   per output column n, 16 bytes of header then its nonzero blocks:
//     i32 count      number of nonzero blocks
//     i32 bias       int32 bias (0 without)
//     i32 wsum       Σ over the column of w' (for the activation zero-point correction)
//     i32 unused
//     count × 12 bytes: i32 off = 4·k0 (the block's byte offset in the packed-A layout below),
//                       i16 w'[4] = B[k0..k0+3, n] − zb[n] (int16: any int8/uint8 zero point)
//   Blocks whose four w' are all 0 (pruned weights hold the zero point) are left out.
//
// Packed activations (per call), groups of 4 rows (pixels), K padded to a multiple of 4 with 0:
//   group g occupies 4·Kp bytes; K pair p holds 8 int8 bytes (a[r, 2p], a[r, 2p+1]) for r = 0..3,
//   so one v128.load8x8_s widens 4 rows × 2 K to int16 lanes, and a splatted weight pair meets them
//   in i32x4.dot_i16x8_s with one lane per row. a is int8 (uint8 as a − 128, zero point − 128).
// The M = 1 tile (1x1c8, simd128) instead uses int16 a − za, contiguous (packa1).
//
// acc[m, n] = Σ_blocks Σ_t a[m, k0 + t] · w'[t] + bias − za · wsum = Σ_k (a − za)(B − zb) + bias.

/** Counts nonzero 1×4 blocks of B (same arguments as qs8_gemm_packw); returns the total. */
export function qs8_spmm_count__scalar(b: usize, k: u32, n: u32, strideK: usize, strideN: usize, zb: usize, zbStride: usize): u32 {
  let total: u32 = 0;
  for (let col: u32 = 0; col < n; col++) {
    const z = load<i32>(zb + <usize>col * zbStride);
    for (let k0: u32 = 0; k0 < k; k0 += 4) {
      if (blockNonzero(b, k, col, k0, strideK, strideN, z)) total++;
    }
  }
  return total;
}

// @ts-ignore: decorator
@inline function value(b: usize, k: u32, col: u32, kk: u32, strideK: usize, strideN: usize, z: i32, unsigned_: bool): i32 {
  if (kk >= k) return 0;
  const at = b + <usize>kk * strideK + <usize>col * strideN;
  return (unsigned_ ? <i32>load<u8>(at) : <i32>load<i8>(at)) - z;
}

// @ts-ignore: decorator
@inline function blockNonzero(b: usize, k: u32, col: u32, k0: u32, strideK: usize, strideN: usize, z: i32): bool {
  // Compares raw bytes with the zero point's byte: the signedness does not matter for equality.
  for (let t: u32 = 0; t < 4; t++) {
    const kk = k0 + t;
    if (kk < k && <i32>load<u8>(b + <usize>kk * strideK + <usize>col * strideN) != (z & 255)) return true;
  }
  return false;
}

/**
 * Packs B (element (k, n) at b + k·strideK + n·strideN) into the sparse format; `zb` + n·zbStride
 * holds the zero point of column n, `bias` is i32[N] or 0. dst must hold 16·N + 12·count bytes.
 */
export function qs8_spmm_packw__scalar(
  b: usize, k: u32, n: u32, strideK: usize, strideN: usize, unsigned_: i32, zb: usize, zbStride: usize, bias: usize, dst: usize,
): void {
  let out = dst;
  for (let col: u32 = 0; col < n; col++) {
    const z = load<i32>(zb + <usize>col * zbStride);
    const head = out;
    out += 16;
    let count: i32 = 0;
    let wsum: i32 = 0;
    for (let k0: u32 = 0; k0 < k; k0 += 4) {
      if (!blockNonzero(b, k, col, k0, strideK, strideN, z)) continue;
      store<i32>(out, <i32>(k0 << 2));
      for (let t: u32 = 0; t < 4; t++) {
        const v = value(b, k, col, k0 + t, strideK, strideN, z, unsigned_ != 0);
        store<i16>(out + 4 + (<usize>t << 1), <i16>v);
        wsum += v;
      }
      out += 12;
      count++;
    }
    store<i32>(head, count);
    store<i32>(head, bias != 0 ? load<i32>(bias + (<usize>col << 2)) : 0, 4);
    store<i32>(head, wsum, 8);
    store<i32>(head, 0, 12);
  }
}

/** Packs A [M, K] (row r at a + r·lda) into groups of 4 rows (layout above). */
export function qs8_spmm_packa__scalar(a: usize, m: u32, k: u32, lda: usize, unsigned_: i32, dst: usize): void {
  const kp = (k + 3) & ~3;
  const rows = (m + 3) & ~3;
  for (let r: u32 = 0; r < rows; r++) {
    const g = dst + <usize>(r >> 2) * (<usize>kp << 2) + (<usize>(r & 3) << 1);
    for (let kk: u32 = 0; kk < kp; kk++) {
      let v: i32 = 0;
      if (r < m && kk < k) v = unsigned_ ? <i32>load<u8>(a + <usize>r * lda + kk) - 128 : <i32>load<i8>(a + <usize>r * lda + kk);
      store<i8>(g + (<usize>(kk >> 1) << 3) + (kk & 1), <i8>v);
    }
  }
}

/** Packs one row of A as int16 a − za, K padded to a multiple of 4 with 0 (the M = 1 path). */
export function qs8_spmm_packa1__scalar(a: usize, k: u32, unsigned_: i32, za: i32, dst: usize): void {
  const kp = (k + 3) & ~3;
  for (let kk: u32 = 0; kk < kp; kk++) {
    const v: i32 = kk < k ? (unsigned_ ? <i32>load<u8>(a + kk) : <i32>load<i8>(a + kk)) - za : 0;
    store<i16>(dst + (<usize>kk << 1), <i16>v);
  }
}
