// Fuzzer commands for packed weights and the ops that use them: packGemmWeights + gemm (dense,
// sparse, 7-bit; int32, fp32, fixedpoint and float32 outputs), packDepthwiseWeights +
// depthwiseConv2d, packInt4Weights + gemmInt4; disposing packed weights. Expected bytes come from
// `qkern/reference`; the model predicts which calls must be refused.
import fc from "fast-check";
import { expect } from "vitest";
import {
  depthwiseConv2d, gemm, gemmInt4, isPerAxisQuant, packDepthwiseWeights, packGemmWeights, packInt4Weights, quantizeInt4,
  type Int4Weights, type PackedDepthwiseWeights, type PackedGemmWeights, type PackedInt4Weights, type Tensor,
} from "../../src/index.js";
import {
  depthwiseInteger, depthwiseOutputSize, fp32Multiplier, gemmFloatStage, int4BlockSums, matmulInteger, quantizeActivationsRef,
  quantizeMultiplierRef, requantizeFixedpoint, requantizeFp32, samePadding,
} from "../../src/reference/index.js";
import { RANGE, floats, intIn, ints, oneOf, rand, scale, zeroPoint } from "./fuzz-data.js";
import { World, encode, expectRefused, totals, valuesOf, withCacheAccounting, type Inst, type PRec } from "./fuzz-model.js";
import { Step, makeTensor, type Cmd } from "./fuzz-commands-tensors.js";
import { clampModel, clampOptions, refQuant } from "./fuzz-commands-quant.js";

type Q8 = "int8" | "uint8";
interface GemmRef { k: number; n: number; b: number[]; zb: number[]; scales: number[] | null; bias?: number[]; floatBias?: number[]; sparse: boolean }
interface DwRef { kh: number; kw: number; oc: number; w: number[]; zw: number[]; scales: number[] | null; bias?: number[] }
interface Int4Ref { w4: Int4Weights; bias?: number[] }

/** Registers packed weights after checking what packing allocated: exactly `bytes` in `allocs` blocks. */
function register<R>(w: World, inst: Inst, kind: PRec["kind"], pack: () => PRec["handle"], bytes: (h: never) => number, allocs: number, limit: PRec["cacheLimit"], ref: R): PRec<R> {
  const before = inst.qk.memoryStats();
  const handle = pack();
  const after = inst.qk.memoryStats();
  const want = bytes(handle as never);
  expect([after.bytesInUse - before.bytesInUse, after.allocations - before.allocations], `${kind} packing: allocated bytes and blocks`).toEqual([want, allocs]);
  const p: PRec<R> = { inst, kind, handle, bytes: want, allocs, cacheBytes: 0, cacheAllocs: 0, cacheLimit: limit, ref };
  w.packed.push(p);
  totals.validCalls++;
  return p;
}

/** A per-channel output stage applied to accumulators (channel = index mod channels). */
function stage8(acc: ArrayLike<number>, channels: number, stage: "fp32" | "fixedpoint", inScale: number, wScale: (c: number) => number, outScale: number, zp: number, lo: number, hi: number): number[] {
  return Array.from(acc, (v, i) => {
    const c = i % channels;
    if (stage === "fp32") return requantizeFp32(v, fp32Multiplier(inScale, wScale(c), outScale), zp, lo, hi);
    const q = quantizeMultiplierRef((Math.fround(inScale) * Math.fround(wScale(c))) / Math.fround(outScale));
    return requantizeFixedpoint(v, q.multiplier, q.shift, zp, lo, hi);
  });
}

