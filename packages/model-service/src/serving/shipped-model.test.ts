import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { LABELS, normalizeText, ProbabilitiesSchema } from '@sentiment/core';
import { currentModelDir, MODEL_FILES, ModelInfoSchema, type ReferencePrediction } from './artifacts.ts';
import { loadOnnxPredictor, referenceDifference } from './onnx-predictor.ts';
import type { Predictor } from './predictor.ts';

const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const ISEAR_TRAIN = process.env.ISEAR_TRAIN_CSV ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'isear', 'train.csv');

describe('the committed model (models/CURRENT)', () => {
  let dir: string;
  let predictor: Predictor;

  before(async () => {
    dir = await currentModelDir(MODELS_DIR);
    predictor = await loadOnnxPredictor(dir, { threads: 1 });
  });
  after(async () => {
    await predictor?.close();
  });

  it('loads, and model.json names its folder as version and the seven labels', async () => {
    const info = ModelInfoSchema.parse(JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')));
    assert.equal(info.version, path.basename(dir));
    assert.equal(predictor.modelVersion, info.version);
    assert.deepEqual([...info.labels].sort(), [...LABELS].sort());
  });

  it('reports cross-validated accuracy and macro-F1 of at least 0.60 (the bar of issue 3)', () => {
    const info = ModelInfoSchema.parse(predictor.describe());
    assert.match(info.evaluation.method, /cross-validation/);
    assert.ok(info.evaluation.metrics.accuracy >= 0.6, `accuracy ${info.evaluation.metrics.accuracy}`);
    assert.ok(info.evaluation.metrics.macroF1 >= 0.6, `macro-F1 ${info.evaluation.metrics.macroF1}`);
  });

  it('keeps the artifacts small (under 25 MB in all)', async () => {
    let bytes = 0;
    for (const file of Object.values(MODEL_FILES)) bytes += (await stat(path.join(dir, file))).size;
    assert.ok(bytes < 25 * 1024 * 1024, `${bytes} bytes`);
  });

  it('predicts seven probabilities summing to 1, and the obvious emotion for clear sentences', async () => {
    const cases: Array<[string, string]> = [
      ['I was terrified when a man with a knife followed me home in the dark.', 'fear'],
      ['I passed all my exams and my whole family celebrated with me.', 'joy'],
      ['My grandmother died last winter.', 'sadness'],
      ['I felt guilty because I lied to my mother.', 'guilt'],
    ];
    const results = await predictor.predict(cases.map(([text]) => normalizeText(text)));
    results.forEach((p, i) => {
      ProbabilitiesSchema.parse(p);
      const best = LABELS.reduce((a, b) => (p[b] > p[a] ? b : a));
      assert.equal(best, cases[i]![1], cases[i]![0]);
    });
  });

  it('reproduces the reference probabilities stored in model.json at training (max abs diff ≤ 1e-6)', async (t) => {
    const references = ModelInfoSchema.parse(predictor.describe()).referencePredictions ?? [];
    assert.ok(references.length >= 5 && references.length <= 8, `${references.length} reference sentences`);
    const { max, text } = await referenceDifference(predictor, references);
    t.diagnostic(`max abs difference: ${max.toExponential(2)}`);
    assert.ok(max <= 1e-6, `differs by ${max} on ${text}`);
  });

  describe('negative control: the same model files with one tokenizer setting changed', () => {
    let copy: string;
    let references: ReferencePrediction[];
    before(async () => {
      copy = await mkdtemp(path.join(tmpdir(), 'shipped-model-'));
      await cp(dir, copy, { recursive: true });
      references = ModelInfoSchema.parse(predictor.describe()).referencePredictions ?? [];
    });
    after(async () => {
      await rm(copy, { recursive: true, force: true });
    });

    const variants: Array<[string, (text: Record<string, unknown>) => void]> = [
      ['no contraction rules', (text) => (text['rewrites'] = [])],
      ['no lowercasing', (text) => (text['lowercase'] = false)],
      ['curly apostrophes left alone', (text) => (text['apostrophes'] = '')],
    ];
    for (const [name, change] of variants) {
      it(`${name}: the references no longer match, and loading with the default check fails`, async (t) => {
        const config = JSON.parse(await readFile(path.join(dir, MODEL_FILES.tokenizer), 'utf8')) as { text: Record<string, unknown> };
        change(config.text);
        await writeFile(path.join(copy, MODEL_FILES.tokenizer), JSON.stringify(config));
        const changed = await loadOnnxPredictor(copy, { threads: 1, referenceTolerance: Infinity });
        try {
          const { max } = await referenceDifference(changed, references);
          t.diagnostic(`max abs difference: ${max.toExponential(2)}`);
          // 100 times the 1e-6 this test allows, 10 times the start-up check's 1e-5.
          assert.ok(max > 1e-4, `a changed setting must move a reference clearly, got ${max}`);
        } finally {
          await changed.close();
        }
        await assert.rejects(loadOnnxPredictor(copy, { threads: 1 }), /referencePredictions/);
      });
    }
  });

  it('was trained on the ISEAR file in ../shared (sha256 recorded in model.json)', async (t) => {
    if (!existsSync(ISEAR_TRAIN)) {
      t.skip(`ISEAR training file not found at ${ISEAR_TRAIN} (set ISEAR_TRAIN_CSV); skipping the provenance check`);
      return;
    }
    const sha = createHash('sha256')
      .update(await readFile(ISEAR_TRAIN))
      .digest('hex');
    const data = predictor.describe()['data'] as Array<{ sha256: string }>;
    assert.ok(
      data.some((d) => d.sha256 === sha),
      'model.json lists the sha256 of train.csv',
    );
  });
});
