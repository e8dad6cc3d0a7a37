// Shared test plumbing: which builds this run tests, instances per build, raw kernel calls with
// sentinel bytes around outputs, a guard after a tensor's data, the catalogue's error assertion and
// the seeded generator of test data.
import { beforeAll, describe, expect } from "vitest";
import { QkernError, createQkern, detect, type Isa, type Qkern, type Tensor } from "../../src/index.js";

const ALL: readonly Isa[] = ["scalar", "simd128", "relaxed"];
const wanted = (process.env["QKERN_TEST_ISAS"] ?? ALL.join(",")).split(",") as Isa[];
/** The relaxed-SIMD run (test/vitest.relaxed.config.ts), which requires the relaxed build. */
export const relaxedRun = process.env["QKERN_REQUIRE_RELAXED"] === "1";
/** QKERN_TEST_GUARD=1 runs every instance of the helpers in guard mode (createQkern({ guard: true })). */
const guard = process.env["QKERN_TEST_GUARD"] === "1";

/** A build, whether this run tests it, and why not. */
export interface BuildCase {
  readonly isa: Isa;
  readonly skip: boolean;
  readonly title: string;
}

/** The three builds with this run's decision for each. A missing relaxed build in the relaxed run fails. */
export function buildCases(): BuildCase[] {
  const features = detect();
  return ALL.map((isa) => {
    if (!wanted.includes(isa)) {
      const where = isa === "relaxed" ? "test/vitest.relaxed.config.ts" : "test/vitest.config.ts";
      return { isa, skip: true, title: `${isa} build (skipped here: tested by ${where})` };
    }
    if (isa === "relaxed" && !features.relaxedSimd && !relaxedRun) {
      return { isa, skip: true, title: `relaxed build (skipped: ${features.relaxedSimdReason})` };
    }
    return { isa, skip: false, title: `${isa} build` };
  });
}

/**
 * describe() once per build; `get()` returns that build's instance inside tests. Skipped builds
 * say why in their title.
 */
export function describeBuilds(name: string, body: (get: () => Qkern, isa: Isa) => void): void {
  for (const c of buildCases()) {
    describe.skipIf(c.skip)(`${name} · ${c.title}`, () => {
      let qk: Qkern | undefined;
      beforeAll(async () => {
        qk = await createQkern({ isa: c.isa, guard });
      });
      body(() => {
        if (!qk) throw new Error("instance not created");
        return qk;
      }, c.isa);
    });
  }
}

/**
 * describe() for what runs once, in the default run (engines, package, CLI); the relaxed run
 * skips it and says so in the title.
 */
export function describeInDefaultRun(name: string, body: () => void): void {
  describe.skipIf(relaxedRun)(`${name}${relaxedRun ? " (skipped in the relaxed run: test/vitest.config.ts runs it)" : ""}`, body);
}

/** Instances of every build available in this process (for cross-build comparisons). */
export async function allAvailableBuilds(): Promise<Qkern[]> {
  const f = detect();
  const isas: Isa[] = ["scalar"];
  if (f.simd128) isas.push("simd128");
  if (f.relaxedSimd) isas.push("relaxed");
  return Promise.all(isas.map((isa) => createQkern({ isa, guard })));
}

const SENTINEL = 0xa5;

/** Raw buffers for kernel tests: inputs copied in, outputs guarded by 16 sentinel bytes each side. */
export class RawScope {
  private readonly ptrs: number[] = [];
  constructor(readonly qk: Qkern) {}

  input(bytes: Uint8Array): number {
    const p = this.qk.raw.alloc(bytes.length);
    this.ptrs.push(p);
    new Uint8Array(this.qk.raw.memory.buffer).set(bytes, p);
    return p;
  }

  f32(values: ArrayLike<number>): number {
    return this.input(new Uint8Array(Float32Array.from(values).buffer));
  }

  i32(values: ArrayLike<number>): number {
    return this.input(new Uint8Array(Int32Array.from(values).buffer));
  }

  /** An output region of `bytes` bytes with sentinels before and after; returns its pointer. */
  output(bytes: number): number {
    const p = this.qk.raw.alloc(bytes + 32);
    this.ptrs.push(p);
    new Uint8Array(this.qk.raw.memory.buffer).fill(SENTINEL, p, p + bytes + 32);
    return p + 16;
  }

  /** The output bytes, after checking the sentinels are intact. */
  read(ptr: number, bytes: number): Uint8Array {
    const mem = new Uint8Array(this.qk.raw.memory.buffer);
    const before = mem.subarray(ptr - 16, ptr);
    const after = mem.subarray(ptr + bytes, ptr + bytes + 16);
    expect(before.every((b) => b === SENTINEL), "bytes before the output were overwritten").toBe(true);
    expect(after.every((b) => b === SENTINEL), "bytes after the output were overwritten").toBe(true);
    return mem.slice(ptr, ptr + bytes);
  }

  free(): void {
    for (const p of this.ptrs) this.qk.raw.free(p);
    this.ptrs.length = 0;
  }
}

/** Runs `fn` with a RawScope that is freed afterwards. */
export function withRaw<T>(qk: Qkern, fn: (s: RawScope) => T): T {
  const s = new RawScope(qk);
  try {
    return fn(s);
  } finally {
    s.free();
  }
}

/** Fills the 16 slack bytes after a tensor's data with a sentinel; the returned check says they are intact. */
export function guardAfter(t: Tensor): () => boolean {
  const mem = (): Uint8Array => new Uint8Array(t.qk.raw.memory.buffer, t.ptr + t.byteLength, 16);
  mem().fill(0x5a);
  return () => mem().every((b) => b === 0x5a);
}

/** xorshift32 in [0, 1): reproducible test data from a seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Runs a call that must be refused: it throws a QkernError naming `op` and `argument` whose message
 * matches `message` (the error catalogue's contract, README "Errors").
 */
export function expectError(fn: () => unknown, op: string, argument: string, message: RegExp): void {
  let threw = false;
  let err: unknown;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  if (!threw) expect.fail(`expected ${op}: ${argument} to throw`);
  expect(err, `${op}: ${argument} should throw a QkernError`).toBeInstanceOf(QkernError);
  expect([(err as QkernError).op, (err as QkernError).argument]).toEqual([op, argument]);
  expect((err as QkernError).message).toMatch(message);
}
