// Entry of the threaded relaxed build (shared imported memory): the relaxed build plus the
// per-thread scratch exports (assembly/common/threads.ts).
export * from "./index.relaxed";
export { qk_set_thread_scratch, qk_thread_scratch_bytes } from "./common/threads";