export class PackGemm extends Step {
  constructor(readonly instSel: number, readonly seed: number, readonly dtype: Q8, readonly layout: "kn" | "nk", readonly quant: "none" | "tensor" | "axis", readonly sparse: "auto" | boolean, readonly reduceRange: boolean) {
    super();
  }
  protected apply(w: World): string {
    return this.pack(w)[1];
  }
  pack(w: World): [PRec<GemmRef>, string] {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const [k, n] = [oneOf(r, [1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 33, 64]), intIn(r, 1, 20)];
    const zb = Array.from({ length: n }, () => (this.reduceRange ? (this.dtype === "int8" ? intIn(r, -64, 63) : intIn(r, 0, 127)) : zeroPoint(r, this.dtype)));
    const perCol = this.quant === "axis";
    if (!perCol) zb.fill(this.quant === "none" ? 0 : zb[0]!);
    const [lo, hi] = this.reduceRange ? (this.dtype === "int8" ? [-64, 63] : [0, 127]) : RANGE[this.dtype];
    const zeroBlocks = r() < 0.5 ? r() : 0;
    const bKN = Array.from({ length: k * n }, (_, i) => (Math.floor(i / n / 4) % 7 < 7 * zeroBlocks ? zb[i % n]! : intIn(r, lo, hi)));
    const data = this.layout === "kn" ? bKN : Array.from({ length: k * n }, (_, i) => bKN[(i % k) * n + Math.floor(i / k)]!);
    const scales = Array.from({ length: n }, () => scale(r));
    if (!perCol) scales.fill(scales[0]!);
    const axis = this.layout === "kn" ? 1 : 0;
    const quant = this.quant === "none" ? undefined : perCol ? { axis, scale: scales, zeroPoint: zb } : { scale: scales[0]!, zeroPoint: zb[0]! };
    const b = makeTensor(w, inst, this.dtype, this.layout === "kn" ? [k, n] : [n, k], data, quant ? { quant } : undefined);
    const bias = r() < 0.5 ? Array.from({ length: n }, () => intIn(r, -(2 ** 20), 2 ** 20)) : undefined;
    const floatBias = r() < 0.3 ? Array.from(floats(r, n, false)) : undefined;
    const options = { layout: this.layout, sparse: this.sparse, reduceRange: this.reduceRange, ...(bias ? { bias } : {}), ...(floatBias ? { floatBias } : {}) };
    const np = Math.ceil(n / 8) * 8;
    const p = register<GemmRef>(w, inst, "gemm", () => packGemmWeights(b, options), (h: PackedGemmWeights) => h.byteLength, 1,
      { allocs: 9, bytes: 9 * (16 + 24 * np) }, { k, n, b: bKN, zb, scales: quant ? scales.map(Math.fround) : null, bias, floatBias, sparse: false });
    const h = p.handle as PackedGemmWeights;
    (p.ref as { sparse: boolean }).sparse = h.format === "sparse";
    if (this.sparse !== "auto") expect(h.format).toBe(this.sparse ? "sparse" : "dense");
    return [p, `packGemmWeights ${b} ${this.layout} → ${h.format}`];
  }
}

