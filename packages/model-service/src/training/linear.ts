/**
 * Multinomial logistic regression (softmax) over sparse TF-IDF features plus a dense
 * word-vector mean, trained by full-batch L-BFGS. This is the training code's own forward pass;
 * `onnx-export.ts` writes the same function as an ONNX graph and the parity test compares both.
 */
import type { Featurizer, SparseFeatures } from '../features/featurizer.ts';

/** Features of N texts in the form training needs: CSR n-gram part and a dense vector part. */
export interface Dataset {
  rows: number;
  /** CSR row pointers, length rows + 1, into `ids`/`weights`. */
  indptr: Int32Array;
  /** n-gram ids (1 … gloveOffset-1). */
  ids: Int32Array;
  weights: Float64Array;
  /** Dense part, rows × dim: glove.scale × mean word vector (zeros when no word is found). */
  dense: Float64Array;
  dim: number;
}

/** Pretrained vectors for `glove.vocab`, row-major [vocab, dim]. */
export interface WordVectors {
  dim: number;
  vectors: Float32Array;
}

/**
 * Converts texts to a {@link Dataset}: n-gram features stay sparse; the word-vector bag entries
 * (ids ≥ gloveOffset, weight scale/found each) are summed against `wordVectors` into a dense row.
 */
export function buildDataset(featurizer: Featurizer, texts: readonly string[], wordVectors: WordVectors | undefined): Dataset {
  const dim = featurizer.config.glove && wordVectors ? wordVectors.dim : 0;
  const features: SparseFeatures[] = texts.map((text) => featurizer.features(text));
  const indptr = new Int32Array(texts.length + 1);
  let nnz = 0;
  features.forEach((f, r) => {
    nnz += f.ids.filter((id) => id < featurizer.gloveOffset).length;
    indptr[r + 1] = nnz;
  });
  const ids = new Int32Array(nnz);
  const weights = new Float64Array(nnz);
  const dense = new Float64Array(texts.length * dim);
  let k = 0;
  features.forEach((f, r) => {
    f.ids.forEach((id, j) => {
      const w = f.weights[j] ?? 0;
      if (id < featurizer.gloveOffset) {
        ids[k] = id;
        weights[k] = w;
        k++;
      } else if (wordVectors && dim > 0) {
        const base = (id - featurizer.gloveOffset) * dim;
        for (let d = 0; d < dim; d++) dense[r * dim + d] = (dense[r * dim + d] ?? 0) + w * (wordVectors.vectors[base + d] ?? 0);
      }
    });
  });
  return { rows: texts.length, indptr, ids, weights, dense, dim };
}

/** Trained parameters. `table` rows are n-gram ids (row 0 = padding, all zeros). */
export interface LinearModel {
  classes: number;
  /** [tableRows, classes] */
  table: Float64Array;
  tableRows: number;
  /** [dim, classes]: output layer of the dense part (empty when dim = 0). */
  projection: Float64Array;
  dim: number;
  bias: Float64Array;
}

/** Hyper-parameters of {@link trainLinear}. */
export interface LinearOptions {
  /** L2 penalty on n-gram weights (objective: mean cross-entropy + l2/2 · ‖W‖²). */
  l2: number;
  /** L2 penalty on the dense projection. */
  l2Dense: number;
  /** L-BFGS iterations. */
  maxIterations: number;
  /** L-BFGS history size. */
  memory: number;
  /**
   * Stop early once the objective fell by less than `tolerance` × |objective| over the last
   * {@link TOLERANCE_WINDOW} iterations (0 or absent: run all `maxIterations` unless no step
   * improves at all).
   */
  tolerance?: number;
}

/** Iterations over which {@link LinearOptions.tolerance} measures progress. */
export const TOLERANCE_WINDOW = 10;

/**
 * Chosen on the first CV folds of ISEAR train.csv (tuning log in MODEL_CARD.md): a stronger or
 * weaker n-gram penalty (5e-5, 2e-4, 3e-4) was no better than 1e-4; the word-vector layer did best
 * with 10x the n-gram penalty (1e-3 against 1e-5, 1e-4, 3e-3 and 1e-2).
 */
