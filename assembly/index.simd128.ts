// Entry of the simd128 build: everything of the scalar build plus the simd128 kernels.
export * from "./index";
export * from "./f32_q8_vcvt/simd128";
export * from "./q8_f32_vcvt/simd128";
export * from "./qs32_f32_vcvt/simd128";
export * from "./qs32_q8_requant/simd128";
export * from "./f32_rminmax/simd128";
export * from "./q8_q4/simd128";
export * from "./q4_q8/simd128";
export * from "./qs8_gemm/simd128";
export * from "./qs8_dwconv/simd128";
export * from "./f32_dwconv/simd128";
export * from "./qb4_gemm/simd128";
export * from "./qp4_gemm/simd128";
export * from "./qs8_spmm/simd128";
export * from "./f32_gemm/simd128";
export * from "./q8_vadd/simd128";
export * from "./q8_pool/simd128";
