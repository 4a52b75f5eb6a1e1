import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { LABELS } from '@sentiment/core';
import { loadSentenceEncoder } from '../encoder/encoder.ts';
import { readLabelledCsv } from './csv.ts';
import { openOrtDenseProducts, fitLinear, ORT_DENSE_MIN_DIM } from './dense-products.ts';
import { EncoderCache, jointFitData, jointFitJob, predictJoint, runJointFit, type JointFitJob } from './encoder-block.ts';
import { JointFitPool } from './joint-fit-pool.ts';
import { linearObjective, linearObjectiveWithDense, trainLinear, type Dataset } from './linear.ts';
import { argmaxRows } from './metrics.ts';
import { DEFAULT_TRAIN_OPTIONS, labelIndexes, seededRandom, stratifiedFolds } from './pipeline.ts';
import { syntheticData } from './test-fixtures.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const ISEAR_TRAIN = process.env.ISEAR_TRAIN_CSV ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'isear', 'train.csv');

/** A random dataset: `nnz` n-gram entries per row over `tableRows` ids, and a dense block [rows, dim]. */
function randomDataset(rows: number, dim: number, tableRows: number, nnz: number, seed: number): { data: Dataset; y: number[] } {
  const random = seededRandom(seed);
  const indptr = Int32Array.from({ length: rows + 1 }, (_, r) => r * nnz);
  const ids = Int32Array.from({ length: rows * nnz }, () => 1 + Math.floor(random() * (tableRows - 1)));
  const weights = Float64Array.from({ length: rows * nnz }, () => random());
  const dense = Float64Array.from({ length: rows * dim }, () => random() * 2 - 1);
  const y = Array.from({ length: rows }, () => Math.floor(random() * 7));
  return { data: { rows, indptr, ids, weights, dense, dim }, y };
}

/** max |a − b| over max |a|. */
function relativeDifference(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / scale;
}