export const DEFAULT_LINEAR_OPTIONS: LinearOptions = {
  l2: 1e-4,
  l2Dense: 1e-3,
  maxIterations: 300,
  memory: 10,
  // No `tolerance` (no early stop), so model.json's hyper-parameters keep their shape: 5e-4 ended
  // ISEAR CV fits near iteration 220 and cost the first fold 0.0025 accuracy (0.611 against
  // 0.614), more than the 0.002 allowed (src/training/README.md).
};

/** Row-wise softmax of `logits` [rows, classes] in place (max-subtracted, so it never overflows). */
export function softmaxRows(logits: Float64Array, classes: number): Float64Array {
  for (let r = 0; r < logits.length / classes; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c] ?? 0);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((logits[o + c] ?? 0) - max);
      logits[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) logits[o + c] = (logits[o + c] ?? 0) / sum;
  }
  return logits;
}

/** Logits [rows, classes] of the linear model for a dataset (the training code's forward pass). */
export function logits(model: LinearModel, data: Dataset): Float64Array {
  return logitsOf(model.table, model.projection, model.bias, model.classes, data);
}

/** Probabilities [rows, classes] of the linear model for a dataset. */
export function predictProba(model: LinearModel, data: Dataset): Float64Array {
  return softmaxRows(logits(model, data), model.classes);
}

function logitsOf(table: Float64Array, projection: Float64Array, bias: Float64Array, K: number, data: Dataset): Float64Array {
  const out = new Float64Array(data.rows * K);
  const { indptr, ids, weights, dense, dim } = data;
  for (let r = 0; r < data.rows; r++) rowLogits(table, projection, bias, K, indptr, ids, weights, dense, dim, r, out, r * K);
  return out;
}

/**
 * Logits of row `r` into `out[o … o+K)`. The hot loop of training: typed-array reads without
 * fallbacks (every index is in range by construction), summed in the same order as always, so
 * results are bit-for-bit those of the earlier two-pass code.
 */
function rowLogits(
  table: Float64Array,
  projection: Float64Array,
  bias: Float64Array,
  K: number,
  indptr: Int32Array,
  ids: Int32Array,
  weights: Float64Array,
  dense: Float64Array,
  dim: number,
  r: number,
  out: Float64Array,
  o: number,
): void {
  for (let c = 0; c < K; c++) out[o + c] = bias[c]!;
  const end = indptr[r + 1]!;
  for (let k = indptr[r]!; k < end; k++) {
    const base = ids[k]! * K;
    const w = weights[k]!;
    for (let c = 0; c < K; c++) out[o + c]! += w * table[base + c]!;
  }
  const row = r * dim;
  for (let d = 0; d < dim; d++) {
    const x = dense[row + d]!;
    if (x === 0) continue;
    const base = d * K;
    for (let c = 0; c < K; c++) out[o + c]! += x * projection[base + c]!;
  }
}

/**
 * The training objective (mean cross-entropy + l2/2 · ‖table‖² + l2Dense/2 · ‖projection‖²) as a
 * function of θ = [table | projection | bias] ([tableRows·K | dim·K | K]), all in JS: it returns
 * the objective and writes its gradient into `grad` (same length as θ, overwritten).
 */
export function linearObjective(
  data: Dataset,
  y: readonly number[],
  classes: number,
  tableRows: number,
  options: Pick<LinearOptions, 'l2' | 'l2Dense'>,
): (theta: Float64Array, grad: Float64Array) => number {
  const K = classes;
  const nTable = tableRows * K;
  const nProj = data.dim * K;
  const labels = Int32Array.from(y);
  const scratch = new Float64Array(K);
  return (theta, grad) => {
    const p = splitTheta(theta, nTable, nProj);
    const g = splitTheta(grad, nTable, nProj);
    grad.fill(0);
    const loss =
      K === 7
        ? dataLoss7(data, labels, p.table, p.projection, p.bias, g.table, g.projection, g.bias)
        : dataLoss(data, labels, K, p.table, p.projection, p.bias, g.table, g.projection, g.bias, scratch);
    return loss + penalty(p, g, options);
  };
}

/**
 * The two products of the dense block that dominate a fit once the block is wide (612 columns with
 * the sentence encoder), computed elsewhere (ONNX Runtime in `dense-products.ts`). Xd is
 * `Dataset.dense` of the dataset the implementation was made for.
 */
