// Loading and saving the weights of a ModelSpec: a JSON manifest plus one little-endian float32
// binary. Manifest: { "format": "qkern-weights-1", "model": "<name>", "tensors": [
//   { "name": "<layer>.weights" | "<layer>.bias", "shape": [...], "offset": <bytes>, "length": <floats> } ] }.
// Layer names and shapes are those of the architecture (README lists them); weights of conv layers
// are [OC, KH, KW, IC], depthwise [KH, KW, C], fully connected [N, K].

import { QkernError } from "../errors.js";
import type { LayerSpec, ModelSpec } from "./spec.js";

/** The manifest of a weight file. */
export interface WeightsManifest {
  readonly format: "qkern-weights-1";
  readonly model: string;
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[]; readonly offset: number; readonly length: number }>;
}

/**
 * Writes a model's weights as a manifest and a binary.
 *
 * @example
 * ```ts
 * const { manifest, data } = exportWeights(mobileNetV2(1));
 * // store JSON.stringify(manifest) and data; later: importWeights(mobileNetV2(), manifest, data)
 * ```
 */
export function exportWeights(spec: ModelSpec): { manifest: WeightsManifest; data: Uint8Array } {
  const tensors: { name: string; shape: readonly number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const l of spec.layers) {
    if (!("weights" in l)) continue;
    tensors.push({ name: `${l.name}.weights`, shape: l.shape, offset, length: l.weights.length });
    offset += 4 * l.weights.length;
    tensors.push({ name: `${l.name}.bias`, shape: [l.bias.length], offset, length: l.bias.length });
    offset += 4 * l.bias.length;
  }
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  let i = 0;
  for (const l of spec.layers) {
    if (!("weights" in l)) continue;
    for (const arr of [l.weights, l.bias]) for (const v of arr) view.setFloat32(4 * i++, v, true);
  }
  return { manifest: { format: "qkern-weights-1", model: spec.name, tensors }, data };
}

/**
 * Returns `spec` with weights and biases replaced from a manifest and binary (shapes must match).
 *
 * @example
 * ```ts
 * const spec = squeezeNet11(1);
 * const { manifest, data } = exportWeights(spec);             // JSON manifest + one float32 binary
 * const restored = importWeights(squeezeNet11(2), manifest, data); // the architecture with spec's weights
 * console.log(parameterCount(restored) === parameterCount(spec));
 * ```
 */
export function importWeights(spec: ModelSpec, manifest: WeightsManifest, data: Uint8Array): ModelSpec {
  const op = "importWeights";
  if (manifest?.format !== "qkern-weights-1") throw new QkernError(op, "manifest.format", `must be 'qkern-weights-1', got ${String(manifest?.format)}`);
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (name: string, shape: readonly number[]): Float32Array => {
    const t = byName.get(name);
    if (!t) throw new QkernError(op, "manifest.tensors", `has no tensor ${name} (model ${spec.name})`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.length !== n || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new QkernError(op, "manifest.tensors", `${name} has shape [${t.shape.join(",")}], the model needs [${shape.join(",")}]`);
    }
    if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset + 4 * n > data.byteLength) {
      throw new QkernError(op, "data", `${name} at bytes ${t.offset}..${t.offset + 4 * n} lies outside the ${data.byteLength}-byte binary`);
    }
    return Float32Array.from({ length: n }, (_, i) => view.getFloat32(t.offset + 4 * i, true));
  };
  const layers = spec.layers.map((l): LayerSpec => {
    if (!("weights" in l)) return l;
    return { ...l, weights: read(`${l.name}.weights`, l.shape), bias: read(`${l.name}.bias`, [l.bias.length]) } as LayerSpec;
  });
  return { ...spec, layers };
}
