// The tolerance table (docs/numerics.md). Every comparison in the tests that is not exact cites a row
// here by its key; a row says what is compared, how far apart the two may be, and why.

export const TOLERANCES = {
  accumulators: { tolerance: "exact", why: "int32 accumulation is integer arithmetic" },
  sameFormula: {
    tolerance: "exact",
    why: "kernel and reference evaluate the same formula (float32 steps are reproduced with Math.fround)",
  },
  crossBuild: { tolerance: "exact", why: "a build must not change results" },
  peerConformance: {
    tolerance: "exact",
    why: "qkern implements ONNX Runtime's integer arithmetic and float32 multiplier (MatMulInteger, QLinearMatMul, QLinearConv)",
  },
  quantizedVsReal: {
    tolerance: "≤ 1 LSB (|y − round(real)| ≤ 1) unless saturated",
    why: "one rounding of a float32 multiplier plus one final rounding; the f64 real value can sit " +
      "on the other side of a .5 boundary",
  },
  quantizeRoundTrip: {
    tolerance: "|dequantize(quantize(x)) − x| ≤ scale/2 · (1 + 2^-22) for x inside the representable range",
    why: "quantization error is at most half a step; the float32 division and product add a relative 2^-23 each",
  },
  blockFloatSum: {
    tolerance: "|y − y64| ≤ (nBlocks + 2) · 2^-23 · (Σ_b |term_b| + |bias|)",
    why: "float32 output of block-wise GEMMs: each block term is exact up to its two float32 roundings, " +
      "then nBlocks float32 additions; y64 is the same sum in float64 from the same integers and scales",
  },
  sineModel: {
    tolerance: "|y − sin(x)| ≤ 0.05",
    why: "tflite-micro's hello_world model approximates sin(x) with three small int8 layers; 0.05 is the bound " +
      "of its upstream test (test/peers/litert.test.ts)",
  },
  floatModelVsLitert: {
    tolerance: "max |qkern − LiteRT.js| ≤ 1e-4 · max |logit| (LiteRT.js's)",
    why: "a float32 network through ~60 layers on two float kernels with different summation orders (and " +
      "XNNPACK's relaxed multiply-add where it has one): each output is a sum of thousands of float32 " +
      "roundings of relative 2^-24; 1e-6 relative is observed (MobileNetV2), 1e-4 leaves room for other inputs",
  },
} as const;

export type ToleranceKey = keyof typeof TOLERANCES;
