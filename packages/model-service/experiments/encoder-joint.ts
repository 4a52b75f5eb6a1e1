/**
 * `npm run experiment:encoder -w packages/model-service -- --data <isear csv> [--out <json>] [--jobs n] [--confirm]`
 *
 * Issue 11's measurements on the project's folds (stratified 5-fold, seed 20240601, as `train`):
 * 1. the encoder block weight, tuned on folds 1–2 only (grid below, int8 encoder); with
 *    `--confirm` also fitted on folds 3–5 at the chosen weight (`npm run train` fits the same and
 *    prints each fold's figures, which is how the shipped weight was confirmed);
 * 2. int8 against float32 encoder vectors at the default weight on folds 1–2;
 * 3. the 25-nearest-neighbour vote on encoder vectors (cosine), its mixing weight tuned on folds 1–2
 *    and confirmed on 3–5;
 * 4. encoding time. Prints a JSON report (and writes it with --out); progress on stderr.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LABELS, type Label } from '@sentiment/core';
import { ENCODER_DIM, loadSentenceEncoder } from '../src/encoder/encoder.ts';
import { readLabelledCsv } from '../src/training/csv.ts';
import { availableParallelism } from 'node:os';
import { DEFAULT_ENCODER_BLOCK, EncoderCache, jointFitJob, predictJoint } from '../src/training/encoder-block.ts';
import { JointFitPool } from '../src/training/joint-fit-pool.ts';
import { argmaxRows, computeMetrics } from '../src/training/metrics.ts';
import { DEFAULT_TRAIN_OPTIONS, labelIndexes, loadGlove, stratifiedFolds } from '../src/training/pipeline.ts';
import { resolveFromCaller } from '../src/training/cli-common.ts';
import { readCallerCwd } from '../src/training/env.ts';

const KNN_K = 25;
const KNN_MIX = [0, 0.1, 0.2, 0.3];
const K = LABELS.length;

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    jobs: { type: 'string' },
    confirm: { type: 'boolean', default: false },
    weights: { type: 'string' },
    float32: { type: 'boolean', default: false },
  },
});
const pool = new JointFitPool(Number(values.jobs ?? availableParallelism()));
/** Also fit folds 3–5 at the chosen weight (train does the same fits; its per-fold figures confirm otherwise). */
const withConfirm = values.confirm;
/** Block weights tried on folds 1–2 (default 2, 3, 4). */
const WEIGHTS = (values.weights ?? '2,3,4').split(',').map(Number);
/** Also fit float32 encoder vectors at the default weight on folds 1–2 (a second encoding pass). */
const withFloat32 = values.float32;
if (!values.data) throw new Error('--data <csv> is required');
const say = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const data = await readLabelledCsv(resolveFromCaller(values.data, readCallerCwd()));
const texts = data.texts;
const labels: Label[] = data.labels;
const truth = labelIndexes(labels);
const options = DEFAULT_TRAIN_OPTIONS;
const fold = stratifiedFolds(labels, options.folds, options.seed);
say(`${texts.length} rows; loading GloVe`);
const glove = await loadGlove();

const caches: Partial<Record<'int8' | 'none', EncoderCache>> = {};
const encodeSeconds: Record<string, number> = {};
for (const quantize of withFloat32 ? (['int8', 'none'] as const) : (['int8'] as const)) {
  const encoder = await loadSentenceEncoder({ threads: 1, quantize });
  const cache = new EncoderCache(encoder);
  caches[quantize] = cache;
  const start = performance.now();
  await cache.prepare(texts, (done, total) => done % 1024 === 0 && say(`encoding (${quantize}) ${done}/${total}`));
  encodeSeconds[quantize] = (performance.now() - start) / 1000;
  say(`encoded ${texts.length} texts (${quantize}) in ${encodeSeconds[quantize].toFixed(1)} s`);
}

/** Out-of-fold probabilities per setting, filled fold by fold. */
const oof = new Map<string, Float64Array>();
const put = (key: string, rows: number[], probs: Float64Array) => {
  const all = oof.get(key) ?? new Float64Array(texts.length * K).fill(Number.NaN);
  rows.forEach((row, j) => all.set(probs.subarray(j * K, (j + 1) * K), row * K));
  oof.set(key, all);
};

function scoreOn(key: string, folds: number[]) {
  const probs = oof.get(key)!;
  const rows = texts.flatMap((_, i) => (folds.includes(fold[i]!) ? [i] : []));
  const p = new Float64Array(rows.length * K);
  rows.forEach((row, j) => p.set(probs.subarray(row * K, (row + 1) * K), j * K));
  if (p.some(Number.isNaN)) throw new Error(`${key} has no predictions on folds ${folds.join(',')}`);
  const m = computeMetrics(
    LABELS,
    rows.map((r) => truth[r]!),
    argmaxRows(p, K),
  );
  return { accuracy: m.accuracy, macroF1: m.macroF1, rows: rows.length, metrics: m };
}

