// The HTTP layer on the real ONNX predictor and the committed model (models/CURRENT).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BatchPredictResponseSchema, LABELS, PredictResponseSchema } from '@sentiment/core';
import { defaultModelDir, PACKAGE_DIR } from '../config.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import type { Predictor } from '../serving/predictor.ts';
import { createApp } from './app.ts';
import { startServer, type RunningServer } from './server.ts';
import { ServiceState } from './state.ts';
import { memoryLogger, postJson, send } from './test-support.ts';

const NO_MODEL = existsSync(join(PACKAGE_DIR, 'models', 'CURRENT')) ? false : 'no committed model: models/CURRENT is missing';

describe('the service on the committed ONNX model', { skip: NO_MODEL }, () => {
  let predictor: Predictor;
  let running: RunningServer;
  before(async () => {
    predictor = await loadOnnxPredictor(defaultModelDir(), { threads: 1 });
    const state = new ServiceState();
    const { logger } = memoryLogger('warn');
    running = await startServer({ app: createApp({ state, predictor, logger }), state, logger, port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await running?.close();
    await predictor?.close();
  });

  const texts = [
    'When I was involved in a traffic accident.',
    'I passed my final exams and got the job I wanted!',
    'A friend told everyone a secret I had trusted him with.',
    'x',
    'I saw a man spit on the floor of the bus and then wipe his mouth with his hand, which made me feel sick for the rest of the day. '.repeat(3),
    'Être trahi par un ami 😡',
  ];

  it('POST /predict answers seven probabilities summing to 1 and the served version', async () => {
    const res = await postJson(running.url, '/predict', { text: texts[0] });
    assert.equal(res.status, 200, res.text);
    const prediction = PredictResponseSchema.parse(res.json);
    assert.equal(prediction.modelVersion, predictor.modelVersion);
    const sum = LABELS.reduce((s, l) => s + prediction.probabilities[l], 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `sum ${sum}`);
    const best = Math.max(...LABELS.map((l) => prediction.probabilities[l]));
    assert.equal(prediction.probabilities[prediction.label], best);
  });

  it('POST /batch-predict gives, in input order, what /predict gives for each text alone', async () => {
    const batch = BatchPredictResponseSchema.parse((await postJson(running.url, '/batch-predict', { texts })).json);
    assert.equal(batch.predictions.length, texts.length);
    for (const [i, text] of texts.entries()) {
      const single = PredictResponseSchema.parse((await postJson(running.url, '/predict', { text })).json);
      const inBatch = batch.predictions[i]!;
      assert.equal(inBatch.label, single.label, `text ${i}`);
      for (const label of LABELS) {
        assert.ok(Math.abs(inBatch.probabilities[label] - single.probabilities[label]) <= 1e-5, `text ${i} ${label}`);
      }
    }
  });

  it('POST /predict with explain: true names words of the sentence with weights; unsure text says low', async () => {
    const text = 'I was terrified when a man with a knife followed me home in the dark.';
    const res = await postJson(running.url, '/predict', { text, explain: true });
    assert.equal(res.status, 200, res.text);
    const prediction = PredictResponseSchema.parse(res.json);
    assert.equal(prediction.label, 'fear');
    assert.equal(prediction.confidence, 'high');
    assert.ok(prediction.explanation && prediction.explanation.length > 5, res.text);
    for (const entry of prediction.explanation) assert.ok(text.includes(entry.text), entry.text);
    assert.ok(prediction.explanation.some((e) => e.text === 'terrified' && e.weight > 0));
    const plain = PredictResponseSchema.parse((await postJson(running.url, '/predict', { text })).json);
    assert.equal(plain.explanation, undefined);
    const unsure = PredictResponseSchema.parse((await postJson(running.url, '/predict', { text: 'qwzx vbnm', explain: true })).json);
    assert.equal(unsure.confidence, 'low');
  });

  it('GET /model describes the served version without vocabulary or weights', async () => {
    const res = await send(running.url, '/model');
    assert.equal(res.status, 200);
    const model = res.json as Record<string, unknown>;
    assert.equal(model.version, predictor.modelVersion);
    assert.ok(res.text.length < 200_000, `model description is ${res.text.length} bytes`);
  });
});
