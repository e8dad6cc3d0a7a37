// Entry of the scalar build (no SIMD): allocator, build info, scalar kernels, self-test.
// The simd128 and relaxed entries re-export everything here and add their own kernels, so a
// kernel's full name (family_variant__isa) is the same export in every build that has it.

export { qk_alloc, qk_free, qk_bytes_in_use, qk_live_blocks, qk_isa } from "./memory";
export { qk_selftest } from "./selftest";
export * from "./output/sizes";
export * from "./f32_q8_vcvt/scalar";
export * from "./q8_f32_vcvt/scalar";
export * from "./qs32_f32_vcvt/scalar";
export * from "./qs32_q8_requant/scalar";
export * from "./f32_rminmax/scalar";
export * from "./q8_q4/scalar";
export * from "./q4_q8/scalar";
export * from "./qs8_gemm/pack";
export * from "./qs8_gemm/sizes";
export * from "./qs8_gemm/scalar";
export * from "./qs8_dwconv/pack";
export * from "./qs8_dwconv/sizes";
export * from "./qs8_dwconv/scalar";
export * from "./f32_dwconv/pack";
export * from "./f32_dwconv/scalar";
export * from "./qb4_gemm/pack";
export * from "./qb4_gemm/sizes";
export * from "./qb4_gemm/scalar";
export * from "./qp4_gemm/pack";
export * from "./qp4_gemm/sizes";
export * from "./qp4_gemm/scalar";
export * from "./qs8_spmm/pack";
export * from "./qs8_spmm/sizes";
export * from "./qs8_spmm/scalar";
export * from "./f32_gemm/sizes";
export * from "./f32_gemm/scalar";
export * from "./im2col/scalar";
export * from "./q8_vadd/scalar";
export * from "./x8_lut/scalar";
export * from "./x8_ibilinear/scalar";
export * from "./q8_vmul/scalar";
export * from "./q8_vbin/scalar";
export * from "./q8_pool/scalar";
