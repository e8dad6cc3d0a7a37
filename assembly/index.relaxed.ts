// Entry of the relaxed-SIMD build: everything of the simd128 build (compiled with relaxed SIMD
// enabled) plus kernels that use relaxed instructions where they are both faster here and exact.
// The int8 GEMM, depthwise and quantization kernels have no relaxed variant: on this engine
// (V8 11.3 lowers relaxed dot to pmaddubsw + pmaddwd) none was faster while exact — see README.
export * from "./index.simd128";
export * from "./qb4_gemm/relaxed";
export * from "./qp4_gemm/relaxed";
