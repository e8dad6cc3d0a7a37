// Entry of the relaxed-SIMD build: everything of the simd128 build (compiled with relaxed SIMD
// enabled) plus kernels that use relaxed instructions where they are both faster here and exact.
// The 8-bit GEMM, channel-vectorized depthwise and quantization kernels have no relaxed variant: on this engine
// (V8 11.3 lowers relaxed dot to pmaddubsw + pmaddwd) none was faster while exact — see README.
// GEMMs whose weights are 7-bit ("reduce range") have one (qs8_w7_gemm).
export * from "./index.simd128";
export * from "./qs8_w7_gemm/pack";
export * from "./qs8_w7_gemm/sizes";
export * from "./qs8_w7_gemm/relaxed";
export * from "./qb4_gemm/relaxed";
export * from "./qp4_gemm/relaxed";
export * from "./qs8_dwconv/relaxed_anyp16w";
