// Network ops against their references (exact: TOLERANCES.sameFormula / accumulators): conv2d
// (im2col + GEMM, pointwise, 8-bit or 7-bit "reduce range" weights, float), add (fp32 and fixedpoint stages), table activations, pooling,
// concat, per-channel multiply, softmax, and the float GEMM.
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  activation, add, avgPool2d, concat, conv2d, gemm, globalAvgPool, maxPool2d, mulChannels, packConvWeights, packGemmWeights, softmax,
  type ActivationFn, type Qkern,
} from "../../src/index.js";
import {
  conv2dFloat, conv2dInteger, convOutputSize, fp32Multiplier, qaddFixedpoint, qaddFp32, qaverage, qfunction, qmul, requantizeFp32, samePadding, type RefConv,
} from "../../src/reference/index.js";
import { describeBuilds, rng } from "../support/helpers.js";

const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const convCase = fc.record({
  n: fc.constantFrom(1, 1, 2), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(3, 16, 17)),
  oc: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(8, 9, 16)), k: fc.constantFrom(1, 1, 2, 3), s: fc.constantFrom(1, 2), d: fc.constantFrom(1, 1, 2),
  padding: fc.constantFrom("same" as const, "valid" as const, "explicit" as const), seed: fc.integer(), unsigned: fc.boolean(), reduceRange: fc.boolean(),
}).filter((g) => g.padding === "same" || (g.h + (g.padding === "explicit" ? 2 : 0) >= (g.k - 1) * g.d + 1 && g.w + (g.padding === "explicit" ? 2 : 0) >= (g.k - 1) * g.d + 1));

function geometry(g: { n: number; h: number; w: number; c: number; oc: number; k: number; s: number; d: number; padding: string }): RefConv & { padOption: "same" | "valid" | [number, number, number, number] } {
  let pads: [number, number, number, number];
  if (g.padding === "same") {
    const [t, b] = samePadding(g.h, g.k, g.s, g.d);
    const [l, r] = samePadding(g.w, g.k, g.s, g.d);
    pads = [t, l, b, r];
  } else if (g.padding === "valid") pads = [0, 0, 0, 0];
  else pads = [1, 0, 1, 2];
  return { n: g.n, h: g.h, w: g.w, c: g.c, oc: g.oc, kh: g.k, kw: g.k, strides: [g.s, g.s], dilations: [g.d, g.d], pads,
    padOption: g.padding === "explicit" ? pads : (g.padding as "same" | "valid") };
}

