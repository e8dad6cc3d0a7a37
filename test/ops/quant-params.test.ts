// Choosing quantization parameters and TFLite's QuantizeMultiplier (pure TypeScript).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QkernError, chooseQuantParams, outputMultipliers, quantizeMultiplier, roundHalfEven } from "../../src/index.js";
import { quantizeMultiplierRef, roundHalfEven as refRound } from "../../src/reference/index.js";

describe("roundHalfEven", () => {
  it("rounds ties to even and everything else to nearest", () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, 1.2, -1.7].map(roundHalfEven)).toEqual([-2, -2, 0, 0, 2, 2, 0, 1, -2]);
    fc.assert(fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (v) => roundHalfEven(v) === refRound(v)));
  });
});

describe("quantizeMultiplier", () => {
  it("agrees with the exact definition (frexp, 31-bit mantissa rounded half away, TFLite saturation)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 1e-12, max: 1e12, noNaN: true }), fc.integer({ min: -45, max: 35 }).map((e) => 2 ** e)), (real) => {
        const got = quantizeMultiplier(real);
        expect(got).toEqual(quantizeMultiplierRef(real));
        if (got.multiplier !== 0 && got.shift < 30) {
          expect(got.multiplier).toBeGreaterThanOrEqual(2 ** 30);
          expect(Math.abs(got.multiplier * 2 ** (got.shift - 31) - real) / real).toBeLessThanOrEqual(2 ** -31);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("handles the documented edge cases", () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 }); // mantissa rounds up to 2^31
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 }); // below TFLite's shift floor
    expect(quantizeMultiplier(2 ** 40)).toEqual({ multiplier: 2 ** 31 - 1, shift: 30 });
    expect(() => quantizeMultiplier(-1)).toThrow(QkernError);
  });

  it("feeds the fixedpoint stage per channel", () => {
    const m = outputMultipliers("fixedpoint", 0.5, [0.002, 0.004], 0.1, 2);
    if (m.stage !== "fixedpoint") throw new Error("stage");
    expect(Array.from(m.shift)).toEqual([quantizeMultiplier(0.01).shift, quantizeMultiplier(0.02).shift]);
  });
});

describe("chooseQuantParams", () => {
  it("maps [min(min,0), max(max,0)] onto the integer range so that min and max round-trip within half a step", () => {
    fc.assert(
      fc.property(
        fc.float({ min: -1000, max: 0, noNaN: true }),
        fc.float({ min: 0, max: 1000, noNaN: true }),
        fc.constantFrom("int8" as const, "uint8" as const, "int4" as const, "uint4" as const),
        (lo, hi, dtype) => {
          if (hi - lo > 0 && hi - lo < 1e-30) {
            // Subnormal ranges: a positive scale, 1 where it would underflow to 0.
            const p = chooseQuantParams(lo, hi, { dtype });
            expect(p.scale).toBeGreaterThan(0);
            if (Math.fround(Math.fround(hi - lo) / (p.qmax - p.qmin)) === 0) expect(p.scale).toBe(1);
            return;
          }
          const p = chooseQuantParams(lo, hi, { dtype });
          expect(p.scale).toBeGreaterThan(0);
          expect(p.zeroPoint).toBeGreaterThanOrEqual(p.qmin);
          expect(p.zeroPoint).toBeLessThanOrEqual(p.qmax);
          if (hi > lo) {
            expect(Math.abs((p.qmin - p.zeroPoint) * p.scale - lo)).toBeLessThanOrEqual(p.scale * 0.5 + 1e-6 * Math.abs(lo));
            expect(Math.abs((p.qmax - p.zeroPoint) * p.scale - hi)).toBeLessThanOrEqual(p.scale * 0.5 + 1e-6 * Math.abs(hi));
          }
        },
      ),
    );
  });

  it("gives symmetric and narrow-range parameters", () => {
    expect(chooseQuantParams(-0.5, 0.25, { scheme: "symmetric" })).toEqual({ scale: Math.fround(0.5 / 127), zeroPoint: 0, qmin: -128, qmax: 127 });
    expect(chooseQuantParams(-0.5, 0.25, { scheme: "symmetric", narrowRange: true })).toMatchObject({ zeroPoint: 0, qmin: -127 });
    expect(chooseQuantParams(-1, 2, { dtype: "uint8", scheme: "symmetric" })).toEqual({ scale: Math.fround(2 / 127), zeroPoint: 128, qmin: 0, qmax: 255 });
    expect(chooseQuantParams(-1, 3, { dtype: "uint8" })).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64, qmin: 0, qmax: 255 });
    expect(chooseQuantParams(0, 0)).toEqual({ scale: 1, zeroPoint: -128, qmin: -128, qmax: 127 });
  });

  it("gives 7-bit (reduce-range) parameters whose quantized range packGemmWeights({ reduceRange }) accepts", () => {
    expect(chooseQuantParams(-0.5, 0.25, { scheme: "symmetric", reduceRange: true })).toEqual({ scale: Math.fround(0.5 / 63), zeroPoint: 0, qmin: -64, qmax: 63 });
    expect(chooseQuantParams(-0.5, 0.25, { scheme: "symmetric", reduceRange: true, narrowRange: true })).toMatchObject({ qmin: -63, qmax: 63 });
    expect(chooseQuantParams(-1, 2, { dtype: "uint8", scheme: "symmetric", reduceRange: true })).toEqual({ scale: Math.fround(2 / 63), zeroPoint: 64, qmin: 0, qmax: 127 });
    expect(chooseQuantParams(-1, 3, { reduceRange: true })).toEqual({ scale: Math.fround(4 / 127), zeroPoint: -32, qmin: -64, qmax: 63 });
    fc.assert(fc.property(fc.float({ min: -100, max: 100, noNaN: true }), fc.float({ min: -100, max: 100, noNaN: true }), fc.constantFrom("int8" as const, "uint8" as const),
      fc.constantFrom("symmetric" as const, "asymmetric" as const), (x, y, dtype, scheme) => {
        const p = chooseQuantParams(Math.min(x, y), Math.max(x, y), { dtype, scheme, reduceRange: true });
        // Quantizing the range's ends needs no saturation beyond one step (none when symmetric).
        const slack = scheme === "symmetric" ? 0 : 1;
        for (const v of [x, y, 0]) {
          const q = roundHalfEven(Math.fround(v / p.scale)) + p.zeroPoint;
          expect(q).toBeGreaterThanOrEqual(p.qmin - slack);
          expect(q).toBeLessThanOrEqual(p.qmax + slack);
        }
        expect([p.qmin, p.qmax]).toEqual(dtype === "int8" ? [-64, 63] : [0, 127]);
      }));
  });

  it("refuses bad ranges and options", () => {
    expect(() => chooseQuantParams(-1, 1, { dtype: "int4", reduceRange: true })).toThrow(/reduceRange: applies to int8\/uint8 only/);
    expect(() => chooseQuantParams(1, 0)).toThrow(/min must not exceed max/);
    expect(() => chooseQuantParams(NaN, 1)).toThrow(QkernError);
    expect(() => chooseQuantParams(-1, 1, { dtype: "uint8", narrowRange: true })).toThrow(/narrowRange/);
    expect(() => chooseQuantParams(-3e38, 3e38)).toThrow(/scale/);
  });
});