export class Gemm extends Step {
  constructor(readonly instSel: number, readonly wSel: number, readonly seed: number, readonly dtype: Q8, readonly output: "int32" | "fp32" | "fixedpoint" | "float32", readonly aQuant: "none" | "tensor" | "row", readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const p = w.pickPacked<GemmRef>(inst, "gemm", this.wSel) ?? new PackGemm(this.instSel, this.seed ^ 0x2545f491, this.dtype, "kn", "axis", "auto", false).pack(w)[0];
    const { k, n, ref } = { ...p.ref, ref: p.ref };
    const r = rand(this.seed);
    const m = oneOf(r, [0, 1, 1, 2, 3, 4, 5, 8, 9]);
    const batch = r() < 0.2 ? [2] : [];
    const rows = m * (batch[0] ?? 1);
    const a = ints(r, rows * k, this.dtype);
    const za = Array.from({ length: rows }, () => zeroPoint(r, this.dtype));
    const aScales = Array.from({ length: rows }, () => Math.fround(scale(r)));
    const perRow = this.aQuant === "row" && batch.length === 0;
    if (!perRow) [za.fill(this.aQuant === "none" ? 0 : za[0] ?? 0), aScales.fill(aScales[0] ?? 1)];
    const quant = this.aQuant === "none" ? undefined : perRow ? { axis: 0, scale: aScales, zeroPoint: za } : { scale: aScales[0] ?? 1, zeroPoint: za[0] ?? 0 };
    const at = makeTensor(w, inst, this.dtype, [...batch, m, k], a, quant ? { quant } : undefined);
    const outShape = [...batch, m, n];
    const kind = this.output;
    const o8: Q8 = r() < 0.5 ? "int8" : "uint8";
    const oq = { scale: scale(r, true), zeroPoint: zeroPoint(r, o8) };
    const clamps = kind === "fp32" || kind === "fixedpoint" ? clampOptions(r, o8) : {};
    const outDtype = kind === "int32" || kind === "float32" ? kind : o8;
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty(outDtype, outShape, outDtype === kind ? undefined : { quant: oq })) : undefined;
    const options = { ...clamps, ...(out ? { out: out.t } : { output: kind === "int32" || kind === "float32" ? kind : { dtype: o8, ...oq } }), ...(kind === "fixedpoint" ? { stage: kind } : {}) };
    const desc = `gemm(${at}, [K=${k}, N=${n}${ref.sparse ? " sparse" : ""}], ${kind}${out ? " into out" : ""})`;
    const bounds = kind === "fp32" || kind === "fixedpoint" ? clampModel(o8, oq.zeroPoint, Math.fround(oq.scale), clamps) : [0, 0];
    const fp32Inf = kind === "fp32" && ref.scales !== null && ref.scales.some((s) => !Number.isFinite(fp32Multiplier(aScales[0] ?? 1, s, Math.fround(oq.scale))));
    // The refusals gemm must give, in the order it checks them.
    const refusals: Array<[boolean, string | RegExp]> = [
      [kind !== "int32" && ref.scales === null, "weights"],
      [kind !== "int32" && quant === undefined, "a"],
      [ref.sparse && kind === "float32", "options.output"],
      [(kind === "fp32" || kind === "fixedpoint") && perRow, "a"],
      [bounds === null, /^options/],
      [fp32Inf, out ? "options.out" : "options.output"],
      [rows > 0 && ref.sparse && perRow, "a"],
    ];
    const refusal = refusals.find(([c]) => c);
    if (refusal) {
      expectRefused(w, desc, () => gemm(at, p.handle as PackedGemmWeights, options), "gemm", refusal[1]);
      return `${desc} refused (${String(refusal[1])})`;
    }
    const y = withCacheAccounting(inst, p, () => gemm(at, p.handle as PackedGemmWeights, options), (y) => (out ? [] : [y]));
    expect(y.shape).toEqual(outShape);
    const acc = matmulInteger({ m: rows, k, n, a, aZeroPoint: perRow ? za : (za[0] ?? 0), b: ref.b, bZeroPoint: ref.zb, ...(ref.bias ? { bias: ref.bias } : {}) });
    let want: Uint8Array;
    if (kind === "int32") want = encode("int32", acc);
    else if (kind === "float32") want = encode("float32", gemmFloatStage(acc, n, perRow ? aScales : aScales[0]!, ref.scales!, ref.floatBias));
    else want = encode(o8, stage8(acc, n, kind, aScales[0]!, (c) => ref.scales![c]!, oq.scale, oq.zeroPoint, bounds![0]!, bounds![1]!));
    if (out) out.expect = want;
    else w.add(inst, y, want);
    return desc;
  }
}

export class PackDepthwise extends Step {
  constructor(readonly instSel: number, readonly seed: number, readonly dtype: Q8, readonly layout: "hwc" | "onnx", readonly quant: "none" | "tensor" | "axis") {
    super();
  }
  protected apply(w: World): string {
    return this.pack(w)[1];
  }
  pack(w: World): [PRec<DwRef>, string] {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const [kh, kw, oc] = [oneOf(r, [1, 2, 3, 3, 5]), oneOf(r, [1, 2, 3, 3, 5]), oneOf(r, [1, 2, 3, 4, 8, 16, 17, 24, 32])];
    const zw = Array.from({ length: oc }, () => zeroPoint(r, this.dtype));
    const scales = Array.from({ length: oc }, () => scale(r));
    if (this.quant !== "axis") [zw.fill(this.quant === "none" ? 0 : zw[0]!), scales.fill(scales[0]!)];
    const whwc = ints(r, kh * kw * oc, this.dtype);
    const taps = kh * kw;
    const data = this.layout === "hwc" ? whwc : Array.from({ length: taps * oc }, (_, i) => whwc[(i % taps) * oc + Math.floor(i / taps)]!);
    const dims = this.layout === "hwc" ? [kh, kw, oc] : [oc, 1, kh, kw];
    const axis = this.layout === "hwc" ? 2 : 0;
    const quant = this.quant === "none" ? undefined : this.quant === "axis" ? { axis, scale: scales, zeroPoint: zw } : { scale: scales[0]!, zeroPoint: zw[0]! };
    const wt = makeTensor(w, inst, this.dtype, dims, data, quant ? { quant } : undefined);
    const bias = r() < 0.6 ? Array.from({ length: oc }, () => intIn(r, -(2 ** 20), 2 ** 20)) : undefined;
    const cp = Math.ceil(oc / 16) * 16;
    const p = register<DwRef>(w, inst, "depthwise", () => packDepthwiseWeights(wt, { layout: this.layout, ...(bias ? { bias } : {}) }), (h: PackedDepthwiseWeights) => h.byteLength, 1,
      { allocs: 8, bytes: 8 * (16 + 24 * cp) }, { kh, kw, oc, w: whwc, zw, scales: quant ? scales.map(Math.fround) : null, bias });
    return [p, `packDepthwiseWeights ${wt} ${this.layout}`];
  }
}

