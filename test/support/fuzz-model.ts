// The model of the API fuzzer (test/ops/fuzz.test.ts, `npm run fuzz`): what every live tensor's bytes
// and every instance's memoryStats() must be after each command, and the checks that compare the
// real instances against it. Commands (test/support/fuzz-commands*.ts) update the model from the
// references (`qkern/reference`), never from what qkern returned.
import { expect } from "vitest";
import { QkernError, type DType, type Isa, type Qkern, type Tensor } from "../../src/index.js";

/** One qkern instance of the run and its memoryStats() at creation. */
export interface Inst {
  readonly id: number;
  readonly qk: Qkern;
  readonly base: { readonly bytes: number; readonly allocs: number };
}

/** A live tensor and the bytes it must hold. */
export interface TRec {
  readonly inst: Inst;
  readonly t: Tensor;
  expect: Uint8Array;
}

/** Anything packed: its own allocations, and the per-call blocks ops may cache on it (bounded). */
export interface PRec<R = unknown> {
  readonly inst: Inst;
  readonly kind: "gemm" | "depthwise" | "int4";
  readonly handle: { dispose(): void; readonly disposed: boolean };
  readonly bytes: number;
  readonly allocs: number;
  /** Cached per-call blocks, attributed from the memoryStats() change of the ops that used it. */
  cacheBytes: number;
  cacheAllocs: number;
  readonly cacheLimit: { readonly bytes: number; readonly allocs: number };
  /** What the references need (weights, zero points, scales, bias). */
  readonly ref: R;
}

/** Figures of a run, for the README "Guarantees" section. */
export const totals = {
  sequences: 0, commands: 0, validCalls: 0, invalidCalls: 0, bytesChecked: 0, memoryChecks: 0, leaks: 0,
  guardedKernelCalls: 0, guardBytesCompared: 0, byCommand: {} as Record<string, number>,
};

/** The world: instances, live tensors and packed weights, disposed ones (for use-after-dispose). */
export class World {
  readonly insts: Inst[] = [];
  tensors: TRec[] = [];
  packed: PRec[] = [];
  readonly disposed: Tensor[] = [];
  /** Human-readable log of what each command did (printed with a failing sequence). */
  readonly log: string[] = [];
  constructor(readonly isas: readonly Isa[], readonly guard: boolean) {}

  inst(sel: number): Inst | undefined {
    return this.insts.length === 0 ? undefined : this.insts[sel % this.insts.length];
  }

  /** The sel-th live tensor of `inst` satisfying `ok` (cyclically), if any. */
  pick(inst: Inst, sel: number, ok: (t: Tensor) => boolean): TRec | undefined {
    const c = this.tensors.filter((r) => r.inst === inst && ok(r.t));
    return c.length === 0 ? undefined : c[sel % c.length];
  }

  pickPacked<R>(inst: Inst, kind: PRec["kind"], sel: number): PRec<R> | undefined {
    const c = this.packed.filter((p) => p.inst === inst && p.kind === kind);
    return c.length === 0 ? undefined : (c[sel % c.length] as PRec<R>);
  }

  /** Registers a tensor qkern created, with the bytes it must hold. */
  add(inst: Inst, t: Tensor, bytes: Uint8Array): TRec {
    expect(bytes.length, `${t}: model byte length`).toBe(t.byteLength);
    const r = { inst, t, expect: bytes };
    this.tensors.push(r);
    return r;
  }

  /** Registers a tensor whose contents are unspecified (`empty`): it must keep what it has now. */
  addSnapshot(inst: Inst, t: Tensor): TRec {
    return this.add(inst, t, realBytes(t));
  }

  disposeTensor(r: TRec): void {
    r.t.dispose();
    this.tensors = this.tensors.filter((x) => x !== r);
    this.disposed.push(r.t);
  }

  disposePacked(p: PRec): void {
    p.handle.dispose();
    this.packed = this.packed.filter((x) => x !== p);
  }

  /** Expected memoryStats() of an instance. */
  expectedStats(inst: Inst): { bytes: number; allocs: number } {
    let bytes = inst.base.bytes;
    let allocs = inst.base.allocs;
    for (const r of this.tensors) if (r.inst === inst) [bytes, allocs] = [bytes + r.t.byteLength, allocs + 1];
    for (const p of this.packed) if (p.inst === inst) [bytes, allocs] = [bytes + p.bytes + p.cacheBytes, allocs + p.allocs + p.cacheAllocs];
    return { bytes, allocs };
  }

  /** The invariants after every command: every live tensor holds its model bytes; memory matches. */
  check(): void {
    for (const r of this.tensors) {
      const real = realBytes(r.t);
      if (!bytesEqual(real, r.expect)) {
        const i = real.findIndex((b, j) => b !== r.expect[j]);
        expect.fail(`${r.t} of instance ${r.inst.id}: byte ${i} is ${real[i]}, the model says ${r.expect[i]} (log: ${this.log.join(" | ")})`);
      }
      totals.bytesChecked += real.length;
    }
    for (const inst of this.insts) {
      const s = inst.qk.memoryStats();
      const want = this.expectedStats(inst);
      totals.memoryChecks++;
      if (s.bytesInUse !== want.bytes || s.allocations !== want.allocs) {
        totals.leaks++;
        expect.fail(`instance ${inst.id} (${inst.qk.isa}): memoryStats ${s.bytesInUse} bytes in ${s.allocations} allocations, ` +
          `the model says ${want.bytes} in ${want.allocs} (log: ${this.log.join(" | ")})`);
      }
    }
  }

