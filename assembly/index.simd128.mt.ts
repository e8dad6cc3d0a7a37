// Entry of the threaded simd128 build (shared imported memory): the simd128 build plus the
// per-thread scratch exports (assembly/common/threads.ts).
export * from "./index.simd128";
export { qk_set_thread_scratch, qk_thread_scratch_bytes } from "./common/threads";
