// Feature detection: what this engine can run. The only probing code (docs/design.md explains the probes).

/** What the current engine supports, as found by `detect()`. */
export interface Detection {
  /** `WebAssembly` exists at all. */
  readonly webassembly: boolean;
  /** Fixed-width SIMD (simd128) validates. */
  readonly simd128: boolean;
  /** Relaxed SIMD validates and computes a known relaxed dot product correctly. */
  readonly relaxedSimd: boolean;
  /** Why relaxed SIMD is unusable, when it is (e.g. Node 20's Liftoff miscomputing it). */
  readonly relaxedSimdReason?: string;
}

// (module (func (result v128) (i32x4.splat (i32.const 0))))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b,
]);

// (func (export "probe") (param $a i32) (param $b i32) (result i32)
//   (i32x4.extract_lane 0 (i32x4.relaxed_dot_i8x16_i7x16_add_s
//     (i8x16.splat $a) (i8x16.splat $b) (i32x4.splat (i32.const 7)))))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
  0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x00, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0x20, 0x00, 0xfd, 0x0f, 0x20, 0x01, 0xfd, 0x0f, 0x41, 0x07, 0xfd,
  0x11, 0xfd, 0x93, 0x02, 0xfd, 0x1b, 0x00, 0x0b,
]);

// Operands whose second factor stays in 0..127, the range where relaxed dot is deterministic.
const RELAXED_CASES: ReadonlyArray<readonly [number, number]> = [[3, 5], [-128, 127], [-3, 100], [127, 1]];

let cached: Detection | undefined;

/**
 * Reports which wasm builds this engine can run. Relaxed SIMD is accepted only if a tiny relaxed
 * dot product returns the right answer when run here: Node 20 with
 * `--experimental-wasm-relaxed-simd` but without `--no-liftoff` computes it wrongly.
 *
 * @example
 * ```ts
 * import { detect } from 'qkern';
 * console.log(detect()); // { webassembly: true, simd128: true, relaxedSimd: false, ... }
 * ```
 */
export function detect(): Detection {
  if (cached) return cached;
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") {
    cached = { webassembly: false, simd128: false, relaxedSimd: false, relaxedSimdReason: "no WebAssembly" };
    return cached;
  }
  const simd128 = WebAssembly.validate(SIMD_PROBE);
  let relaxedSimd = false;
  let relaxedSimdReason: string | undefined;
  if (!simd128) {
    relaxedSimdReason = "no SIMD";
  } else if (!WebAssembly.validate(RELAXED_PROBE)) {
    relaxedSimdReason = "relaxed SIMD instructions do not validate in this engine";
  } else {
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(RELAXED_PROBE), {});
      const probe = instance.exports["probe"] as (a: number, b: number) => number;
      const wrong = RELAXED_CASES.find(([a, b]) => probe(a, b) !== 4 * a * b + 7);
      if (wrong) {
        const [a, b] = wrong;
        relaxedSimdReason =
          `relaxed dot product computes ${probe(a, b)} instead of ${4 * a * b + 7} here ` +
          "(Node 20 needs --no-liftoff next to --experimental-wasm-relaxed-simd)";
      } else {
        relaxedSimd = true;
      }
    } catch (e) {
      relaxedSimdReason = `relaxed SIMD probe failed: ${(e as Error).message}`;
    }
  }
  cached = relaxedSimdReason === undefined
    ? { webassembly: true, simd128, relaxedSimd }
    : { webassembly: true, simd128, relaxedSimd, relaxedSimdReason };
  return cached;
}