export interface DenseProducts {
  /** Xd · P: `projection` P is [dim, K] row-major; returns [rows, K] row-major. */
  forward(projection: Float64Array): Promise<Float64Array>;
  /** Xdᵀ · G: `g` G is [rows, K] row-major; returns [dim, K] row-major. */
  gradient(g: Float64Array): Promise<Float64Array>;
}

/**
 * {@link linearObjective} with the dense block's products done by `dense` and the rest (sparse
 * n-grams, bias, softmax, loss, penalties) in JS. Same objective up to summation order (the
 * unit test holds it to 1e-9 relative). Only for 7 classes, the app's labels.
 * @throws {RangeError} when `classes` is not 7.
 */
export function linearObjectiveWithDense(
  data: Dataset,
  y: readonly number[],
  classes: number,
  tableRows: number,
  options: Pick<LinearOptions, 'l2' | 'l2Dense'>,
  dense: DenseProducts,
): (theta: Float64Array, grad: Float64Array) => Promise<number> {
  if (classes !== 7) throw new RangeError(`the dense-products objective is written for 7 classes, got ${classes}`);
  const K = classes;
  const nTable = tableRows * K;
  const nProj = data.dim * K;
  const labels = Int32Array.from(y);
  const rowGrad = new Float64Array(data.rows * K);
  return async (theta, grad) => {
    const p = splitTheta(theta, nTable, nProj);
    const g = splitTheta(grad, nTable, nProj);
    grad.fill(0);
    const zDense = await dense.forward(p.projection);
    const loss = sparseLoss7(data, labels, p.table, p.bias, zDense, g.table, g.bias, rowGrad);
    g.projection.set(await dense.gradient(rowGrad));
    return loss + penalty(p, g, options);
  };
}

interface ThetaParts {
  table: Float64Array;
  projection: Float64Array;
  bias: Float64Array;
}

/** Views of θ = [table | projection | bias]; they share memory with θ. */
function splitTheta(theta: Float64Array, nTable: number, nProj: number): ThetaParts {
  return {
    table: theta.subarray(0, nTable),
    projection: theta.subarray(nTable, nTable + nProj),
    bias: theta.subarray(nTable + nProj),
  };
}

/** The L2 terms: adds their gradient into `g`, returns l2/2 · ‖table‖² + l2Dense/2 · ‖projection‖². */
function penalty(p: ThetaParts, g: ThetaParts, options: Pick<LinearOptions, 'l2' | 'l2Dense'>): number {
  let reg = 0;
  for (let i = 0; i < p.table.length; i++) {
    const t = p.table[i]!;
    reg += options.l2 * t * t;
    g.table[i]! += options.l2 * t;
  }
  for (let i = 0; i < p.projection.length; i++) {
    const t = p.projection[i]!;
    reg += options.l2Dense * t * t;
    g.projection[i]! += options.l2Dense * t;
  }
  return reg / 2;
}

/**
 * Trains the softmax model on `data` with labels `y` (class indexes) by full-batch L-BFGS
 * (two-loop recursion, Armijo backtracking). Deterministic: starts from zeros, no randomness.
 * All arithmetic in JS (the reference for {@link trainLinearAsync}).
 * @param onProgress called after each iteration with (iteration, objective).
 */
export function trainLinear(
  data: Dataset,
  y: readonly number[],
  classes: number,
  tableRows: number,
  options: LinearOptions,
  onProgress?: (iteration: number, objective: number) => void,
): LinearModel {
  const size = (tableRows + data.dim + 1) * classes;
  const evaluate = linearObjective(data, y, classes, tableRows, options);
  const steps = lbfgs(size, options.maxIterations, options.memory, options.tolerance ?? 0, onProgress);
  let step = steps.next();
  while (!step.done) step = steps.next(evaluate(step.value.theta, step.value.grad));
  return modelOf(step.value, data.dim, classes, tableRows);
}

/**
 * {@link trainLinear} with the dense block's matrix products done by `dense` (the same L-BFGS
 * steps; results equal up to summation order, not bit for bit). 7 classes only.
 * @throws {RangeError} when `classes` is not 7.
 */
