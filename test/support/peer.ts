// Plumbing of the peer conformance tests (test/peers/): the builds they compare and how titles name
// them, the relaxed run's requirement, the ONNX QLinear formula in exact arithmetic, and the tally
// of ONNX Runtime's own distance to that formula (logged, not asserted).
import { expect } from "vitest";
import { detect, type Qkern } from "../../src/index.js";
import { allAvailableBuilds, relaxedRun } from "./helpers.js";

/** The builds a peer test compares. */
export interface PeerBuilds {
  /** Every build this process can run. */
  readonly builds: Qkern[];
  /** Their names, e.g. "scalar, simd128". */
  readonly isaList: string;
  /** The names plus why relaxed is missing, if it is (for test titles). */
  readonly buildList: string;
}

/** Instances of every build this process can run, and their names for titles and logs. */
export async function peerBuilds(): Promise<PeerBuilds> {
  const builds = await allAvailableBuilds();
  const features = detect();
  const isaList = builds.map((b) => b.isa).join(", ");
  return { builds, isaList, buildList: isaList + (features.relaxedSimd ? "" : ` (relaxed unavailable: ${features.relaxedSimdReason})`) };
}

/** The relaxed run (test/vitest.relaxed.config.ts) must compare the relaxed build too. */
export function expectRelaxedCompared(builds: readonly Qkern[]): void {
  if (relaxedRun) expect(builds.map((b) => b.isa), "relaxed build required in this run").toContain("relaxed");
}

/** The ONNX formula in exact (f64) arithmetic: saturate(roundHalfEven(real) + zeroPoint) to [lo, hi]. */
export function exactQLinear(real: number, zeroPoint: number, [lo, hi]: readonly [number, number]): number {
  let q = Math.round(real);
  if (q - real === 0.5 && q % 2 !== 0) q -= 1;
  return Math.min(hi, Math.max(lo, q + zeroPoint));
}

/** ORT outputs that differ from the exact-arithmetic ONNX formula, for the log. */
export class SpecDiffs {
  outputs = 0;
  differ = 0;
  maxLsb = 0;
  example = "";

  /** Counts one output: the formula's value and ORT's; `example` describes the first difference. */
  note(spec: number, ort: number, example: () => string): void {
    this.outputs++;
    if (spec === ort) return;
    this.differ++;
    this.maxLsb = Math.max(this.maxLsb, Math.abs(spec - ort));
    this.example ||= example();
  }

  /** Logs the tally for `op` (nothing if no output was counted). */
  log(op: string): void {
    if (this.outputs === 0) return;
    console.log(`${op}: ORT differs from the exact-arithmetic ONNX formula in ${this.differ} of ${this.outputs} outputs ` +
      `(at most ${this.maxLsb} LSB; f32 multiplier and f32(acc)).${this.example ? ` First: ${this.example}` : ""}`);
  }
}