describeBuilds("network ops", (get) => {
  it("conv2d (int8/uint8, per-channel 8-bit or 7-bit weights, int32 and fp32 outputs) equals the reference", () => {
    fc.assert(fc.property(convCase, (g0) => {
      const qk = get();
      const g = geometry(g0);
      const r = rng(g0.seed);
      const [lo, hi] = g0.unsigned ? [0, 255] : [-128, 127];
      const x = Array.from({ length: g.n * g.h * g.w * g.c }, () => int(r, lo, hi));
      const zx = int(r, lo, hi);
      const wv = Array.from({ length: g.oc * g.kh * g.kw * g.c }, () => (g0.reduceRange ? int(r, -64, 63) : int(r, -127, 127)));
      const zw = Array.from({ length: g.oc }, () => 0);
      const scales = Array.from({ length: g.oc }, () => 0.001 + r() * 0.01);
      const bias = Array.from({ length: g.oc }, () => int(r, -2000, 2000));
      using xt = qk.tensor(g0.unsigned ? Uint8Array.from(x) : Int8Array.from(x), [g.n, g.h, g.w, g.c], { quant: { scale: 0.05, zeroPoint: zx } });
      using w = packConvWeights(qk.tensor(Int8Array.from(wv), [g.oc, g.kh, g.kw, g.c], { quant: { axis: 0, scale: scales, zeroPoint: zw } }), { bias, sparse: false, reduceRange: g0.reduceRange });
      const acc = conv2dInteger(g, x, zx, wv, zw, bias);
      using y32 = conv2d(xt, w, { strides: g0.s, dilations: g0.d, padding: g.padOption });
      expect(y32.shape).toEqual([g.n, ...convOutputSize(g), g.oc]);
      expect(Array.from(y32.data)).toEqual(Array.from(acc));
      using y8 = conv2d(xt, w, { strides: g0.s, dilations: g0.d, padding: g.padOption, output: { dtype: g0.unsigned ? "uint8" : "int8", scale: 0.2, zeroPoint: g0.unsigned ? 10 : -5 } });
      const want = Array.from(acc, (v, i) => requantizeFp32(v, fp32Multiplier(0.05, scales[i % g.oc]!, 0.2), g0.unsigned ? 10 : -5, lo, hi));
      expect(Array.from(y8.toArray())).toEqual(want);
    }), { numRuns: 60 });
  });

  it("conv2d on float32 weights equals the float reference (same summation order)", () => {
    fc.assert(fc.property(convCase, (g0) => {
      const qk = get();
      const g = geometry(g0);
      const r = rng(g0.seed);
      const x = Float32Array.from({ length: g.n * g.h * g.w * g.c }, () => r() * 2 - 1);
      const wv = Float32Array.from({ length: g.oc * g.kh * g.kw * g.c }, () => r() - 0.5);
      const bias = Float32Array.from({ length: g.oc }, () => r() - 0.5);
      using w = packConvWeights(qk.tensor(wv, [g.oc, g.kh, g.kw, g.c]), { floatBias: bias });
      using y = conv2d(qk.tensor(x, [g.n, g.h, g.w, g.c]), w, { strides: g0.s, dilations: g0.d, padding: g.padOption, activation: "relu6" });
      expect(Array.from(y.data)).toEqual(Array.from(conv2dFloat(g, x, wv, bias, 0, 6)));
    }), { numRuns: 60 });
  });

  it("float GEMM on rank-3 input equals the ordered float sum", () => {
    const qk = get();
    const r = rng(5);
    const [m, k, n] = [7, 13, 11];
    const a = Float32Array.from({ length: 2 * m * k }, () => r() - 0.5);
    const b = Float32Array.from({ length: k * n }, () => r() - 0.5);
    using w = packGemmWeights(qk.tensor(b, [k, n]));
    using y = gemm(qk.tensor(a, [2, m, k]), w);
    expect(y.shape).toEqual([2, m, n]);
    const f = Math.fround;
    for (let i = 0; i < 2 * m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc = f(acc + f(a[i * k + p]! * b[p * n + j]!));
        expect(y.data[i * n + j]).toBe(acc);
      }
    }
  });

  it("add: fp32 (QLinearAdd) and fixedpoint (TFLite) stages equal their references", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 70 }), fc.boolean(), fc.constantFrom("fp32" as const, "fixedpoint" as const), fc.integer(), (len, unsigned, stage, seed) => {
      const qk = get();
      const r = rng(seed);
      const [lo, hi] = unsigned ? [0, 255] : [-128, 127];
      const qa = { scale: Math.fround(0.01 + r() * 0.1), zeroPoint: int(r, lo, hi) };
      const qb = { scale: Math.fround(0.01 + r() * 0.1), zeroPoint: int(r, lo, hi) };
      const qy = { scale: Math.fround(0.05 + r() * 0.2), zeroPoint: int(r, lo, hi) };
      const av = Array.from({ length: len }, () => int(r, lo, hi));
      const bv = Array.from({ length: len }, () => int(r, lo, hi));
      const T = unsigned ? Uint8Array : Int8Array;
      using at = qk.tensor(T.from(av), [len], { quant: qa });
      using bt = qk.tensor(T.from(bv), [len], { quant: qb });
      using y = add(at, bt, { output: qy, stage });
      const ref = stage === "fp32" ? qaddFp32 : qaddFixedpoint;
      expect(Array.from(y.toArray())).toEqual(av.map((v, i) => ref(v, bv[i]!, qa, qb, qy, lo, hi)));
    }), { numRuns: 100 });
  });

  it("add (fp32): the output zero point enters before rounding, as in ONNX Runtime's QLinearAdd", () => {
    // Found by the ORT network-parity test (EfficientNet-Lite0, uint8, node add45): v = 91.49999237
    // and zy = 128 give f32(v + 128) = 219.5 → 220 in ORT; rounding v first gave 219. 20 copies run
    // through the 16-wide SIMD body and the scalar tail.
    const qk = get();
    const qa = { scale: 0.046363428, zeroPoint: 137 };
    const qb = { scale: 0.033655547, zeroPoint: 134 };
    const qy = { scale: 0.047640972, zeroPoint: 128 };
    using at = qk.tensor(new Uint8Array(20).fill(194), [20], { quant: qa });
    using bt = qk.tensor(new Uint8Array(20).fill(185), [20], { quant: qb });
    using y = add(at, bt, { output: qy, stage: "fp32" });
    expect(Array.from(y.toArray())).toEqual(new Array(20).fill(220));
  });

  it("table activations equal QuantizeLinear(fn(DequantizeLinear(q)))", () => {
    const fns: Record<ActivationFn, (x: number) => number> = {
      relu: (x) => Math.max(0, x), relu6: (x) => Math.min(6, Math.max(0, x)), sigmoid: (x) => 1 / (1 + Math.exp(-x)),
      hardSigmoid: (x) => Math.min(1, Math.max(0, x / 6 + 0.5)), swish: (x) => x / (1 + Math.exp(-x)),
      hardSwish: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6, tanh: Math.tanh,
    };
    const qk = get();
    for (const dtype of ["int8", "uint8"] as const) {
      const all = Array.from({ length: 256 }, (_, i) => (dtype === "int8" ? i - 128 : i));
      const qx = { scale: 0.05, zeroPoint: dtype === "int8" ? -3 : 120 };
      const qy = { scale: 0.01, zeroPoint: dtype === "int8" ? -100 : 20 };
      using x = qk.tensor(dtype === "int8" ? Int8Array.from(all) : Uint8Array.from(all), [256], { quant: qx });
      for (const [name, fn] of Object.entries(fns)) {
        using y = activation(x, name as ActivationFn, { output: qy });
        expect(Array.from(y.toArray()), name).toEqual(all.map((q) => qfunction(q, fn, { scale: Math.fround(0.05), zeroPoint: qx.zeroPoint }, { scale: Math.fround(0.01), zeroPoint: qy.zeroPoint }, dtype)));
      }
    }
  });

  it("pooling: max keeps values, average and global average requantize the mean", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 35 }), fc.boolean(), fc.integer(), (h, w, c, unsigned, seed) => {
      const qk = get();
      const r = rng(seed);
      const [lo, hi] = unsigned ? [0, 255] : [-128, 127];
      const x = Array.from({ length: h * w * c }, () => int(r, lo, hi));
      const qx = { scale: Math.fround(0.03), zeroPoint: int(r, lo, hi) };
      const qy = { scale: Math.fround(0.02), zeroPoint: int(r, lo, hi) };
      using xt = qk.tensor(unsigned ? Uint8Array.from(x) : Int8Array.from(x), [1, h, w, c], { quant: qx });
      const dtype = unsigned ? "uint8" : "int8";
      using g = globalAvgPool(xt, { output: qy });
      expect(Array.from(g.toArray())).toEqual(Array.from({ length: c }, (_, ch) => qaverage(Array.from({ length: h * w }, (_, p) => x[p * c + ch]!), qx, qy, dtype)));
      using mp = maxPool2d(xt, { kernel: 2, strides: 1, padding: "same" });
      using ap = avgPool2d(xt, { kernel: 2, strides: 1, padding: "same", output: qy });
      const window = (y: number, xx: number, ch: number): number[] => {
        const vals: number[] = [];
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) if (y + i < h && xx + j < w) vals.push(x[((y + i) * w + xx + j) * c + ch]!);
        return vals;
      };
      const wantMax: number[] = [];
      const wantAvg: number[] = [];
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
        wantMax.push(Math.max(...window(y, xx, ch)));
        wantAvg.push(qaverage(window(y, xx, ch), qx, qy, dtype));
      }
      expect(Array.from(mp.toArray())).toEqual(wantMax);
      expect(Array.from(ap.toArray())).toEqual(wantAvg);
    }), { numRuns: 60 });
  });

  it("concat requantizes inputs whose parameters differ, copies the others", () => {
    const qk = get();
    const r = rng(9);
    const qa = { scale: 0.1, zeroPoint: 3 };
    const qb = { scale: 0.05, zeroPoint: -7 };
    const av = Array.from({ length: 2 * 3 * 5 }, () => int(r, -128, 127));
    const bv = Array.from({ length: 2 * 3 * 4 }, () => int(r, -128, 127));
    using a = qk.tensor(Int8Array.from(av), [1, 2, 3, 5], { quant: qa });
    using b = qk.tensor(Int8Array.from(bv), [1, 2, 3, 4], { quant: qb });
    using y = concat([a, b], { output: qa });
    expect(y.shape).toEqual([1, 2, 3, 9]);
    const got = y.toArray();
    for (let p = 0; p < 6; p++) {
      for (let ch = 0; ch < 5; ch++) expect(got[p * 9 + ch]).toBe(av[p * 5 + ch]);
      for (let ch = 0; ch < 4; ch++) expect(got[p * 9 + 5 + ch]).toBe(qfunction(bv[p * 4 + ch]!, (x) => x, { scale: Math.fround(0.05), zeroPoint: -7 }, { scale: Math.fround(0.1), zeroPoint: 3 }, "int8"));
    }
  });

  it("mulChannels and softmax", () => {
    const qk = get();
    const r = rng(11);
    const xv = Array.from({ length: 2 * 3 * 3 * 6 }, () => int(r, 0, 255));
    const sv = Array.from({ length: 2 * 6 }, () => int(r, 0, 255));
    const qx = { scale: Math.fround(0.04), zeroPoint: 10 };
    const qs = { scale: Math.fround(1 / 255), zeroPoint: 0 };
    using x = qk.tensor(Uint8Array.from(xv), [2, 3, 3, 6], { quant: qx });
    using s = qk.tensor(Uint8Array.from(sv), [2, 1, 1, 6], { quant: qs });
    using y = mulChannels(x, s, { output: { scale: 0.03, zeroPoint: 5 } });
    expect(Array.from(y.toArray())).toEqual(xv.map((v, i) => qmul(v, sv[Math.floor(i / 54) * 6 + (i % 6)]!, qx, qs, { scale: Math.fround(0.03), zeroPoint: 5 }, "uint8")));
    using p = softmax(qk.tensor([1, 2, 3, 1, 1, 1], [2, 3]));
    expect(Array.from(p.data.slice(3))).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(p.data[2]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(1) + Math.exp(2)), 6);
  });
});