export async function trainLinearAsync(
  data: Dataset,
  y: readonly number[],
  classes: number,
  tableRows: number,
  options: LinearOptions,
  dense: DenseProducts,
  onProgress?: (iteration: number, objective: number) => void,
): Promise<LinearModel> {
  const size = (tableRows + data.dim + 1) * classes;
  const evaluate = linearObjectiveWithDense(data, y, classes, tableRows, options, dense);
  const steps = lbfgs(size, options.maxIterations, options.memory, options.tolerance ?? 0, onProgress);
  let step = steps.next();
  while (!step.done) step = steps.next(await evaluate(step.value.theta, step.value.grad));
  return modelOf(step.value, data.dim, classes, tableRows);
}

function modelOf(theta: Float64Array, dim: number, classes: number, tableRows: number): LinearModel {
  const p = splitTheta(theta, tableRows * classes, dim * classes);
  return {
    classes,
    table: Float64Array.from(p.table),
    tableRows,
    projection: Float64Array.from(p.projection),
    dim,
    bias: Float64Array.from(p.bias),
  };
}

/**
 * The per-row part of {@link linearObjectiveWithDense}: like {@link dataLoss7}, but the dense
 * block's logits come in as `zDense` [rows, 7] and, instead of scattering the dense gradient, it
 * writes each row's dLoss/dLogits / N into `rowGrad` [rows, 7] for the caller's Xdᵀ · G.
 */
function sparseLoss7(
  data: Dataset,
  y: Int32Array,
  table: Float64Array,
  bias: Float64Array,
  zDense: Float64Array,
  gTable: Float64Array,
  gBias: Float64Array,
  rowGrad: Float64Array,
): number {
  const { indptr, ids, weights } = data;
  const N = data.rows;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!,
    b3 = bias[3]!,
    b4 = bias[4]!,
    b5 = bias[5]!,
    b6 = bias[6]!;
  let loss = 0;
  let gb0 = 0,
    gb1 = 0,
    gb2 = 0,
    gb3 = 0,
    gb4 = 0,
    gb5 = 0,
    gb6 = 0;
  for (let r = 0; r < N; r++) {
    const o = r * 7;
    let z0 = b0 + zDense[o]!,
      z1 = b1 + zDense[o + 1]!,
      z2 = b2 + zDense[o + 2]!,
      z3 = b3 + zDense[o + 3]!,
      z4 = b4 + zDense[o + 4]!,
      z5 = b5 + zDense[o + 5]!,
      z6 = b6 + zDense[o + 6]!;
    const start = indptr[r]!;
    const end = indptr[r + 1]!;
    for (let k = start; k < end; k++) {
      const t = ids[k]! * 7;
      const w = weights[k]!;
      z0 += w * table[t]!;
      z1 += w * table[t + 1]!;
      z2 += w * table[t + 2]!;
      z3 += w * table[t + 3]!;
      z4 += w * table[t + 4]!;
      z5 += w * table[t + 5]!;
      z6 += w * table[t + 6]!;
    }
    const max = Math.max(z0, z1, z2, z3, z4, z5, z6);
    z0 = Math.exp(z0 - max);
    z1 = Math.exp(z1 - max);
    z2 = Math.exp(z2 - max);
    z3 = Math.exp(z3 - max);
    z4 = Math.exp(z4 - max);
    z5 = Math.exp(z5 - max);
    z6 = Math.exp(z6 - max);
    // Each row's gradient is divided by N here, once, so Xdᵀ · G is already the mean.
    const scale = 1 / (z0 + z1 + z2 + z3 + z4 + z5 + z6);
    z0 *= scale;
    z1 *= scale;
    z2 *= scale;
    z3 *= scale;
    z4 *= scale;
    z5 *= scale;
    z6 *= scale;
    switch (y[r]) {
      case 0:
        loss -= Math.log(Math.max(z0, 1e-300));
        z0 -= 1;
        break;
      case 1:
        loss -= Math.log(Math.max(z1, 1e-300));
        z1 -= 1;
        break;
      case 2:
        loss -= Math.log(Math.max(z2, 1e-300));
        z2 -= 1;
        break;
      case 3:
        loss -= Math.log(Math.max(z3, 1e-300));
        z3 -= 1;
        break;
      case 4:
        loss -= Math.log(Math.max(z4, 1e-300));
        z4 -= 1;
        break;
      case 5:
        loss -= Math.log(Math.max(z5, 1e-300));
        z5 -= 1;
        break;
      default:
        loss -= Math.log(Math.max(z6, 1e-300));
        z6 -= 1;
    }
    z0 /= N;
    z1 /= N;
    z2 /= N;
    z3 /= N;
    z4 /= N;
    z5 /= N;
    z6 /= N;
    rowGrad[o] = z0;
    rowGrad[o + 1] = z1;
    rowGrad[o + 2] = z2;
    rowGrad[o + 3] = z3;
    rowGrad[o + 4] = z4;
    rowGrad[o + 5] = z5;
    rowGrad[o + 6] = z6;
    gb0 += z0;
    gb1 += z1;
    gb2 += z2;
    gb3 += z3;
    gb4 += z4;
    gb5 += z5;
    gb6 += z6;
    for (let k = start; k < end; k++) {
      const t = ids[k]! * 7;
      const w = weights[k]!;
      gTable[t]! += w * z0;
      gTable[t + 1]! += w * z1;
      gTable[t + 2]! += w * z2;
      gTable[t + 3]! += w * z3;
      gTable[t + 4]! += w * z4;
      gTable[t + 5]! += w * z5;
      gTable[t + 6]! += w * z6;
    }
  }
  gBias[0]! += gb0;
  gBias[1]! += gb1;
  gBias[2]! += gb2;
  gBias[3]! += gb3;
  gBias[4]! += gb4;
  gBias[5]! += gb5;
  gBias[6]! += gb6;
  return loss / N;
}