  /** Disposes everything and checks each instance is back to its starting memoryStats(). */
  teardown(): void {
    for (const r of [...this.tensors]) this.disposeTensor(r);
    for (const p of [...this.packed]) this.disposePacked(p);
    for (const inst of this.insts) {
      const guards = inst.qk.rt.guards;
      if (guards) [totals.guardedKernelCalls, totals.guardBytesCompared] = [totals.guardedKernelCalls + guards.calls, totals.guardBytesCompared + guards.bytesCompared];
      const s = inst.qk.memoryStats();
      if (s.bytesInUse !== inst.base.bytes || s.allocations !== inst.base.allocs) totals.leaks++;
      expect([s.bytesInUse, s.allocations], `instance ${inst.id} after disposing everything`).toEqual([inst.base.bytes, inst.base.allocs]);
    }
  }
}

/** A copy of a tensor's storage bytes. */
export function realBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.qk.raw.memory.buffer, t.ptr, t.byteLength).slice();
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Storage bytes of values in a dtype (int4/uint4 packed low nibble first, a trailing high nibble 0). */
export function encode(dtype: DType, values: ArrayLike<number>): Uint8Array {
  switch (dtype) {
    case "float32": return new Uint8Array(Float32Array.from(values).buffer);
    case "int32": return new Uint8Array(Int32Array.from(values).buffer);
    case "int8": return new Uint8Array(Int8Array.from(values).buffer);
    case "uint8": return Uint8Array.from(values);
    default: {
      const out = new Uint8Array(Math.ceil(values.length / 2));
      for (let i = 0; i < values.length; i++) out[i >> 1]! |= ((values[i] as number) & 15) << (i & 1 ? 4 : 0);
      return out;
    }
  }
}

/** Values of storage bytes (the inverse of encode). */
export function decode(dtype: DType, bytes: Uint8Array, size: number): number[] | Float32Array {
  const buf = bytes.slice().buffer;
  switch (dtype) {
    case "float32": return new Float32Array(buf);
    case "int32": return Array.from(new Int32Array(buf));
    case "int8": return Array.from(new Int8Array(buf));
    case "uint8": return Array.from(bytes);
    default: return Array.from({ length: size }, (_, i) => {
      const nib = ((bytes[i >> 1] as number) >> (i & 1 ? 4 : 0)) & 15;
      return dtype === "int4" ? (nib ^ 8) - 8 : nib;
    });
  }
}

/** The model's values of a live tensor. */
export function valuesOf(r: TRec): number[] | Float32Array {
  return decode(r.t.dtype, r.expect, r.t.size);
}

/**
 * Runs a call that must be refused: a QkernError naming `op` and `argument` (and, when given, the
 * shape text `shape`), with nothing changed: every tensor's bytes and every instance's memory.
 */
export function expectRefused(w: World, what: string, fn: () => unknown, op: string, argument: string | RegExp, shape?: string): void {
  const before = w.insts.map((i) => i.qk.memoryStats());
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof QkernError)) expect.fail(`${what}: expected a QkernError (${op}: ${String(argument)}), got ${err === undefined ? "no error" : String(err)}`);
  expect(err.op, `${what}: ${err.message}`).toBe(op);
  if (typeof argument === "string") expect(err.argument, `${what}: ${err.message}`).toBe(argument);
  else expect(err.argument, `${what}: ${err.message}`).toMatch(argument);
  expect(err.message.startsWith(`${err.op}: ${err.argument}: `), err.message).toBe(true);
  if (shape !== undefined) expect(err.message, what).toContain(shape);
  w.insts.forEach((inst, i) => {
    const s = inst.qk.memoryStats();
    expect([s.bytesInUse, s.allocations], `${what}: memory of instance ${inst.id} changed by a refused call`).toEqual([before[i]!.bytesInUse, before[i]!.allocations]);
  });
  totals.invalidCalls++;
}

/**
 * Runs a valid call that may cache per-call blocks on packed weights `p`: the memoryStats() change
 * beyond the new tensors `fresh()` returns is attributed to `p`'s cache, which must stay bounded.
 */
export function withCacheAccounting<T>(inst: Inst, p: PRec | undefined, fn: () => T, fresh: (result: T) => readonly Tensor[]): T {
  const before = inst.qk.memoryStats();
  const result = fn();
  const after = inst.qk.memoryStats();
  let bytes = after.bytesInUse - before.bytesInUse;
  let allocs = after.allocations - before.allocations;
  for (const t of fresh(result)) [bytes, allocs] = [bytes - t.byteLength, allocs - 1];
  if (p === undefined) {
    expect([bytes, allocs], "memory change beyond the new outputs (no packed weights involved)").toEqual([0, 0]);
  } else {
    p.cacheBytes += bytes;
    p.cacheAllocs += allocs;
    expect(p.cacheAllocs, `${p.kind} weights: cached blocks`).toBeGreaterThanOrEqual(0);
    expect(p.cacheAllocs, `${p.kind} weights: cached blocks (limit ${p.cacheLimit.allocs})`).toBeLessThanOrEqual(p.cacheLimit.allocs);
    expect(p.cacheBytes, `${p.kind} weights: cached bytes (limit ${p.cacheLimit.bytes})`).toBeLessThanOrEqual(p.cacheLimit.bytes);
  }
  totals.validCalls++;
  return result;
}
