import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LABELS } from '@sentiment/core';
import { loadSentenceEncoder } from '../encoder/encoder.ts';
import { MODEL_FILES } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { readLinearWeights } from '../serving/onnx-weights.ts';
import type { Predictor } from '../serving/predictor.ts';
import { EncoderCache, predictJoint, trainJoint, writeJointModelDir, type JointTrained } from './encoder-block.ts';
import { DEFAULT_TRAIN_OPTIONS } from './pipeline.ts';
import { fakeGlove, syntheticData } from './test-fixtures.ts';

const TOLERANCE = 1e-4;

describe('joint model (n-grams + word vectors + sentence encoder): export and serving', { timeout: 300_000 }, () => {
  let dir: string;
  let cache: EncoderCache;
  let trained: JointTrained;
  let predictor: Predictor;
  const { texts, labels } = syntheticData(200, 11);
  const probes = [...syntheticData(40, 98).texts, 'zxqv wibble', '😀', 'a', 'I was horrified and joyful at once'];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'joint-'));
    cache = new EncoderCache(await loadSentenceEncoder({ threads: 1, quantize: 'int8' }));
    await cache.prepare([...texts, ...probes]);
    const options = {
      ...DEFAULT_TRAIN_OPTIONS,
      features: { ...DEFAULT_TRAIN_OPTIONS.features, minDf: 1, gloveScale: 1.5 },
      linear: { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 60 },
      gloveTopWords: 5,
    };
    trained = await trainJoint(texts, labels, options, { weight: 3 }, fakeGlove(16, 3), cache);
    const metrics = { count: 0, accuracy: 0, macroF1: 0, perLabel: {}, confusion: { labels: [], matrix: [] } };
    const info = {
      version: 'joint-test',
      createdAt: new Date(0).toISOString(),
      labels: [...LABELS],
      evaluation: { method: 'none (test model)', metrics },
    };
    await writeJointModelDir(dir, trained, cache.reference, info);
    predictor = await loadOnnxPredictor(dir, { threads: 1 });
  });
  after(async () => {
    await predictor?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ONNX Runtime (encoder graph + classifier graph) gives the training forward pass within 1e-4', async () => {
    const onnx = await predictor.predict(probes);
    const ts = predictJoint(trained, probes, cache);
    let max = 0;
    onnx.forEach((p, r) => LABELS.forEach((label, c) => (max = Math.max(max, Math.abs(p[label] - ts[r * LABELS.length + c]!)))));
    assert.ok(max <= TOLERANCE, `max |difference| ${max}`);
  });

  it('the encoder block matters: zeroing it in the training pass moves the probabilities far more than the tolerance', () => {
    const without = predictJoint({ ...trained, block: { weight: 0 } }, probes, cache);
    const withBlock = predictJoint(trained, probes, cache);
    const moved = withBlock.reduce((m, p, i) => Math.max(m, Math.abs(p - without[i]!)), 0);
    assert.ok(moved > 100 * TOLERANCE, `moved ${moved}`);
  });

  it('records the encoder (id, int8, weight hashes, block weight) and serves its share of the logits', async () => {
    const info = JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')) as { encoder: Record<string, unknown> };
    assert.deepEqual(info.encoder, { ...cache.reference, blockWeight: 3 });
    assert.ok('encoderLogits' in predictor, 'a joint model exposes encoderLogits');
    const shares = await predictor.encoderLogits!(probes.slice(0, 3));
    assert.equal(shares.length, 3);
    for (const share of shares) assert.deepEqual(Object.keys(share).sort(), [...LABELS].sort());
    assert.ok(shares.some((share) => Object.values(share).some((v) => Math.abs(v) > 1e-3)));
  });

  it('explains exactly: the words and one whole-sentence share, with the bias, give each label the logit the served softmax used', async () => {
    const { bias } = readLinearWeights(await readFile(path.join(dir, MODEL_FILES.onnx)));
    const served = await predictor.predict(probes.slice(0, 8));
    for (let r = 0; r < 8; r++) {
      const text = probes[r]!;
      const logits: number[] = [];
      for (const [c, label] of LABELS.entries()) {
        const explanation = await predictor.explain!(text, label);
        const sentence = explanation.filter((e) => e.sentence);
        assert.ok(sentence.length <= 1, 'at most one whole-sentence entry');
        if (sentence[0]) assert.equal(sentence[0].text, text);
        for (const e of explanation)
          if (!e.sentence) assert.ok(text.toLowerCase().includes(e.text.split(' ')[0]!.toLowerCase()), `${e.text} is in ${text}`);
        logits.push(bias[c]! + explanation.reduce((sum, e) => sum + e.weight, 0));
      }
      const max = Math.max(...logits);
      const exp = logits.map((l) => Math.exp(l - max));
      const total = exp.reduce((a, b) => a + b, 0);
      LABELS.forEach((label, c) => assert.ok(Math.abs(exp[c]! / total - served[r]![label]) <= 1e-5, `${text} ${label}`));
    }
    // Negative control: without the sentence share the sum misses the served probabilities.
    const text = probes[0]!;
    const words = (label: (typeof LABELS)[number]) => Promise.resolve(predictor.explain!(text, label)).then((e) => e.filter((x) => !x.sentence));
    const partial = await Promise.all(LABELS.map(async (label, c) => bias[c]! + (await words(label)).reduce((sum, e) => sum + e.weight, 0)));
    const pm = Math.max(...partial);
    const pe = partial.map((l) => Math.exp(l - pm));
    const pt = pe.reduce((a, b) => a + b, 0);
    const [one] = await predictor.predict([text]);
    assert.ok(
      LABELS.some((label, c) => Math.abs(pe[c]! / pt - one![label]) > 1e-3),
      'the encoder share matters',
    );
  });

  it('a batch gives what single predictions give', async () => {
    const batch = await predictor.predict(probes.slice(0, 12));
    for (let i = 0; i < 12; i++) {
      const [single] = await predictor.predict([probes[i]!]);
      for (const label of LABELS) assert.ok(Math.abs(single![label] - batch[i]![label]) <= 1e-5, `${probes[i]} ${label}`);
    }
  });

  it('refuses to load when the installed encoder weights differ from those recorded in model.json', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'joint-bad-'));
    try {
      for (const file of Object.values(MODEL_FILES)) await writeFile(path.join(copy, file), await readFile(path.join(dir, file)));
      const infoFile = path.join(copy, MODEL_FILES.info);
      const info = JSON.parse(await readFile(infoFile, 'utf8')) as { encoder: { files: Record<string, string> } };
      info.encoder.files['group1-shard1of7'] = '0'.repeat(64);
      await writeFile(infoFile, JSON.stringify(info));
      await assert.rejects(loadOnnxPredictor(copy, { threads: 1 }), /differs from the one the model was trained with .*group1-shard1of7/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