export class Depthwise extends Step {
  constructor(readonly instSel: number, readonly wSel: number, readonly seed: number, readonly dtype: Q8, readonly output: "int32" | "fp32" | "fixedpoint", readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const p = w.pickPacked<DwRef>(inst, "depthwise", this.wSel) ?? new PackDepthwise(this.instSel, this.seed ^ 0x2545f491, this.dtype, "hwc", "axis").pack(w)[0];
    const ref = p.ref;
    const r = rand(this.seed);
    const mults = Array.from({ length: ref.oc }, (_, i) => i + 1).filter((d) => ref.oc % d === 0);
    const mult = oneOf(r, mults);
    const [n, h, wd, c] = [oneOf(r, [0, 1, 1, 2]), intIn(r, 1, 8), intIn(r, 1, 8), ref.oc / mult];
    const strides: [number, number] = [intIn(r, 1, 2), intIn(r, 1, 2)];
    const dilations: [number, number] = [intIn(r, 1, 2), intIn(r, 1, 2)];
    const padKind = oneOf(r, ["valid", "same", "explicit"] as const);
    const pads: [number, number, number, number] = padKind === "valid" ? [0, 0, 0, 0] : padKind === "explicit" ? [intIn(r, 0, 2), intIn(r, 0, 2), intIn(r, 0, 2), intIn(r, 0, 2)]
      : (() => { const [t, b] = samePadding(h, ref.kh, strides[0], dilations[0]); const [l, rr] = samePadding(wd, ref.kw, strides[1], dilations[1]); return [t, l, b, rr] as [number, number, number, number]; })();
    const x = ints(r, n * h * wd * c, this.dtype);
    const xq = r() < 0.85 ? { scale: scale(r), zeroPoint: zeroPoint(r, this.dtype) } : undefined;
    const xt = makeTensor(w, inst, this.dtype, [n, h, wd, c], x, xq ? { quant: xq } : undefined);
    const g = { n, h, w: wd, c, kh: ref.kh, kw: ref.kw, multiplier: mult, strides, dilations, pads };
    const [oh, ow] = depthwiseOutputSize(g);
    const kind = this.output;
    const o8: Q8 = r() < 0.5 ? "int8" : "uint8";
    const oq = { scale: scale(r, true), zeroPoint: zeroPoint(r, o8) };
    const clamps = kind === "int32" ? {} : clampOptions(r, o8);
    const outShape = [n, oh, ow, ref.oc];
    const geometryOk = oh >= 1 && ow >= 1;
    const out = this.intoOut && geometryOk ? w.addSnapshot(inst, inst.qk.empty(kind === "int32" ? "int32" : o8, outShape, kind === "int32" ? undefined : { quant: oq })) : undefined;
    const options = { strides, dilations, padding: padKind === "explicit" ? pads : padKind, ...clamps, ...(kind === "fixedpoint" ? { stage: kind } : {}),
      ...(out ? { out: out.t } : kind === "int32" ? {} : { output: { dtype: o8, ...oq } }) };
    const desc = `depthwiseConv2d(${xt}, [${ref.kh}x${ref.kw}, C=${ref.oc}], ${JSON.stringify({ strides, dilations, padKind, kind })})`;
    const bounds = kind === "int32" ? [0, 0] : clampModel(o8, oq.zeroPoint, Math.fround(oq.scale), clamps);
    const fp32Inf = kind === "fp32" && xq !== undefined && ref.scales !== null && ref.scales.some((s) => !Number.isFinite(fp32Multiplier(xq.scale, s, Math.fround(oq.scale))));
    // The refusals depthwiseConv2d must give, in the order it checks them.
    const refusals: Array<[boolean, string | RegExp]> = [
      [!geometryOk, "weights"],
      [kind !== "int32" && xq === undefined, "x"],
      [kind !== "int32" && ref.scales === null, "weights"],
      [kind !== "int32" && bounds === null, /^options/],
      [fp32Inf, out ? "options.out" : "options.output"],
    ];
    const refusal = refusals.find(([cond]) => cond);
    if (refusal) {
      expectRefused(w, desc, () => depthwiseConv2d(xt, p.handle as PackedDepthwiseWeights, options), "depthwiseConv2d", refusal[1]);
      return `${desc} refused (${String(refusal[1])})`;
    }
    const y = withCacheAccounting(inst, p, () => depthwiseConv2d(xt, p.handle as PackedDepthwiseWeights, options), (y) => (out ? [] : [y]));
    expect(y.shape).toEqual(outShape);
    const acc = depthwiseInteger(g, x, xq?.zeroPoint ?? 0, ref.w, ref.zw, ref.bias);
    const want = kind === "int32" ? encode("int32", acc)
      : encode(o8, stage8(acc, ref.oc, kind, xq!.scale, (ch) => ref.scales![ch]!, oq.scale, oq.zeroPoint, bounds![0]!, bounds![1]!));
    if (out) out.expect = want;
    else w.add(inst, y, want);
    return desc;
  }
}

