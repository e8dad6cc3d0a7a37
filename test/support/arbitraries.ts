// fast-check generators biased to the edges: lengths around 16-byte multiples, zero-size, ties at
// .5, saturation, zero points at the extremes, tiny and huge scales.
import fc from "fast-check";
import type { QuantDType } from "../../src/index.js";

const RANGES: Record<QuantDType, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int4: [-8, 7],
  uint4: [0, 15],
};

/** Element counts: 0, around multiples of 16/32/64, and a few larger ones. */
export const length = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 127, 128, 129),
  fc.integer({ min: 41, max: 400 }),
);

/** Scales: powers of two (exact ties), and float32 values spanning 1e-6..1e2. */
export const scale = fc.oneof(
  fc.integer({ min: -20, max: 6 }).map((e) => 2 ** e),
  fc.float({ min: Math.fround(1e-6), max: Math.fround(100), noNaN: true, noDefaultInfinity: true }),
);

/** A zero point for a dtype, with the extremes over-represented. */
export function zeroPoint(dtype: QuantDType): fc.Arbitrary<number> {
  const [lo, hi] = RANGES[dtype];
  return fc.oneof(fc.constantFrom(lo, hi, 0, lo + 1, hi - 1), fc.integer({ min: lo, max: hi }));
}

export function dtypeRange(dtype: QuantDType): [number, number] {
  return RANGES[dtype];
}

/**
 * Float inputs for quantizing with `s`: exact ties k + 0.5 (in units of s), values far outside the
 * range (saturation), NaN, ±Infinity, ±0, and plain random floats.
 */
export function quantInput(s: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -300, max: 300 }).map((k) => Math.fround((k + 0.5) * s)) },
    { weight: 3, arbitrary: fc.float({ min: Math.fround(-300 * s), max: Math.fround(300 * s), noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 3e38, -3e38) },
    { weight: 1, arbitrary: fc.float({ noNaN: false }) },
  );
}

/** int32 accumulators with the extremes over-represented. */
export const accumulator = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.integer({ min: -100000, max: 100000 }),
  fc.constantFrom(-2147483648, 2147483647, 0, -1, 1, 65535, -65536),
);

export const quantDType = fc.constantFrom<QuantDType>("int8", "uint8", "int4", "uint4");