describe('dense block products in ONNX Runtime', { timeout: 120_000 }, () => {
  const options = { l2: 1e-4, l2Dense: 1e-3 };
  const tableRows = 400;

  it('gives the JS objective and gradient to 1e-9 relative, and a perturbed projection does not', async (t) => {
    const { data, y } = randomDataset(500, 96, tableRows, 20, 3);
    const random = seededRandom(5);
    const size = (tableRows + data.dim + 1) * 7;
    const theta = Float64Array.from({ length: size }, () => (random() - 0.5) * 0.2);
    const dense = await openOrtDenseProducts(data, 7);
    try {
      const js = new Float64Array(size);
      const viaOrt = new Float64Array(size);
      const fJs = linearObjective(data, y, 7, tableRows, options)(theta, js);
      const objective = linearObjectiveWithDense(data, y, 7, tableRows, options, dense);
      const fOrt = await objective(theta, viaOrt);
      t.diagnostic(
        `objective relative difference ${(Math.abs(fJs - fOrt) / fJs).toExponential(2)}, gradient ${relativeDifference(js, viaOrt).toExponential(2)}`,
      );
      assert.ok(Math.abs(fJs - fOrt) / fJs <= 1e-9, `objective ${fJs} vs ${fOrt}`);
      assert.ok(relativeDifference(js, viaOrt) <= 1e-9, `gradient differs by ${relativeDifference(js, viaOrt)}`);
      // Negative control: one projection weight moved by 1e-6 must show in both.
      const perturbed = Float64Array.from(theta);
      perturbed[tableRows * 7 + 10]! += 1e-6;
      const moved = new Float64Array(size);
      const fMoved = await objective(perturbed, moved);
      assert.ok(Math.abs(fJs - fMoved) / fJs > 1e-9, `a perturbed projection must change the objective (${fJs} vs ${fMoved})`);
      assert.ok(relativeDifference(js, moved) > 1e-9, 'a perturbed projection must change the gradient');
    } finally {
      await dense.close();
    }
  });

  it('fitLinear follows the JS fit (same objective per iteration to 1e-9) and uses ORT only from ORT_DENSE_MIN_DIM columns', async () => {
    const { data, y } = randomDataset(300, ORT_DENSE_MIN_DIM, tableRows, 15, 8);
    const linear = { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 25 };
    const js: number[] = [];
    const viaOrt: number[] = [];
    trainLinear(data, y, 7, tableRows, linear, (_, f) => js.push(f));
    await fitLinear(data, y, 7, tableRows, linear, (_, f) => viaOrt.push(f));
    assert.equal(viaOrt.length, js.length);
    js.forEach((f, i) => assert.ok(Math.abs(f - viaOrt[i]!) / f <= 1e-9, `iteration ${i + 1}: ${f} vs ${viaOrt[i]}`));
    // ORT sums in another order, so some objective differs in its last bits; the narrower block stays JS, bit for bit.
    assert.ok(
      js.some((f, i) => f !== viaOrt[i]),
      'the ORT path was not taken',
    );
    const narrow = randomDataset(300, ORT_DENSE_MIN_DIM - 1, tableRows, 15, 8);
    const jsNarrow: number[] = [];
    const fitNarrow: number[] = [];
    trainLinear(narrow.data, narrow.y, 7, tableRows, linear, (_, f) => jsNarrow.push(f));
    await fitLinear(narrow.data, narrow.y, 7, tableRows, linear, (_, f) => fitNarrow.push(f));
    assert.deepEqual(fitNarrow, jsNarrow);
  });

  it('runs in a joint-fit worker thread with the same result as on the main thread', async () => {
    const { texts, labels } = syntheticData(150, 21);
    const random = seededRandom(9);
    const job: JointFitJob = {
      texts,
      labels,
      options: {
        ...DEFAULT_TRAIN_OPTIONS,
        features: { ...DEFAULT_TRAIN_OPTIONS.features, minDf: 1, gloveScale: 0 },
        linear: { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 30 },
      },
      block: { weight: 3 },
      subset: undefined,
      vectors: Float32Array.from({ length: texts.length * 512 }, () => random() - 0.5),
    };
    assert.ok(jointFitData(job).data.dim >= ORT_DENSE_MIN_DIM, 'the job must take the ORT path');
    const inWorker = await new JointFitPool(1).fit(job);
    const here = await runJointFit(job);
    assert.deepEqual(inWorker.model, here.model);
  });

  it('reaches the JS fit’s CV accuracy within 0.002 on 2,000 ISEAR rows (2 folds, encoder block, no GloVe)', { timeout: 600_000 }, async (t) => {
    if (!existsSync(ISEAR_TRAIN)) {
      t.skip(`ISEAR training file not found at ${ISEAR_TRAIN} (set ISEAR_TRAIN_CSV); skipping the accuracy check`);
      return;
    }
    const isear = await readLabelledCsv(ISEAR_TRAIN);
    const texts = isear.texts.slice(0, 2000);
    const labels = isear.labels.slice(0, 2000);
    const cache = new EncoderCache(await loadSentenceEncoder({ threads: 1, quantize: 'int8' }));
    await cache.prepare(texts);
    const options = { ...DEFAULT_TRAIN_OPTIONS, features: { ...DEFAULT_TRAIN_OPTIONS.features, gloveScale: 0 } };
    const folds = stratifiedFolds(labels, 2, options.seed);
    const correct = { js: 0, ort: 0 };
    for (let f = 0; f < 2; f++) {
      const train = folds.flatMap((a, i) => (a === f ? [] : [i]));
      const test = folds.flatMap((a, i) => (a === f ? [i] : []));
      const job = jointFitJob(
        train.map((i) => texts[i]!),
        train.map((i) => labels[i]!),
        options,
        { weight: 3 },
        undefined,
        cache,
      );
      const viaOrt = await runJointFit(job);
      const { featurizer, wordVectors, data } = jointFitData(job);
      const js = {
        featurizer,
        wordVectors,
        block: job.block,
        model: trainLinear(data, labelIndexes(job.labels), LABELS.length, featurizer.gloveOffset, options.linear),
      };
      const testTexts = test.map((i) => texts[i]!);
      const truth = test.map((i) => LABELS.indexOf(labels[i]!));
      const count = (probabilities: Float64Array) => argmaxRows(probabilities, LABELS.length).filter((c, i) => c === truth[i]).length;
      correct.js += count(predictJoint(js, testTexts, cache));
      correct.ort += count(predictJoint(viaOrt, testTexts, cache));
    }
    const accuracy = { js: correct.js / texts.length, ort: correct.ort / texts.length };
    t.diagnostic(`CV accuracy: JS ${accuracy.js.toFixed(4)}, ORT ${accuracy.ort.toFixed(4)}`);
    assert.ok(accuracy.js > 0.4, `the JS fit must learn something, got ${accuracy.js}`);
    assert.ok(Math.abs(accuracy.js - accuracy.ort) <= 0.002, `JS ${accuracy.js} vs ORT ${accuracy.ort}`);
  });
});
