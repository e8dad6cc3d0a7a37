// Fuzzer commands for instances and tensors: create (valid, invalid, huge), dispose, use after
// dispose, read, and forced memory growth. See test/support/fuzz-model.ts for the invariants.
import fc from "fast-check";
import { expect } from "vitest";
import { createQkern, type DType, type Tensor } from "../../src/index.js";
import { DTYPES, floats, intIn, ints, oneOf, quantFor, rand, shape } from "./fuzz-data.js";
import { World, encode, expectRefused, totals, valuesOf, type Inst } from "./fuzz-model.js";

export type Cmd = fc.AsyncCommand<World, World>;

/** Base class: every command logs what it did and checks the world's invariants afterwards. */
export abstract class Step implements Cmd {
  protected done = "";
  check(w: Readonly<World>): boolean {
    return w.insts.length > 0;
  }
  async run(w: World): Promise<void> {
    this.done = await this.apply(w);
    w.log.push(this.done);
    if (w.log.length > 12) w.log.shift();
    w.check();
    totals.commands++;
    const outcome = /refused/.test(this.done) ? " refused" : /: (no|none|nothing|needs|already)\b/.test(this.done) ? " skipped" : "";
    const key = this.constructor.name + outcome;
    totals.byCommand[key] = (totals.byCommand[key] ?? 0) + 1;
  }
  protected abstract apply(w: World): Promise<string> | string;
  toString(): string {
    const args = Object.entries(this).filter(([k]) => k !== "done").map(([, v]) => JSON.stringify(v));
    return `${this.constructor.name}(${args.join(", ")})${this.done ? ` /* ${this.done} */` : ""}`;
  }
}

let nextInst = 0;

export class CreateInstance extends Step {
  constructor(readonly isaSel: number) {
    super();
  }
  override check(w: Readonly<World>): boolean {
    return w.insts.length < 3;
  }
  protected async apply(w: World): Promise<string> {
    const isa = w.isas[this.isaSel % w.isas.length]!;
    const qk = await createQkern({ isa, guard: w.guard });
    const s = qk.memoryStats();
    w.insts.push({ id: nextInst++, qk, base: { bytes: s.bytesInUse, allocs: s.allocations } });
    return `instance ${qk.isa}`;
  }
}

/** Values for a new tensor of a dtype. */
export function valuesFor(seed: number, dtype: DType, size: number, hostile: boolean): Float32Array | number[] {
  const r = rand(seed);
  return dtype === "float32" ? floats(r, size, hostile) : ints(r, size, dtype);
}

/** Creates a tensor through `qk.tensor` and registers it with its encoded values. */
export function makeTensor(w: World, inst: Inst, dtype: DType, dims: readonly number[], values: ArrayLike<number>, quant?: Parameters<Inst["qk"]["tensor"]>[2]): Tensor {
  const t = inst.qk.tensor(values, dims, { dtype, ...quant });
  w.add(inst, t, encode(dtype, values));
  return t;
}

export class CreateTensor extends Step {
  constructor(readonly instSel: number, readonly dtype: DType, readonly seed: number, readonly how: "tensor" | "zeros" | "empty", readonly quant: "none" | "tensor" | "axis", readonly hostile: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const dims = shape(r);
    const size = dims.reduce((a, b) => a * b, 1);
    const q = this.dtype === "float32" || this.quant === "none" ? undefined : { quant: quantFor(r, this.dtype, dims, this.quant === "axis") };
    const before = inst.qk.memoryStats();
    let t: Tensor;
    if (this.how === "tensor") t = makeTensor(w, inst, this.dtype, dims, valuesFor(this.seed + 1, this.dtype, size, this.hostile), q);
    else if (this.how === "zeros") {
      t = inst.qk.zeros(this.dtype, dims, q);
      w.add(inst, t, new Uint8Array(t.byteLength));
    } else w.addSnapshot(inst, (t = inst.qk.empty(this.dtype, dims, q)));
    expect(t.shape).toEqual(dims);
    expect(t.size).toBe(size);
    expect(t.ptr % 16, "16-byte alignment").toBe(0);
    const after = inst.qk.memoryStats();
    expect([after.bytesInUse - before.bytesInUse, after.allocations - before.allocations]).toEqual([t.byteLength, 1]);
    totals.validCalls++;
    return `${this.how} ${t}`;
  }
}

