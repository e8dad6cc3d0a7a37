// tfjs-core with tfjs-backend-wasm (XNNPACK; float32 only from JS) as a peer, set up for Node:
// one thread, and the backend's .wasm files loaded by file path from its package's dist/ folder.
import { createRequire } from 'node:module';
import path from 'node:path';

export type Tfjs = typeof import('@tensorflow/tfjs-core');

/** Initialises the wasm backend and returns tfjs-core with it active. */
export async function initTfjs(): Promise<Tfjs> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the backend reads its .wasm with fs from a path prefix (a directory ending in '/').
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(dist + path.sep);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error(`tfjs wasm backend failed to initialise from ${dist}`);
  await tf.ready();
  return tf;
}