/** Fits one (fold, setting) on a worker thread and stores its out-of-fold probabilities. */
async function runFold(f: number, s: { quantize: 'int8' | 'none'; weight: number }): Promise<void> {
  const trainRows = texts.flatMap((_, i) => (fold[i] === f ? [] : [i]));
  const testRows = texts.flatMap((_, i) => (fold[i] === f ? [i] : []));
  const testTexts = testRows.map((i) => texts[i]!);
  const cache = caches[s.quantize]!;
  const key = `${s.quantize}:${s.weight}`;
  const start = performance.now();
  const job = jointFitJob(
    trainRows.map((i) => texts[i]!),
    trainRows.map((i) => labels[i]!),
    options,
    { weight: s.weight },
    glove,
    cache,
  );
  const trained = await pool.fit(job);
  put(key, testRows, predictJoint(trained, testTexts, cache));
  say(`fold ${f + 1} ${key}: accuracy ${scoreOn(key, [f]).accuracy.toFixed(3)} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
}

/** 25-NN vote on encoder vectors (dot product of unit vectors = cosine), out of fold. */
function knnVotes(quantize: 'int8' | 'none', folds: number[]): Float64Array {
  const vectors = caches[quantize]!.vectors(texts);
  const votes = new Float64Array(texts.length * K);
  for (const f of folds) {
    const train = texts.flatMap((_, i) => (fold[i] === f ? [] : [i]));
    for (let i = 0; i < texts.length; i++) {
      if (fold[i] !== f) continue;
      const sims = train.map((j) => {
        let s = 0;
        for (let d = 0; d < ENCODER_DIM; d++) s += vectors[i * ENCODER_DIM + d]! * vectors[j * ENCODER_DIM + d]!;
        return [s, j] as const;
      });
      sims.sort((a, b) => b[0] - a[0]);
      for (let n = 0; n < KNN_K; n++) votes[i * K + truth[sims[n]![1]]!]! += 1 / KNN_K;
    }
  }
  return votes;
}

const tuneFolds = [0, 1];
const confirmFolds = [2, 3, 4];
const runs: Promise<void>[] = [];
for (const f of tuneFolds) for (const weight of WEIGHTS) runs.push(runFold(f, { quantize: 'int8', weight }));
if (withFloat32) for (const f of tuneFolds) runs.push(runFold(f, { quantize: 'none', weight: DEFAULT_ENCODER_BLOCK.weight }));
await Promise.all(runs);
const tuning = WEIGHTS.map((weight) => ({ weight, ...scoreOn(`int8:${weight}`, tuneFolds), metrics: undefined }));
const chosen = tuning.reduce((a, b) => (b.accuracy + b.macroF1 > a.accuracy + a.macroF1 ? b : a)).weight;
say(`chosen block weight ${chosen} on folds 1-2: ${JSON.stringify(tuning)}`);
if (withConfirm) {
  await Promise.all(confirmFolds.map((f) => runFold(f, { quantize: 'int8', weight: chosen })));
}
const scored = withConfirm ? [0, 1, 2, 3, 4] : tuneFolds;

const votes = knnVotes('int8', scored);
const knnBase = withConfirm || !WEIGHTS.includes(DEFAULT_ENCODER_BLOCK.weight) ? chosen : DEFAULT_ENCODER_BLOCK.weight;
const model = oof.get(`int8:${knnBase}`)!;
for (const a of KNN_MIX) {
  const mixed = model.map((p, i) => (1 - a) * p + a * votes[i]!);
  oof.set(`knn:${a}`, mixed);
}
const knnTuning = KNN_MIX.map((mix) => ({ mix, ...scoreOn(`knn:${mix}`, tuneFolds), metrics: undefined }));
const knnChosen = knnTuning.reduce((a, b) => (b.accuracy + b.macroF1 > a.accuracy + a.macroF1 ? b : a)).mix;
const report = {
  rows: texts.length,
  folds: options.folds,
  seed: options.seed,
  encodeSeconds,
  weightGrid: WEIGHTS,
  tuningFolds12: tuning,
  chosenWeight: chosen,
  ...(withFloat32
    ? {
        int8VsFloat32Folds12AtDefaultWeight: {
          weight: DEFAULT_ENCODER_BLOCK.weight,
          int8: { ...scoreOn(`int8:${DEFAULT_ENCODER_BLOCK.weight}`, tuneFolds), metrics: undefined },
          float32: { ...scoreOn(`none:${DEFAULT_ENCODER_BLOCK.weight}`, tuneFolds), metrics: undefined },
        },
      }
    : {}),
  ...(withConfirm
    ? { confirmFolds345: { ...scoreOn(`int8:${chosen}`, confirmFolds), metrics: undefined }, allFolds: scoreOn(`int8:${chosen}`, scored) }
    : {}),
  knn: {
    k: KNN_K,
    modelWeight: knnBase,
    tuningFolds12: knnTuning,
    chosenMix: knnChosen,
    ...(withConfirm
      ? {
          confirmFolds345: {
            withVote: { ...scoreOn(`knn:${knnChosen}`, confirmFolds), metrics: undefined },
            without: { ...scoreOn('knn:0', confirmFolds), metrics: undefined },
          },
          allFolds: { ...scoreOn(`knn:${knnChosen}`, scored), metrics: undefined },
        }
      : {}),
  },
};
const json = JSON.stringify(report, null, 2);
console.log(json);
if (values.out) await writeFile(resolveFromCaller(values.out, readCallerCwd()), `${json}\n`);