// The ops above run each build's best kernel; here the scalar rows that SIMD builds also contain are
// run side by side with their SIMD versions on the same data (raw layer), so every registry row is
// exercised in every build that has it (TOLERANCES.crossBuild).
describeBuilds("network kernels, scalar rows inside SIMD builds", (get, isa) => {
  it.skipIf(isa === "scalar")("q8_vadd_fp32, q8_pool_max, q8_pool_gsum and f32_gemm_minmax scalar rows equal their SIMD rows", () => {
    const qk = get();
    const r = rng(21);
    const { alloc, free, kernel, memory } = qk.raw;
    const bytes = (n: number, f: () => number): number => {
      const p = alloc(n);
      new Uint8Array(memory.buffer, p, n).set(Uint8Array.from({ length: n }, f));
      return p;
    };
    const same = (a: number, b: number, n: number): void => expect(Array.from(new Uint8Array(memory.buffer, a, n))).toEqual(Array.from(new Uint8Array(memory.buffer, b, n)));
    const n = 77;
    const a = bytes(n, () => int(r, 0, 255));
    const b = bytes(n, () => int(r, 0, 255));
    const params = alloc(32);
    new Float32Array(memory.buffer, params, 8).set([0.1, 0, 0.07, 0, 0.2, 0, 0, 0]);
    new Int32Array(memory.buffer, params, 8).set([3, 120, 5, 250], 4);
    new Int32Array(memory.buffer, params + 4, 1)[0] = 7;
    new Int32Array(memory.buffer, params + 12, 1)[0] = 200;
    const y1 = alloc(n);
    const y2 = alloc(n);
    for (const unsigned of [0, 1]) {
      kernel("q8_vadd_fp32__scalar")(a, b, y1, n, unsigned, params);
      kernel("q8_vadd_fp32__simd128")(a, b, y2, n, unsigned, params);
      same(y1, y2, n);
    }
    const geom = alloc(64);
    new Int32Array(memory.buffer, geom, 16).set([5, 7, 19, 3, 4, 3, 2, 2, 2, 1, 1, 1, 0, 7 * 19, 4 * 19, 0]);
    const img = bytes(5 * 7 * 19 + 16, () => int(r, 0, 255));
    const m1 = alloc(3 * 4 * 19);
    const m2 = alloc(3 * 4 * 19);
    for (const unsigned of [0, 1]) {
      kernel("q8_pool_max__scalar")(img, m1, geom, unsigned);
      kernel("q8_pool_max__simd128")(img, m2, geom, unsigned);
      same(m1, m2, 3 * 4 * 19);
      kernel("q8_pool_gsum__scalar")(img, m1, 35, 19, unsigned, 17);
      kernel("q8_pool_gsum__simd128")(img, m2, 35, 19, unsigned, 17);
      same(m1, m2, 4 * 19);
    }
    const [m, k, nn] = [6, 9, 13];
    const fa = alloc(4 * m * k);
    new Float32Array(memory.buffer, fa, m * k).set(Float32Array.from({ length: m * k }, () => r() - 0.5));
    const fb = alloc(4 * k * nn);
    new Float32Array(memory.buffer, fb, k * nn).set(Float32Array.from({ length: k * nn }, () => r() - 0.5));
    const packed = alloc(Math.ceil(nn / 8) * 32 * (k + 1));
    kernel("f32_gemm_packw__scalar")(fb, k, nn, nn, 1, 0, packed);
    const mm = alloc(8);
    new Float32Array(memory.buffer, mm, 2).set([-0.3, 0.4]);
    const c1 = alloc(4 * m * nn);
    const c2 = alloc(4 * m * nn);
    kernel("f32_gemm_minmax_1x8__scalar")(m, nn, k, fa, 4 * k, packed, c1, 4 * nn, mm);
    kernel("f32_gemm_minmax_4x8__simd128")(m, nn, k, fa, 4 * k, packed, c2, 4 * nn, mm);
    same(c1, c2, 4 * m * nn);
    for (const p of [a, b, params, y1, y2, geom, img, m1, m2, fa, fb, packed, mm, c1, c2]) free(p);
  });
});
