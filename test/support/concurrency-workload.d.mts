// Types of test/support/concurrency-workload.mjs (plain JavaScript, so that worker_threads run it as is).
export interface Workload {
  readonly isa?: "scalar" | "simd128" | "relaxed";
  readonly module?: WebAssembly.Module;
  readonly seed: number;
  readonly rounds: number;
}
export interface WorkloadResult {
  readonly checksum: string;
  readonly isa: string;
  readonly leaked: [number, number];
}
export function runWorkload(workload: Workload, onRound?: (round: number) => void): Promise<WorkloadResult>;
