// peers/ (dev only, not in the npm package): the peer libraries and the graphs qkern is compared
// with, shared by bench/ and test/peers/.
//
// onnxruntime-web as a peer: its wasm backend on one thread in Node, and single-node ONNX graphs
// built in code with onnx-proto, so each ORT task is exactly one operator on qkern's shapes
// (test/peers/ort-conformance.test.ts also builds graphs of many independent nodes, one per case).
// Nodes may carry integer attributes and may chain: a value one node outputs and another reads
// (e.g. Transpose → QLinearConv → Transpose) is internal, neither a graph input nor an output.
import onnxProto from 'onnx-proto';

export type Ort = typeof import('onnxruntime-web');
type Session = import('onnxruntime-web').InferenceSession;

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

/** The ONNX element types the benches use, by their ORT tensor type names. */
const ELEM = {
  float32: { type: DataType.FLOAT, array: Float32Array },
  int8: { type: DataType.INT8, array: Int8Array },
  uint8: { type: DataType.UINT8, array: Uint8Array },
  int32: { type: DataType.INT32, array: Int32Array },
} as const;
export type OnnxDType = keyof typeof ELEM;

/** A graph input, output or initializer (the latter with `values`). */
export interface OnnxValue {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
  readonly values?: ArrayLike<number>;
}

/** Integer attributes of a node (`group: 3`, `pads: [1, 1, 1, 1]`, `perm: [0, 2, 3, 1]`). */
export type OnnxAttributes = Readonly<Record<string, number | readonly number[]>>;

/**
 * One operator of a graph: `inputs` in operator order (graph inputs, initializers, or outputs of
 * other nodes), then outputs.
 */
export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  readonly attributes?: OnnxAttributes;
}

/** A graph of one operator. */
export interface SingleNode extends OnnxNode {
  /** Default 13. */
  readonly opset?: number;
}

/** Loads onnxruntime-web (in Node its package exports resolve to the node build of the wasm backend). */
export async function loadOrt(): Promise<Ort> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}

function valueInfo(v: OnnxValue): import('onnx-proto').onnx.IValueInfoProto {
  return {
    name: v.name,
    type: { tensorType: { elemType: ELEM[v.dtype].type, shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
  };
}

function attributeProtos(a: OnnxAttributes | undefined): import('onnx-proto').onnx.IAttributeProto[] {
  const Type = onnx.AttributeProto.AttributeType;
  return Object.entries(a ?? {}).map(([name, v]) => (typeof v === 'number'
    ? { name, type: Type.INT, i: v }
    : { name, type: Type.INTS, ints: [...v] }));
}

/**
 * Encodes a model of operators (default opset 13); inputs with `values` become initializers,
 * inputs no node produces become graph inputs, outputs no node reads become graph outputs; values
 * are identified by name (listed once). Several nodes in one model share one session, which costs
 * far less than one session per node when many small cases are compared. `extraOutputs` makes
 * values that nodes also read graph outputs too (intermediate tensors, e.g. to locate a mismatch).
 */
export function graphModel(nodes: readonly OnnxNode[], opset = 13, extraOutputs: readonly OnnxValue[] = []): Uint8Array {
  const produced = new Set(nodes.flatMap((n) => n.outputs.map((v) => v.name)));
  const consumed = new Set(nodes.flatMap((n) => n.inputs.map((v) => v.name)));
  const inputs = [...new Map(nodes.flatMap((n) => n.inputs).filter((v) => !produced.has(v.name)).map((v) => [v.name, v])).values()];
  const initializer = inputs.flatMap((v) => {
    if (v.values === undefined) return [];
    const typed = ELEM[v.dtype].array.from(v.values);
    const rawData = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    return [{ name: v.name, dataType: ELEM[v.dtype].type, dims: [...v.shape], rawData }];
  });
  const model = onnx.ModelProto.create({
    irVersion: opset >= 21 ? 10 : opset >= 19 ? 9 : 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'qkern-bench',
    graph: {
      name: nodes.map((n) => n.op).join('_'),
      node: nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs.map((v) => v.name),
        output: n.outputs.map((v) => v.name),
        attribute: attributeProtos(n.attributes),
      })),
      initializer,
      input: inputs.filter((v) => v.values === undefined).map(valueInfo),
      output: [...nodes.flatMap((n) => n.outputs).filter((v) => !consumed.has(v.name)), ...extraOutputs.filter((v) => consumed.has(v.name))].map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Encodes a one-node ONNX model; inputs with `values` become initializers. */
export function singleNodeModel(spec: SingleNode): Uint8Array {
  return graphModel([spec], spec.opset);
}

/** An ORT session (wasm execution provider) for a one-node model. Create once per case; `release()` it. */
export function ortSession(ort: Ort, spec: SingleNode): Promise<Session> {
  return ortGraphSession(ort, [spec], spec.opset);
}

/** An ORT session for a model of several independent nodes (see `graphModel`). */
export function ortGraphSession(ort: Ort, nodes: readonly OnnxNode[], opset?: number): Promise<Session> {
  return ort.InferenceSession.create(graphModel(nodes, opset), { executionProviders: ['wasm'] });
}
