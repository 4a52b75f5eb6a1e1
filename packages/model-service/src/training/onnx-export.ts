/**
 * Writes a trained linear model as an ONNX "embedding bag" graph (opset 17, IR 8):
 *
 *   featureIds int64 [batch, n] ─Gather(table [V, K])─▶ [batch, n, K]
 *   featureWeights float32 [batch, n] ─Unsqueeze(axis 2)─▶ [batch, n, 1]
 *   Mul ─▶ ReduceSum(axis 1) ─▶ Add(bias [K]) ─▶ logits [batch, K] ─▶ Softmax ─▶ probabilities
 *
 * The word-vector part of the linear model (mean of vectors, then a [dim, K] layer) is folded into
 * the table: row `gloveOffset + i` = vector(i) · projection, so ONNX needs no [vocab, dim] matrix.
 * Only training imports this file (onnx-proto is a dev dependency).
 */
import onnxProto from 'onnx-proto';
import { ONNX_IO } from '../serving/artifacts.ts';
import type { Featurizer } from '../features/featurizer.ts';
import type { LinearModel, WordVectors } from './linear.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function float32Raw(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true); // little-endian, as ONNX requires
  return bytes;
}

function int64Raw(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/**
 * The full weight table [tableSize, K] as float32: n-gram rows from the model, then one row per
 * pretrained word = its vector times the model's dense projection.
 */
export function foldedTable(featurizer: Featurizer, model: LinearModel, wordVectors: WordVectors | undefined): Float32Array {
  const K = model.classes;
  const table = new Float32Array(featurizer.tableSize * K);
  table.set(model.table.subarray(0, featurizer.gloveOffset * K));
  const gloveCount = featurizer.tableSize - featurizer.gloveOffset;
  if (gloveCount > 0) {
    if (!wordVectors || wordVectors.dim !== model.dim) throw new Error('word vectors do not match the model');
    const { dim, vectors } = wordVectors;
    for (let g = 0; g < gloveCount; g++) {
      for (let c = 0; c < K; c++) {
        let sum = 0;
        for (let d = 0; d < dim; d++) sum += (vectors[g * dim + d] ?? 0) * (model.projection[d * K + c] ?? 0);
        table[(featurizer.gloveOffset + g) * K + c] = sum;
      }
    }
  }
  return table;
}

/** Serialises the ONNX graph for a weight table [rows, K] and bias [K]. */
export function buildOnnxModel(table: Float32Array, bias: ArrayLike<number>, classes: number, docString: string): Uint8Array {
  const rows = table.length / classes;
  const dims = (...names: string[]) => ({ dim: names.map((name) => ({ dimParam: name })) });
  const tensorInfo = (name: string, elemType: number, ...names: string[]) => ({
    name,
    type: { tensorType: { elemType, shape: dims(...names) } },
  });
  const graph = onnx.GraphProto.create({
    name: 'emotion_embedding_bag',
    initializer: [
      onnx.TensorProto.create({ name: 'table', dims: [rows, classes], dataType: FLOAT, rawData: float32Raw(table) }),
      onnx.TensorProto.create({ name: 'bias', dims: [classes], dataType: FLOAT, rawData: float32Raw(bias) }),
      onnx.TensorProto.create({ name: 'axis1', dims: [1], dataType: INT64, rawData: int64Raw([1]) }),
      onnx.TensorProto.create({ name: 'axis2', dims: [1], dataType: INT64, rawData: int64Raw([2]) }),
    ],
    node: [
      onnx.NodeProto.create({
        name: 'gather',
        opType: 'Gather',
        input: ['table', ONNX_IO.ids],
        output: ['rows'],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      }),
      // Since opset 13 the axes of Unsqueeze and ReduceSum are inputs, not attributes.
      onnx.NodeProto.create({ name: 'unsqueeze', opType: 'Unsqueeze', input: [ONNX_IO.weights, 'axis2'], output: ['w3'] }),
      onnx.NodeProto.create({ name: 'mul', opType: 'Mul', input: ['rows', 'w3'], output: ['weighted'] }),
      onnx.NodeProto.create({
        name: 'sum',
        opType: 'ReduceSum',
        input: ['weighted', 'axis1'],
        output: ['summed'],
        attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      }),
      onnx.NodeProto.create({ name: 'add_bias', opType: 'Add', input: ['summed', 'bias'], output: [ONNX_IO.logits] }),
      onnx.NodeProto.create({
        name: 'softmax',
        opType: 'Softmax',
        input: [ONNX_IO.logits],
        output: [ONNX_IO.probabilities],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
      }),
    ],
    input: [tensorInfo(ONNX_IO.ids, INT64, 'batch', 'features'), tensorInfo(ONNX_IO.weights, FLOAT, 'batch', 'features')],
    output: [
      {
        name: ONNX_IO.probabilities,
        type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: classes }] } } },
      },
    ],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: '@sentiment/model-service',
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