/**
 * {@link dataLoss} for exactly 7 classes (the app's labels), with the class loop unrolled into
 * locals so a row's logits and its softmax stay in registers. Same operations in the same order
 * as the generic loop, so the same bits.
 */
function dataLoss7(
  data: Dataset,
  y: Int32Array,
  table: Float64Array,
  projection: Float64Array,
  bias: Float64Array,
  gTable: Float64Array,
  gProjection: Float64Array,
  gBias: Float64Array,
): number {
  const { indptr, ids, weights, dense, dim } = data;
  const N = data.rows;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!,
    b3 = bias[3]!,
    b4 = bias[4]!,
    b5 = bias[5]!,
    b6 = bias[6]!;
  let loss = 0;
  let gb0 = 0,
    gb1 = 0,
    gb2 = 0,
    gb3 = 0,
    gb4 = 0,
    gb5 = 0,
    gb6 = 0;
  for (let r = 0; r < N; r++) {
    let z0 = b0,
      z1 = b1,
      z2 = b2,
      z3 = b3,
      z4 = b4,
      z5 = b5,
      z6 = b6;
    const start = indptr[r]!;
    const end = indptr[r + 1]!;
    for (let k = start; k < end; k++) {
      const t = ids[k]! * 7;
      const w = weights[k]!;
      z0 += w * table[t]!;
      z1 += w * table[t + 1]!;
      z2 += w * table[t + 2]!;
      z3 += w * table[t + 3]!;
      z4 += w * table[t + 4]!;
      z5 += w * table[t + 5]!;
      z6 += w * table[t + 6]!;
    }
    const row = r * dim;
    for (let d = 0; d < dim; d++) {
      const x = dense[row + d]!;
      if (x === 0) continue;
      const t = d * 7;
      z0 += x * projection[t]!;
      z1 += x * projection[t + 1]!;
      z2 += x * projection[t + 2]!;
      z3 += x * projection[t + 3]!;
      z4 += x * projection[t + 4]!;
      z5 += x * projection[t + 5]!;
      z6 += x * projection[t + 6]!;
    }
    let max = -Infinity;
    max = Math.max(max, z0);
    max = Math.max(max, z1);
    max = Math.max(max, z2);
    max = Math.max(max, z3);
    max = Math.max(max, z4);
    max = Math.max(max, z5);
    max = Math.max(max, z6);
    z0 = Math.exp(z0 - max);
    let sum = z0;
    z1 = Math.exp(z1 - max);
    sum += z1;
    z2 = Math.exp(z2 - max);
    sum += z2;
    z3 = Math.exp(z3 - max);
    sum += z3;
    z4 = Math.exp(z4 - max);
    sum += z4;
    z5 = Math.exp(z5 - max);
    sum += z5;
    z6 = Math.exp(z6 - max);
    sum += z6;
    z0 /= sum;
    z1 /= sum;
    z2 /= sum;
    z3 /= sum;
    z4 /= sum;
    z5 /= sum;
    z6 /= sum;
    // Now dLoss/dLogits for this row: probabilities minus the one-hot label.
    switch (y[r]) {
      case 0:
        loss -= Math.log(Math.max(z0, 1e-300));
        z0 -= 1;
        break;
      case 1:
        loss -= Math.log(Math.max(z1, 1e-300));
        z1 -= 1;
        break;
      case 2:
        loss -= Math.log(Math.max(z2, 1e-300));
        z2 -= 1;
        break;
      case 3:
        loss -= Math.log(Math.max(z3, 1e-300));
        z3 -= 1;
        break;
      case 4:
        loss -= Math.log(Math.max(z4, 1e-300));
        z4 -= 1;
        break;
      case 5:
        loss -= Math.log(Math.max(z5, 1e-300));
        z5 -= 1;
        break;
      default:
        loss -= Math.log(Math.max(z6, 1e-300));
        z6 -= 1;
    }
    gb0 += z0 / N;
    gb1 += z1 / N;
    gb2 += z2 / N;
    gb3 += z3 / N;
    gb4 += z4 / N;
    gb5 += z5 / N;
    gb6 += z6 / N;
    for (let k = start; k < end; k++) {
      const t = ids[k]! * 7;
      const w = weights[k]! / N;
      gTable[t]! += w * z0;
      gTable[t + 1]! += w * z1;
      gTable[t + 2]! += w * z2;
      gTable[t + 3]! += w * z3;
      gTable[t + 4]! += w * z4;
      gTable[t + 5]! += w * z5;
      gTable[t + 6]! += w * z6;
    }
    for (let d = 0; d < dim; d++) {
      const x = dense[row + d]! / N;
      if (x === 0) continue;
      const t = d * 7;
      gProjection[t]! += x * z0;
      gProjection[t + 1]! += x * z1;
      gProjection[t + 2]! += x * z2;
      gProjection[t + 3]! += x * z3;
      gProjection[t + 4]! += x * z4;
      gProjection[t + 5]! += x * z5;
      gProjection[t + 6]! += x * z6;
    }
  }
  gBias[0]! += gb0;
  gBias[1]! += gb1;
  gBias[2]! += gb2;
  gBias[3]! += gb3;
  gBias[4]! += gb4;
  gBias[5]! += gb5;
  gBias[6]! += gb6;
  return loss / N;
}