export class DisposeTensor extends Step {
  constructor(readonly sel: number, readonly twice: boolean) {
    super();
  }
  protected apply(w: World): string {
    if (w.tensors.length === 0) return "dispose: nothing live";
    const r = w.tensors[this.sel % w.tensors.length]!;
    w.disposeTensor(r);
    if (this.twice) r.t.dispose();
    expect(r.t.disposed).toBe(true);
    return `dispose ${r.t}`;
  }
}

/** Reads (data, toArray) and uses as op input of a disposed tensor: each a QkernError. */
export class UseDisposed extends Step {
  constructor(readonly sel: number, readonly how: number) {
    super();
  }
  protected apply(w: World): string {
    if (w.disposed.length === 0) return "use disposed: none";
    const t = w.disposed[this.sel % w.disposed.length]!;
    const desc = `${t}`;
    const uses: Array<[string, () => unknown, string, string]> = [
      ["data", () => t.data, "data", "tensor"],
      ["toArray", () => t.toArray(), "toArray", "tensor"],
      ["ptr", () => t.ptr, "ptr", "tensor"],
    ];
    const [name, fn, op, arg] = uses[this.how % uses.length]!;
    expectRefused(w, `${name} of disposed ${desc}`, fn, op, arg, desc);
    return `${name} of disposed ${desc} refused`;
  }
}

export class ReadTensor extends Step {
  constructor(readonly sel: number) {
    super();
  }
  protected apply(w: World): string {
    if (w.tensors.length === 0) return "read: nothing live";
    const r = w.tensors[this.sel % w.tensors.length]!;
    const want = valuesOf(r);
    const got = r.t.toArray();
    if (r.t.dtype === "float32") expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength)).toEqual(new Uint8Array((want as Float32Array).buffer));
    else expect(Array.from(got)).toEqual(Array.from(want));
    expect(r.t.data.byteLength).toBe(r.t.byteLength);
    totals.bytesChecked += r.t.byteLength;
    return `read ${r.t}`;
  }
}

/** Forces memory growth: a large empty tensor (no bytes touched) past the reserved size, then freed. */
export class GrowMemory extends Step {
  constructor(readonly instSel: number, readonly extraPages: number) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const reserved = inst.qk.memoryStats().bytesReserved;
    if (reserved > 48 << 20) return `grow: instance ${inst.id} already ${reserved >> 20} MiB`;
    const views = w.tensors.filter((r) => r.inst === inst && r.t.byteLength > 0).map((r) => r.t.data);
    const big = inst.qk.empty("uint8", [reserved + this.extraPages * 65536]);
    expect(inst.qk.memoryStats().bytesReserved).toBeGreaterThan(reserved);
    for (const v of views) expect(v.byteLength, "views taken before growth detach").toBe(0);
    big.dispose();
    return `grew instance ${inst.id} past ${reserved >> 10} KiB`;
  }
}

/** Declared sizes too large for wasm32 memory or int32 element counts: refused before allocating. */
export class HugeTensor extends Step {
  constructor(readonly instSel: number, readonly which: number) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const cases: Array<[DType, number[], string]> = [
      ["float32", [2 ** 29], "size"], ["int32", [2 ** 28, 3], "size"], ["uint8", [2 ** 31 - 1], "size"],
      ["int8", [2 ** 31], "shape"], ["float32", [2 ** 16, 2 ** 16, 2], "shape"], ["int4", [2 ** 30, 2 ** 30, 2 ** 30], "shape"],
      ["float32", [2 ** 53, 2], "shape"], ["uint4", [2 ** 31 - 1, 2], "shape"], ["int8", [1e300], "shape"],
    ];
    const [dtype, dims, arg] = cases[this.which % cases.length]!;
    const how = oneOf(rand(this.which), ["empty", "zeros"] as const);
    const reserved = inst.qk.memoryStats().bytesReserved;
    expectRefused(w, `${how}(${dtype}, [${dims}])`, () => inst.qk[how](dtype, dims), how, arg, arg === "size" ? `${dtype}[${dims.join(",")}]` : undefined);
    expect(inst.qk.memoryStats().bytesReserved, "a refused huge tensor must not grow memory").toBe(reserved);
    return `${how} ${dtype}[${dims}] refused`;
  }
}

