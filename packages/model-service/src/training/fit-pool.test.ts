import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Label } from '@sentiment/core';
import { createTokenizer } from '../features/tokenizer.ts';
import { FitPool, gloveFromSlice, gloveSlice, type FitRequest } from './fit-pool.ts';
import { DEFAULT_TRAIN_OPTIONS, gloveSubset, predictTrained, trainModel, type Glove, type TrainOptions } from './pipeline.ts';
import { fakeGlove, syntheticData } from './test-fixtures.ts';

const options: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  features: { ...DEFAULT_TRAIN_OPTIONS.features, minDf: 1 },
  linear: { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 30 },
  gloveTopWords: 4,
};
const tokenize = createTokenizer(options.features.text);

/** The fake table with words the texts never use, some of which cannot be extras, spread through it. */
function widerGlove(): Glove {
  const base = fakeGlove(8, 5);
  const unseen = ['zebra', 'Capital', 'x-ray', 'quartz', '42', 'Ünseen', 'velvet', 'ocean', 'prism', 'lantern'];
  const words = base.words.flatMap((word, i) => (i < unseen.length ? [unseen[i]!, word] : [word]));
  const extra = new Map(unseen.map((word, i) => [word, Float32Array.from({ length: 8 }, (_, d) => (i + 1) * (d - 3.5))]));
  return { dim: 8, words, vector: (word) => extra.get(word) ?? base.vector(word) };
}

describe('gloveSlice', () => {
  const { texts } = syntheticData(120, 3);
  const glove = widerGlove();

  it('is smaller than the table, and any subset of the texts picks the same words and vectors from it', () => {
    for (const topWords of [0, 3, 1000]) {
      const slice = gloveSlice(glove, texts, topWords, tokenize);
      if (topWords < 1000) assert.ok(slice.words.length < glove.words.length, `slice of ${slice.words.length} words at topWords ${topWords}`);
      for (const subset of [texts, texts.slice(0, 40), texts.filter((_, i) => i % 3 === 1)]) {
        const full = gloveSubset(glove, subset, topWords, tokenize);
        const sliced = gloveSubset(gloveFromSlice(slice), subset, topWords, tokenize);
        assert.deepEqual(sliced, full, `topWords ${topWords}, ${subset.length} texts`);
      }
    }
  });

  it('a slice cut for other texts misses words these texts need (control)', () => {
    const slice = gloveSlice(glove, ['zebra quartz'], 0, tokenize);
    const full = gloveSubset(glove, texts, 0, tokenize);
    assert.notDeepEqual(gloveSubset(gloveFromSlice(slice), texts, 0, tokenize), full);
  });
});

describe('FitPool', () => {
  const { texts, labels } = syntheticData(210, 11);
  const glove = widerGlove();
  let pool: FitPool;

  before(() => {
    pool = new FitPool(2, gloveSlice(glove, texts, options.gloveTopWords, tokenize));
  });
  after(async () => {
    await pool.close();
  });

  it('gives the same bits as fitting in this thread on the full table, with two fits at once', async () => {
    const trainRows = texts.flatMap((_, i) => (i % 5 === 0 ? [] : [i]));
    const testTexts = texts.filter((_, i) => i % 5 === 0);
    const foldRequest: FitRequest = {
      texts: trainRows.map((i) => texts[i]!),
      labels: trainRows.map((i) => labels[i]!),
      options,
      predict: testTexts,
      keepModel: false,
    };
    let progressCalls = 0;
    let starts = 0;
    const [fold, final] = await Promise.all([
      pool.fit(
        foldRequest,
        () => progressCalls++,
        () => starts++,
      ),
      pool.fit({ texts, labels, options, keepModel: true }),
    ]);
    assert.ok(progressCalls > 0, 'progress reaches the caller');
    assert.equal(starts, 1, 'the start of a fit is reported once');

    const here = trainModel(foldRequest.texts, foldRequest.labels, options, glove);
    assert.deepEqual(fold.probabilities, predictTrained(here, testTexts));
    assert.equal(fold.trained, undefined, 'a CV fit sends no model back');

    const hereFinal = trainModel(texts, labels, options, glove);
    assert.ok(final.trained);
    assert.deepEqual(final.trained.featurizer.config, hereFinal.featurizer.config);
    assert.deepEqual(final.trained.model, hereFinal.model);
    assert.deepEqual(final.trained.wordVectors, hereFinal.wordVectors);
    assert.ok(final.trained.featurizer.config.glove, 'the word-vector block is in use');
  });

  it('rejects a fit that throws in the worker, and keeps serving', async () => {
    const broken = { texts: 42 as unknown as string[], labels: [] as Label[], options, keepModel: false };
    await assert.rejects(pool.fit(broken), /map is not a function|not iterable/);
    const again = await pool.fit({ texts, labels, options, predict: texts.slice(0, 3), keepModel: false });
    assert.equal(again.probabilities?.length, 3 * 7);
  });
});