/**
 * Mean cross-entropy of the softmax model over `data`, adding its gradient into the `g*` arrays
 * (zeroed by the caller). One pass per row: logits, softmax, then the row's gradient is scattered
 * while its features are still in cache. Rows are summed in order, so the result does not depend
 * on how the work is split into calls.
 * @param scratch K doubles of working space.
 */
function dataLoss(
  data: Dataset,
  y: Int32Array,
  K: number,
  table: Float64Array,
  projection: Float64Array,
  bias: Float64Array,
  gTable: Float64Array,
  gProjection: Float64Array,
  gBias: Float64Array,
  scratch: Float64Array,
): number {
  const { indptr, ids, weights, dense, dim } = data;
  const N = data.rows;
  const p = scratch;
  let loss = 0;
  for (let r = 0; r < N; r++) {
    rowLogits(table, projection, bias, K, indptr, ids, weights, dense, dim, r, p, 0);
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, p[c]!);
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const e = Math.exp(p[c]! - max);
      p[c] = e;
      sum += e;
    }
    for (let c = 0; c < K; c++) p[c] = p[c]! / sum;
    const label = y[r]!;
    loss -= Math.log(Math.max(p[label]!, 1e-300));
    p[label]! -= 1; // now dLoss/dLogits for this row
    for (let c = 0; c < K; c++) gBias[c]! += p[c]! / N;
    const end = indptr[r + 1]!;
    for (let k = indptr[r]!; k < end; k++) {
      const base = ids[k]! * K;
      const w = weights[k]! / N;
      for (let c = 0; c < K; c++) gTable[base + c]! += w * p[c]!;
    }
    const row = r * dim;
    for (let d = 0; d < dim; d++) {
      const x = dense[row + d]! / N;
      if (x === 0) continue;
      const base = d * K;
      for (let c = 0; c < K; c++) gProjection[base + c]! += x * p[c]!;
    }
  }
  return loss / N;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A point L-BFGS needs evaluated: the driver writes the gradient at `theta` into `grad` and sends back the objective. */