export class PackInt4 extends Step {
  constructor(readonly instSel: number, readonly seed: number, readonly blockSize: 32 | 64, readonly scheme: "symmetric" | "asymmetric", readonly withBias: boolean) {
    super();
  }
  protected apply(w: World): string {
    return this.pack(w)[1];
  }
  pack(w: World): [PRec<Int4Ref>, string] {
    const inst = w.inst(this.instSel)!;
    const r = rand(this.seed);
    const [k, n] = [oneOf(r, [1, 5, 31, 32, 33, 64, 65, 100]), intIn(r, 1, 12)];
    const w4 = quantizeInt4(floats(r, k * n, false), [k, n], { blockSize: this.blockSize, scheme: this.scheme });
    const bias = this.withBias ? Array.from(floats(r, n, false)) : undefined;
    const p = register<Int4Ref>(w, inst, "int4", () => packInt4Weights(inst.qk, w4, bias ? { bias } : {}), (h: PackedInt4Weights) => h.byteLength + (bias ? 4 * n : 0), bias ? 2 : 1,
      { allocs: 0, bytes: 0 }, { w4, bias });
    return [p, `packInt4Weights [K=${k}, N=${n}] block ${this.blockSize}`];
  }
}

export class GemmInt4 extends Step {
  constructor(readonly instSel: number, readonly wSel: number, readonly seed: number, readonly input: "float32" | Q8, readonly perRow: boolean, readonly intoOut: boolean) {
    super();
  }
  protected apply(w: World): string {
    const inst = w.inst(this.instSel)!;
    const p = w.pickPacked<Int4Ref>(inst, "int4", this.wSel) ?? new PackInt4(this.instSel, this.seed ^ 0x2545f491, 32, "asymmetric", true).pack(w)[0];
    const { w4 } = p.ref;
    const r = rand(this.seed);
    const m = oneOf(r, [0, 1, 1, 2, 3, 4, 5, 8]); // M ≥ 4: the 4×8 tile of SIMD builds
    const nb = Math.ceil(w4.k / w4.blockSize);
    const rows: Array<{ a: ArrayLike<number>; za: number }> = [];
    let xt: Tensor;
    if (this.input === "float32") {
      const xf = floats(r, m * w4.k, false);
      xt = makeTensor(w, inst, "float32", [m, w4.k], xf);
      const ablock = this.perRow ? nb * w4.blockSize : w4.blockSize;
      for (let i = 0; i < m; i++) rows.push({ a: quantizeActivationsRef(xf.subarray(i * w4.k, (i + 1) * w4.k), w4.k, ablock).a, za: 0 });
    } else {
      const a = ints(r, m * w4.k, this.input);
      const zps = Array.from({ length: m }, () => zeroPoint(r, this.input as Q8));
      const quant = this.perRow && m > 0 ? { axis: 0, scale: Array.from({ length: m }, () => scale(r)), zeroPoint: zps } : { scale: scale(r), zeroPoint: zps[0] ?? 0 };
      xt = makeTensor(w, inst, this.input, [m, w4.k], a, { quant });
      for (let i = 0; i < m; i++) rows.push({ a: a.slice(i * w4.k, (i + 1) * w4.k), za: isPerAxisQuant(xt.quant!) ? zps[i]! : zps[0]! });
    }
    const outShape = [m, w4.n, nb];
    const out = this.intoOut ? w.addSnapshot(inst, inst.qk.empty("int32", outShape)) : undefined;
    const options = { output: "int32" as const, activations: this.perRow ? "per-row" as const : "per-block" as const, ...(out ? { out: out.t } : {}) };
    const y = withCacheAccounting(inst, undefined, () => gemmInt4(xt, p.handle as PackedInt4Weights, options), (y) => (out ? [] : [y]));
    expect(y.shape).toEqual(outShape);
    const want = new Int32Array(m * w4.n * nb);
    rows.forEach((row, i) => {
      for (let col = 0; col < w4.n; col++) want.set(int4BlockSums(row.a, row.za, w4, col), (i * w4.n + col) * nb);
    });
    if (out) out.expect = encode("int32", want);
    else w.add(inst, y, encode("int32", want));
    return `gemmInt4(${xt}, [K=${w4.k}, N=${w4.n}])`;
  }
}

