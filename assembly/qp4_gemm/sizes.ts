// Layout size of qp4_gemm (pack.ts), exported so that TypeScript (src/kernels/qp4_gemm.ts) never
// repeats it. Activations use qb4_gemm's layout and sizes.

import { qp4GroupBytes } from "./pack";

/** Bytes of palettized weights [K, N] with block size bs packed by qp4_gemm_packw. */
export function qp4_gemm_packed_bytes__scalar(k: u32, n: u32, bs: u32): usize {
  const nb = <usize>((k + bs - 1) / bs);
  return <usize>((n + 3) >> 2) * qp4GroupBytes(<usize>bs, nb);
}
