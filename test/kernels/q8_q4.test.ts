// q8_q4 (pack) and q4_q8 (unpack): nibble packing, every registry row in every build, exact.
import fc from "fast-check";
import { expect, it } from "vitest";
import { KERNELS } from "../../src/index.js";
import { buildHas } from "../../src/registry.js";
import { length } from "../support/arbitraries.js";
import { describeBuilds, withRaw } from "../support/helpers.js";

describeBuilds("nibble kernels", (get, isa) => {
  for (const k of KERNELS.filter((k) => k.family === "q8_q4" && buildHas(isa, k))) {
    it(`${k.name} keeps low nibbles, element 2i low, zero high nibble for odd counts`, () => {
      fc.assert(
        fc.property(length, fc.integer(), (n, seed) => {
          const values = Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + 1, seed | 1) >>> 13) & 255);
          const qk = get();
          withRaw(qk, (s) => {
            const src = s.input(values);
            const dst = s.output((n + 1) >> 1);
            qk.raw.kernel(k.name)(src, dst, n);
            const got = s.read(dst, (n + 1) >> 1);
            const want = Array.from({ length: (n + 1) >> 1 }, (_, i) => (values[2 * i]! & 15) | ((2 * i + 1 < n ? values[2 * i + 1]! & 15 : 0) << 4));
            expect(Array.from(got)).toEqual(want);
          });
        }),
        { numRuns: 150 },
      );
    });
  }
  for (const k of KERNELS.filter((k) => k.family === "q4_q8" && buildHas(isa, k))) {
    it(`${k.name} unpacks signed and unsigned nibbles`, () => {
      fc.assert(
        fc.property(length, fc.boolean(), fc.integer(), (n, unsigned, seed) => {
          const packed = Uint8Array.from({ length: (n + 1) >> 1 }, (_, i) => (Math.imul(i + 7, seed | 1) >>> 11) & 255);
          const qk = get();
          withRaw(qk, (s) => {
            const src = s.input(packed);
            const dst = s.output(n);
            qk.raw.kernel(k.name)(src, dst, n, unsigned ? 1 : 0);
            const got = s.read(dst, n);
            const want = Array.from({ length: n }, (_, i) => {
              const nib = i & 1 ? packed[i >> 1]! >> 4 : packed[i >> 1]! & 15;
              return (unsigned ? nib : ((nib ^ 8) - 8)) & 255;
            });
            expect(Array.from(got)).toEqual(want);
          });
        }),
        { numRuns: 150 },
      );
    });
  }
});
