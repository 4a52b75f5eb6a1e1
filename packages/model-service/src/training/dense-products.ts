/**
 * The dense block's two matrix products of a fit (`linear.ts` {@link DenseProducts}) in ONNX
 * Runtime: its CPU MatMul on double runs MLAS's blocked GEMM, about 15x the scalar JS loop on the
 * 612-wide block of the joint model (src/training/README.md). Everything else in a fit stays JS.
 *
 * Two one-node graphs, one session each (ORT runs a whole graph whatever outputs are asked for,
 * so forward and gradient in one graph would do both products on every call):
 *
 *   forward:  dense [rows, dim] · projection [dim, K] → logits [rows, K]
 *   gradient: denseT [dim, rows] · rowGrad [rows, K] → projectionGrad [dim, K]
 *
 * Xd and its transpose are graph inputs fed from arrays made once per fit: onnxruntime-node wraps
 * a CPU tensor's buffer without copying. MatMul on the stored transpose is about 3x Gemm with
 * transA on Xd. Baking Xd into the graph as an initializer was no faster (measured in the README).
 */
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { trainLinear, trainLinearAsync, type Dataset, type DenseProducts, type LinearModel, type LinearOptions } from './linear.ts';

const { onnx } = onnxProto;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;

/**
 * Narrowest dense block for which {@link fitLinear} uses ONNX Runtime. Measured per evaluation of
 * the objective on ISEAR rows (README): below this width the JS loop is about as fast.
 */
export const ORT_DENSE_MIN_DIM = 64;

/** {@link DenseProducts} that also hold native sessions, released by `close`. */
export interface OrtDenseProducts extends DenseProducts {
  close(): Promise<void>;
}

/** A graph with one MatMul `a · b → out`, shapes fixed, all double. */
function matMulModel(a: [string, number, number], b: [string, number, number], out: string): Uint8Array {
  const info = (name: string, rows: number, cols: number) => ({
    name,
    type: { tensorType: { elemType: DOUBLE, shape: { dim: [{ dimValue: rows }, { dimValue: cols }] } } },
  });
  const graph = onnx.GraphProto.create({
    name: `dense_${out}`,
    node: [onnx.NodeProto.create({ name: 'matmul', opType: 'MatMul', input: [a[0], b[0]], output: [out] })],
    input: [info(...a), info(...b)],
    output: [info(out, a[1], b[2])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: '@sentiment/model-service',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Opens the two sessions for `data.dense` ([rows, dim], row-major) and K classes. One intra-op and
 * one inter-op thread each: fits already run side by side in `joint-fit-pool.ts`'s workers.
 * Memory: one transposed copy of the dense block (rows × dim doubles) for the fit's lifetime.
 * @throws {RangeError} when the dataset has no rows or no dense columns.
 */
export async function openOrtDenseProducts(data: Dataset, classes: number): Promise<OrtDenseProducts> {
  const { rows, dim, dense } = data;
  if (rows === 0 || dim === 0) throw new RangeError(`dense products need rows and dense columns, got ${rows} × ${dim}`);
  const transposed = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) transposed[d * rows + r] = dense[r * dim + d]!;
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const forward = await ort.InferenceSession.create(matMulModel(['dense', rows, dim], ['projection', dim, classes], 'logits'), options);
  const gradient = await ort.InferenceSession.create(matMulModel(['denseT', dim, rows], ['rowGrad', rows, classes], 'projectionGrad'), options).catch(
    async (error: unknown) => {
      await forward.release();
      throw error;
    },
  );
  const denseTensor = new ort.Tensor('float64', dense, [rows, dim]);
  const transposedTensor = new ort.Tensor('float64', transposed, [dim, rows]);
  return {
    async forward(projection) {
      const out = await forward.run({ dense: denseTensor, projection: new ort.Tensor('float64', projection, [dim, classes]) });
      return out['logits']!.data as Float64Array;
    },
    async gradient(g) {
      const out = await gradient.run({ denseT: transposedTensor, rowGrad: new ort.Tensor('float64', g, [rows, classes]) });
      return out['projectionGrad']!.data as Float64Array;
    },
    async close() {
      await Promise.all([forward.release(), gradient.release()]);
    },
  };
}

/**
 * Fits the linear model the fastest measured way: with a dense block of at least
 * {@link ORT_DENSE_MIN_DIM} columns and 7 classes, {@link trainLinearAsync} with the products in
 * ONNX Runtime; otherwise the all-JS {@link trainLinear}. Arguments as {@link trainLinear}.
 */
export async function fitLinear(
  data: Dataset,
  y: readonly number[],
  classes: number,
  tableRows: number,
  options: LinearOptions,
  onProgress?: (iteration: number, objective: number) => void,
): Promise<LinearModel> {
  if (data.dim < ORT_DENSE_MIN_DIM || classes !== 7 || data.rows === 0) return trainLinear(data, y, classes, tableRows, options, onProgress);
  const dense = await openOrtDenseProducts(data, classes);
  try {
    return await trainLinearAsync(data, y, classes, tableRows, options, dense, onProgress);
  } finally {
    await dense.close();
  }
}