export class DisposePacked extends Step {
  constructor(readonly sel: number, readonly useAfter: boolean) {
    super();
  }
  protected apply(w: World): string {
    if (w.packed.length === 0) return "dispose packed: none";
    const p = w.packed[this.sel % w.packed.length]!;
    w.disposePacked(p);
    expect(p.handle.disposed).toBe(true);
    p.handle.dispose();
    if (this.useAfter) {
      const inst = p.inst;
      const x = makeTensor(w, inst, "int8", [1, 4, 4, 1], new Array(16).fill(1), { quant: { scale: 1 } });
      const [op, call] = p.kind === "gemm" ? ["gemm", () => gemm(x, p.handle as PackedGemmWeights)] as const
        : p.kind === "depthwise" ? ["depthwiseConv2d", () => depthwiseConv2d(x, p.handle as PackedDepthwiseWeights)] as const
          : ["gemmInt4", () => gemmInt4(x, p.handle as PackedInt4Weights)] as const;
      expectRefused(w, `${op} with disposed weights`, call, op, "weights");
    }
    return `dispose packed ${p.kind}`;
  }
}

const q8 = fc.constantFrom<Q8>("int8", "uint8");
export const packedCommands: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(fc.nat(), fc.integer(), q8, fc.constantFrom("kn" as const, "nk" as const), fc.constantFrom("none" as const, "tensor" as const, "axis" as const, "axis" as const),
    fc.constantFrom<"auto" | boolean>("auto", true, false), fc.boolean()).map((a) => new PackGemm(...a)),
  fc.tuple(fc.nat(), fc.nat(), fc.integer(), q8, fc.constantFrom("int32" as const, "fp32" as const, "fixedpoint" as const, "float32" as const),
    fc.constantFrom("none" as const, "tensor" as const, "tensor" as const, "row" as const), fc.boolean()).map((a) => new Gemm(...a)),
  fc.tuple(fc.nat(), fc.integer(), q8, fc.constantFrom("hwc" as const, "onnx" as const), fc.constantFrom("none" as const, "tensor" as const, "axis" as const)).map((a) => new PackDepthwise(...a)),
  fc.tuple(fc.nat(), fc.nat(), fc.integer(), q8, fc.constantFrom("int32" as const, "fp32" as const, "fixedpoint" as const), fc.boolean()).map((a) => new Depthwise(...a)),
  fc.tuple(fc.nat(), fc.integer(), fc.constantFrom<32 | 64>(32, 64), fc.constantFrom("symmetric" as const, "asymmetric" as const), fc.boolean()).map((a) => new PackInt4(...a)),
  fc.tuple(fc.nat(), fc.nat(), fc.integer(), fc.constantFrom<"float32" | Q8>("float32", "int8", "uint8"), fc.boolean(), fc.boolean()).map((a) => new GemmInt4(...a)),
  fc.tuple(fc.nat(), fc.boolean()).map((a) => new DisposePacked(...a)),
];