/** Invalid tensor creation: each a QkernError naming `tensor`/`empty`/`zeros` and the argument. */
export class BadTensor extends Step {
  constructor(readonly instSel: number, readonly which: number, readonly seed: number) {
    super();
  }
  protected apply(w: World): string {
    const { qk } = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const dtype = oneOf(r, DTYPES.filter((d) => d !== "float32")) as Exclude<DType, "float32">;
    const dims = [intIn(r, 1, 4), intIn(r, 1, 4)];
    const n = dims[0]! * dims[1]!;
    const good = ints(r, n, dtype);
    const text = `${dtype}[${dims.join(",")}]`;
    const cases: Array<[string, () => unknown, string, string, string?]> = [
      ["values length", () => qk.tensor(good.concat([0]), dims, { dtype }), "tensor", "values", text],
      ["negative dim", () => qk.empty(dtype, [dims[0]!, -dims[1]!]), "empty", "shape"],
      ["fractional dim", () => qk.zeros(dtype, [dims[0]! + 0.5]), "zeros", "shape"],
      ["shape not an array", () => qk.empty(dtype, 7 as unknown as number[]), "empty", "shape"],
      ["unknown dtype", () => qk.empty("int16" as DType, dims), "empty", "dtype"],
      ["value out of range", () => qk.tensor(good.map((v, i) => (i === n - 1 ? 2 ** 40 : v)), dims, { dtype }), "tensor", "values"],
      ["non-integer value", () => qk.tensor(good.map((v, i) => (i === 0 ? 0.5 : v)), dims, { dtype }), "tensor", "values"],
      ["bad scale", () => qk.tensor(good, dims, { dtype, quant: { scale: oneOf(r, [0, -1, NaN, Infinity, 1e-50]) } }), "tensor", "options.quant.scale", text],
      ["zero point out of range", () => qk.zeros(dtype, dims, { quant: { scale: 1, zeroPoint: dtype === "int32" ? 1 : 300 } }), "zeros", "options.quant.zeroPoint", text],
      ["axis out of range", () => qk.zeros(dtype, dims, { quant: { axis: 2, scale: [1] } }), "zeros", "options.quant.axis", text],
      ["per-axis arity", () => qk.zeros(dtype, dims, { quant: { axis: 1, scale: new Array(dims[1]! + 1).fill(1) } }), "zeros", "options.quant.scale", text],
      ["quant on float32", () => qk.tensor(new Float32Array(n), dims, { quant: { scale: 1 } }), "tensor", "options.quant", `float32[${dims.join(",")}]`],
    ];
    const [name, fn, op, arg, shapeText] = cases[this.which % cases.length]!;
    expectRefused(w, name, fn, op, arg, shapeText);
    return `bad tensor (${name}) refused`;
  }
}

export const tensorCommands: Array<fc.Arbitrary<Cmd>> = [
  fc.nat().map((s) => new CreateInstance(s)),
  fc.tuple(fc.nat(), fc.constantFrom(...DTYPES), fc.integer(), fc.constantFrom("tensor" as const, "tensor" as const, "zeros" as const, "empty" as const),
    fc.constantFrom("none" as const, "tensor" as const, "axis" as const), fc.boolean()).map((a) => new CreateTensor(...a)),
  fc.tuple(fc.nat(), fc.boolean()).map((a) => new DisposeTensor(...a)),
  fc.tuple(fc.nat(), fc.nat()).map((a) => new UseDisposed(...a)),
  fc.nat().map((s) => new ReadTensor(s)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 64 })).map((a) => new GrowMemory(...a)),
  fc.tuple(fc.nat(), fc.nat()).map((a) => new HugeTensor(...a)),
  fc.tuple(fc.nat(), fc.nat(), fc.integer()).map((a) => new BadTensor(...a)),
];

