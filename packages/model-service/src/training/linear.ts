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
}

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
  for (let r = 0; r < data.rows; r++) {
    const o = r * K;
    for (let c = 0; c < K; c++) out[o + c] = bias[c] ?? 0;
    for (let k = indptr[r] ?? 0; k < (indptr[r + 1] ?? 0); k++) {
      const base = (ids[k] ?? 0) * K;
      const w = weights[k] ?? 0;
      for (let c = 0; c < K; c++) out[o + c] = (out[o + c] ?? 0) + w * (table[base + c] ?? 0);
    }
    for (let d = 0; d < dim; d++) {
      const x = dense[r * dim + d] ?? 0;
      if (x === 0) continue;
      const base = d * K;
      for (let c = 0; c < K; c++) out[o + c] = (out[o + c] ?? 0) + x * (projection[base + c] ?? 0);
    }
  }
  return out;
}

/**
 * Trains the softmax model on `data` with labels `y` (class indexes) by full-batch L-BFGS
 * (two-loop recursion, Armijo backtracking). Deterministic: starts from zeros, no randomness.
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
  const K = classes;
  const nTable = tableRows * K;
  const nProj = data.dim * K;
  const size = nTable + nProj + K;
  const N = data.rows;

  // θ = [table | projection | bias]; subarray views share memory with θ.
  const split = (theta: Float64Array) => ({
    table: theta.subarray(0, nTable),
    projection: theta.subarray(nTable, nTable + nProj),
    bias: theta.subarray(nTable + nProj),
  });

  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    const p = split(theta);
    const probs = softmaxRows(logitsOf(p.table, p.projection, p.bias, K, data), K);
    let loss = 0;
    grad.fill(0);
    const g = split(grad);
    const { indptr, ids, weights, dense, dim } = data;
    for (let r = 0; r < N; r++) {
      const o = r * K;
      const label = y[r] ?? 0;
      loss -= Math.log(Math.max(probs[o + label] ?? 0, 1e-300));
      probs[o + label] = (probs[o + label] ?? 0) - 1; // now dLoss/dLogits for this row
      for (let c = 0; c < K; c++) g.bias[c] = (g.bias[c] ?? 0) + (probs[o + c] ?? 0) / N;
      for (let k = indptr[r] ?? 0; k < (indptr[r + 1] ?? 0); k++) {
        const base = (ids[k] ?? 0) * K;
        const w = (weights[k] ?? 0) / N;
        for (let c = 0; c < K; c++) g.table[base + c] = (g.table[base + c] ?? 0) + w * (probs[o + c] ?? 0);
      }
      for (let d = 0; d < dim; d++) {
        const x = (dense[r * dim + d] ?? 0) / N;
        if (x === 0) continue;
        const base = d * K;
        for (let c = 0; c < K; c++) {
          g.projection[base + c] = (g.projection[base + c] ?? 0) + x * (probs[o + c] ?? 0);
        }
      }
    }
    loss /= N;
    let reg = 0;
    for (let i = 0; i < nTable; i++) {
      const t = p.table[i] ?? 0;
      reg += options.l2 * t * t;
      g.table[i] = (g.table[i] ?? 0) + options.l2 * t;
    }
    for (let i = 0; i < nProj; i++) {
      const t = p.projection[i] ?? 0;
      reg += options.l2Dense * t * t;
      g.projection[i] = (g.projection[i] ?? 0) + options.l2Dense * t;
    }
    return loss + reg / 2;
  };

  const theta = lbfgs(size, evaluate, options.maxIterations, options.memory, onProgress);
  const p = split(theta);
  return {
    classes: K,
    table: Float64Array.from(p.table),
    tableRows,
    projection: Float64Array.from(p.projection),
    dim: data.dim,
    bias: Float64Array.from(p.bias),
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Minimises a smooth function from θ = 0 with L-BFGS; returns θ. */
function lbfgs(
  size: number,
  evaluate: (theta: Float64Array, grad: Float64Array) => number,
  maxIterations: number,
  memory: number,
  onProgress?: (iteration: number, objective: number) => void,
): Float64Array {
  let x = new Float64Array(size);
  let g = new Float64Array(size);
  let f = evaluate(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(size);
  const xNew = new Float64Array(size);
  let gNew = new Float64Array(size);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: direction = -H·g.
    direction.set(g);
    const alpha: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      const a = (rho[i] ?? 0) * dot(S[i]!, direction);
      alpha[i] = a;
      const yi = Y[i]!;
      for (let j = 0; j < size; j++) direction[j] = (direction[j] ?? 0) - a * (yi[j] ?? 0);
    }
    const last = S.length - 1;
    const gamma = last >= 0 ? dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!) : 1 / Math.sqrt(dot(g, g));
    for (let j = 0; j < size; j++) direction[j] = (direction[j] ?? 0) * gamma;
    for (let i = 0; i < S.length; i++) {
      const b = (rho[i] ?? 0) * dot(Y[i]!, direction);
      const si = S[i]!;
      const coef = (alpha[i] ?? 0) - b;
      for (let j = 0; j < size; j++) direction[j] = (direction[j] ?? 0) + coef * (si[j] ?? 0);
    }
    for (let j = 0; j < size; j++) direction[j] = -(direction[j] ?? 0);
    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      const scale = 1 / Math.sqrt(dot(g, g));
      for (let j = 0; j < size; j++) direction[j] = -(g[j] ?? 0) * scale;
      slope = dot(g, direction);
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let j = 0; j < size; j++) xNew[j] = (x[j] ?? 0) + step * (direction[j] ?? 0);
      fNew = evaluate(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f)) break; // no progress possible: converged to numerical precision
    const s = new Float64Array(size);
    const yv = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = (xNew[j] ?? 0) - (x[j] ?? 0);
      yv[j] = (gNew[j] ?? 0) - (g[j] ?? 0);
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const improvement = f - fNew;
    x = Float64Array.from(xNew);
    [g, gNew] = [gNew, g];
    f = fNew;
    onProgress?.(iteration, f);
    if (improvement < 1e-10 * Math.max(1, Math.abs(f))) break;
  }
  return x;
}
