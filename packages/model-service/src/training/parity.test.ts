import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LABELS, normalizeText } from '@sentiment/core';
import { buildOnnxModel, foldedTable } from './onnx-export.ts';
import { DEFAULT_TRAIN_OPTIONS, predictTrained, REFERENCE_TEXTS, trainModel, writeModelDir, type Trained } from './pipeline.ts';
import { fakeGlove, syntheticData } from './test-fixtures.ts';
import { MODEL_FILES, ModelInfoSchema } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import type { Predictor } from '../serving/predictor.ts';

const TOLERANCE = 1e-4;

/** Largest |ONNX − TS| over all texts and labels. */
async function maxDifference(predictor: Predictor, trained: Trained, texts: string[]): Promise<number> {
  const onnx = await predictor.predict(texts);
  const ts = predictTrained(trained, texts);
  let max = 0;
  onnx.forEach((p, r) => predictor.labels.forEach((label, c) => (max = Math.max(max, Math.abs(p[label] - (ts[r * LABELS.length + c] ?? 0))))));
  return max;
}

describe('ONNX Runtime and the training forward pass agree', () => {
  let dir: string;
  let trained: Trained;
  let predictor: Predictor;
  const { texts, labels } = syntheticData(280, 7);
  // 60 sentences: held-out synthetic ones (lengths 4 to 13 words, so a batch pads most rows),
  // plus out-of-vocabulary words, word-vector-only words, and texts with no known feature at all.
  const probes = [
    ...syntheticData(50, 99).texts,
    'zxqv wibble frobnicate',
    'I was horrified and joyful',
    '😀',
    'a',
    'When my friend died I cried at the funeral and felt sad for weeks, zxqv.',
    "I didn't lie, I wasn't guilty!",
    'THE DOG WAS DISGUSTING',
    'happy happy happy happy',
    'Ångström café naïve',
    'shouted unfair furious angry angry angry',
  ];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-'));
    const options = {
      ...DEFAULT_TRAIN_OPTIONS,
      features: { ...DEFAULT_TRAIN_OPTIONS.features, minDf: 1, gloveScale: 1.5 },
      linear: { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 60 },
      gloveTopWords: 5,
    };
    trained = trainModel(texts, labels, options, fakeGlove(16, 3));
    const metrics = { count: 0, accuracy: 0, macroF1: 0, perLabel: {}, confusion: { labels: [], matrix: [] } };
    await writeModelDir(dir, trained, {
      version: 'parity',
      createdAt: new Date(0).toISOString(),
      labels: [...LABELS],
      evaluation: { method: 'none (test model)', metrics },
    });
    predictor = await loadOnnxPredictor(dir, { threads: 1 });
  });

  after(async () => {
    await predictor?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`gives the same seven probabilities (max abs diff ≤ ${TOLERANCE}) on ${probes.length} sentences with padding and unknown words`, async (t) => {
    assert.ok(probes.length >= 50);
    assert.ok(trained.featurizer.config.glove, 'the model under test has the word-vector branch');
    const diff = await maxDifference(predictor, trained, probes);
    t.diagnostic(`max abs difference ONNX vs TS: ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `max abs difference ${diff}`);
  });

  it('gives the same result one text at a time as in a padded batch', async () => {
    const batch = await predictor.predict(probes.slice(0, 10));
    for (let i = 0; i < 10; i++) {
      const [single] = await predictor.predict([probes[i]!]);
      for (const label of LABELS) assert.ok(Math.abs(single![label] - batch[i]![label]) < 1e-6);
    }
  });

  it('returns all seven labels summing to 1, and the model learned the cues', async () => {
    const [p] = await predictor.predict(['I was so afraid and scared of the dark']);
    const sum = LABELS.reduce((s, label) => s + p![label], 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(
      LABELS.reduce((best, label) => (p![label] > p![best] ? label : best)),
      'fear',
    );
  });

  it('negative control: a graph that forgets to fold in the word-vector branch is caught', async (t) => {
    const badDir = await mkdtemp(path.join(tmpdir(), 'parity-bad-'));
    try {
      await writeModelDir(badDir, trained, {
        version: 'bad',
        createdAt: new Date(0).toISOString(),
        labels: [...LABELS],
        evaluation: { method: 'none', metrics: { count: 0, accuracy: 0, macroF1: 0, perLabel: {}, confusion: { labels: [], matrix: [] } } },
      });
      const table = foldedTable(trained.featurizer, trained.model, trained.wordVectors);
      table.fill(0, trained.featurizer.gloveOffset * LABELS.length); // drop the folded word-vector rows
      await writeFile(path.join(badDir, MODEL_FILES.onnx), buildOnnxModel(table, trained.model.bias, LABELS.length, 'bad'));
      // model.json's reference probabilities came from the right graph: the start-up check refuses this one.
      await assert.rejects(loadOnnxPredictor(badDir, { threads: 1 }), /referencePredictions/);
      const bad = await loadOnnxPredictor(badDir, { threads: 1, referenceTolerance: Infinity });
      try {
        const diff = await maxDifference(bad, trained, probes);
        t.diagnostic(`max abs difference of the wrong graph: ${diff.toFixed(3)}`);
        assert.ok(diff > TOLERANCE * 100, `a wrong graph must differ clearly, got ${diff}`);
      } finally {
        await bad.close();
      }
    } finally {
      await rm(badDir, { recursive: true, force: true });
    }
  });

  it("records the serving path's probabilities of the reference sentences in model.json", async () => {
    const references = ModelInfoSchema.parse(predictor.describe()).referencePredictions ?? [];
    assert.deepEqual(
      references.map((r) => r.text),
      REFERENCE_TEXTS.map((text) => normalizeText(text)),
    );
    const now = await predictor.predict(references.map((r) => r.text));
    references.forEach((r, i) => assert.deepEqual(r.probabilities, now[i]));
  });

  it('describes itself with model.json (version and labels, no vocabulary)', () => {
    const info = predictor.describe();
    assert.equal(info.version, 'parity');
    assert.deepEqual(info.labels, [...LABELS]);
    assert.equal(JSON.stringify(info).includes('"vocab"'), false);
    assert.equal(predictor.modelVersion, 'parity');
  });
});
