// Inputs of the conformance workload (conformance.ts), from fixed seeds. Floats are small
// integers times powers of two (exact in float32) and no transcendental function is used, so the
// inputs are the same bits in every engine. test/engines/conformance.test.ts recomputes the expected
// outputs from these inputs with the references.

/** xorshift32 from a seed: a function returning uint32 values. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** `count` integers in [lo, hi]. */
function ints(next: () => number, count: number, lo: number, hi: number): number[] {
  return Array.from({ length: count }, () => lo + (next() % (hi - lo + 1)));
}

/** `count` floats j · 2^-shift with j in [lo, hi]. */
function floats(next: () => number, count: number, lo: number, hi: number, shift: number): Float32Array {
  return Float32Array.from(ints(next, count, lo, hi), (v) => v * 2 ** -shift);
}

/** @internal */
export type ConformanceInputs = ReturnType<typeof conformanceInputs>;

/** @internal The workload's inputs; a fresh copy on every call. */
export function conformanceInputs() {
  const next = rng(0x5eed);
  const xShape = [7, 37] as const;
  const x = floats(next, 7 * 37, -40000, 40000, 14);
  x.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 300, -300, 0.125, 0.375], 0);
  const xFinite = x.map((v) => (Number.isFinite(v) ? v : 0));
  const m = 5, k = 37, n = 19;
  return {
    xShape,
    x,
    xFinite,
    q8: { scale: 0.02, zeroPoint: -3 },
    qAxis: { axis: 1, scale: Float32Array.from({ length: 37 }, (_, j) => (j + 1) * 0.01), zeroPoint: Int32Array.from({ length: 37 }, (_, j) => (j * 7) % 256) },
    q4: { scale: 0.25, zeroPoint: 1 },
    i8: Int8Array.from(ints(next, 7 * 37, -128, 127)),
    accShape: xShape,
    acc: Int32Array.from(ints(next, 7 * 37, -(2 ** 20), 2 ** 20)),
    accQuant: { axis: 1, scale: Float32Array.from({ length: 37 }, (_, j) => (j + 3) * 2 ** -12) },
    requantOut: { scale: 0.37, zeroPoint: 5 },
    requantOutU8: { scale: 0.5, zeroPoint: 100 },
    gemm: {
      m, k, n,
      a: Uint8Array.from(ints(next, m * k, 0, 255)),
      za: 131,
      aScale: 0.1,
      b: Int8Array.from(ints(next, k * n, -128, 127)),
      bQuant: { axis: 1, scale: Float32Array.from({ length: n }, (_, j) => (j + 1) * 0.004), zeroPoint: new Int32Array(n) },
      bias: Int32Array.from(ints(next, n, -5000, 5000)),
      floatBias: floats(next, n, -512, 512, 8),
    },
    gemmX: floats(next, m * k, -4096, 4096, 10),
    gemmOut: { scale: 1.5, zeroPoint: -2 },
    gemv: { k: 64, n: 40, a: Int8Array.from(ints(next, 64, -128, 127)), za: -7, b: Uint8Array.from(ints(next, 64 * 40, 0, 255)), zb: 120 },
    dw3: {
      h: 6, w: 5, c: 19,
      x: Uint8Array.from(ints(next, 6 * 5 * 19, 0, 255)),
      zx: 128,
      xScale: 0.1,
      w8: Int8Array.from(ints(next, 9 * 19, -127, 127)),
      wScales: Float32Array.from({ length: 19 }, (_, j) => (j + 2) * 0.003),
      bias: Int32Array.from(ints(next, 19, -2000, 2000)),
      yScale: 0.5,
      xf: floats(next, 6 * 5 * 19, -1024, 1024, 9),
      wf: floats(next, 9 * 19, -256, 256, 8),
      fbias: floats(next, 19, -64, 64, 6),
    },
    dw5: {
      h: 9, w: 8, c: 21,
      x: Int8Array.from(ints(next, 9 * 8 * 21, -128, 127)),
      zx: -5,
      w8: Int8Array.from(ints(next, 25 * 42, -128, 127)),
      bias: Int32Array.from(ints(next, 42, -3000, 3000)),
    },
    int4: { m: 2, k: 96, n: 10, x: floats(next, 2 * 96, -2048, 2048, 10), w: floats(next, 96 * 10, -1024, 1024, 11) },
    sparse: { m: 9, k: 64, n: 24, a: Int8Array.from(ints(next, 9 * 64, -128, 127)), za: 3, b: Int8Array.from(ints(next, 64 * 24, -127, 127)), bias: Int32Array.from(ints(next, 24, -500, 500)) },
  };
}
