// Entry of the relaxed-SIMD build: everything of the simd128 build (compiled with relaxed SIMD
// enabled) plus kernels that use relaxed instructions. The quantization kernels have no relaxed
// variant: none of the relaxed instructions makes them faster or keeps them exact.
export * from "./index.simd128";