interface EvaluationRequest {
  theta: Float64Array;
  grad: Float64Array;
}

/**
 * Minimises a smooth function from θ = 0 with L-BFGS; returns θ. A generator, so one body serves
 * a synchronous objective ({@link trainLinear}) and an async one ({@link trainLinearAsync}): it
 * yields each point to evaluate and takes the objective back from `next(f)`. The history lives in
 * `memory` preallocated pairs reused as a ring (no allocation per iteration); the arithmetic and
 * its order are those of the textbook two-loop recursion.
 */
function* lbfgs(
  size: number,
  maxIterations: number,
  memory: number,
  tolerance: number,
  onProgress?: (iteration: number, objective: number) => void,
): Generator<EvaluationRequest, Float64Array, number> {
  let x = new Float64Array(size);
  let g = new Float64Array(size);
  let f = yield { theta: x, grad: g };
  // Ring of (s, y) pairs: slot (head + i) % memory is the i-th oldest of `count`.
  const S = Array.from({ length: memory }, () => new Float64Array(size));
  const Y = Array.from({ length: memory }, () => new Float64Array(size));
  const rho = new Float64Array(memory);
  const alpha = new Float64Array(memory);
  let head = 0;
  let count = 0;
  // Objectives of the last TOLERANCE_WINDOW + 1 iterations (index: iteration modulo the length).
  const recent = new Float64Array(TOLERANCE_WINDOW + 1);
  recent[0] = f;
  const slot = (i: number) => (head + i) % memory;
  let sSpare = new Float64Array(size);
  let ySpare = new Float64Array(size);
  const direction = new Float64Array(size);
  let xNew = new Float64Array(size);
  let gNew = new Float64Array(size);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: direction = -H·g.
    direction.set(g);
    for (let i = count - 1; i >= 0; i--) {
      const k = slot(i);
      const a = rho[k]! * dot(S[k]!, direction);
      alpha[k] = a;
      const yi = Y[k]!;
      for (let j = 0; j < size; j++) direction[j] = direction[j]! - a * yi[j]!;
    }
    let gamma: number;
    if (count > 0) {
      const k = slot(count - 1);
      gamma = dot(S[k]!, Y[k]!) / dot(Y[k]!, Y[k]!);
    } else gamma = 1 / Math.sqrt(dot(g, g));
    for (let j = 0; j < size; j++) direction[j] = direction[j]! * gamma;
    for (let i = 0; i < count; i++) {
      const k = slot(i);
      const b = rho[k]! * dot(Y[k]!, direction);
      const si = S[k]!;
      const coef = alpha[k]! - b;
      for (let j = 0; j < size; j++) direction[j] = direction[j]! + coef * si[j]!;
    }
    for (let j = 0; j < size; j++) direction[j] = -direction[j]!;
    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      count = 0;
      const scale = 1 / Math.sqrt(dot(g, g));
      for (let j = 0; j < size; j++) direction[j] = -g[j]! * scale;
      slope = dot(g, direction);
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let j = 0; j < size; j++) xNew[j] = x[j]! + step * direction[j]!;
      fNew = yield { theta: xNew, grad: gNew };
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f)) break; // no progress possible: converged to numerical precision
    for (let j = 0; j < size; j++) {
      sSpare[j] = xNew[j]! - x[j]!;
      ySpare[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(sSpare, ySpare);
    if (sy > 1e-12) {
      // The pair takes the next free slot, or the oldest one's when the ring is full.
      const k = count < memory ? slot(count) : head;
      [S[k], sSpare] = [sSpare, S[k]!];
      [Y[k], ySpare] = [ySpare, Y[k]!];
      rho[k] = 1 / sy;
      if (count < memory) count++;
      else head = (head + 1) % memory;
    }
    const improvement = f - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    onProgress?.(iteration, f);
    if (improvement < 1e-10 * Math.max(1, Math.abs(f))) break;
    recent[iteration % recent.length] = f;
    const windowStart = recent[(iteration + 1) % recent.length]!;
    if (iteration >= TOLERANCE_WINDOW && windowStart - f < tolerance * Math.abs(f)) break;
  }
  return x;
}
