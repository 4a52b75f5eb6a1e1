import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchPredictResponseSchema, ClientError, PredictResponseSchema, type Prediction } from '@sentiment/core';
import { generateSecret, verifyPredictionToken } from '@sentiment/core/trust';
import { createApp } from './app.ts';
import { createMetrics } from './metrics.ts';
import { startServer } from './server.ts';
import { ServiceState } from './state.ts';
import { memoryLogger, postJson, send, StubPredictor } from './test-support.ts';

const SECRET = generateSecret();
const ISSUED = new Date('2026-03-01T12:00:00.000Z');

/** What a review sends back (functions/src/review/verify.ts passes these fields, shadow included). */
const fieldsOf = (prediction: Prediction, text: string) => ({ ...prediction, text });

describe('shadow predictions through the HTTP app', () => {
  const state = new ServiceState({ shadowTimeoutMs: 200 });
  const champion = new StubPredictor('champion-v1', 'joy');
  const shadow = new StubPredictor('challenger-v2', 'sadness');
  const { logger, lines } = memoryLogger('info');
  const metrics = createMetrics();
  let url: string;
  let close: () => Promise<void>;

  before(async () => {
    state.setPredictor(champion);
    await state.switchShadow(shadow);
    const app = createApp({ state, logger, metrics, predictionSecret: SECRET, now: () => ISSUED });
    const running = await startServer({ app, state, logger, port: 0, host: '127.0.0.1', shutdownTimeoutMs: 1000 });
    url = running.url;
    close = () => running.close();
  });
  after(() => close());

  it("POST /predict carries the shadow's label and probabilities, signed with the prediction", async () => {
    const res = await postJson(url, '/predict', { text: 'My dog died.' });
    assert.equal(res.status, 200, res.text);
    const prediction = PredictResponseSchema.parse(res.json);
    assert.equal(prediction.modelVersion, 'champion-v1');
    assert.equal(prediction.label, 'joy');
    assert.deepEqual(prediction.shadow, { modelVersion: 'challenger-v2', label: 'sadness', probabilities: shadow.answer() });
    verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, 'My dog died.'), SECRET, { now: ISSUED });

    // Any change to the shadow answer, or dropping it, breaks the token.
    const changes: Array<Prediction['shadow']> = [
      undefined,
      { ...prediction.shadow, label: 'joy' },
      { ...prediction.shadow, modelVersion: 'challenger-v3' },
      { ...prediction.shadow, probabilities: { ...prediction.shadow.probabilities, fear: 0.06 } },
    ];
    for (const changed of changes) {
      assert.throws(
        () =>
          verifyPredictionToken(prediction.predictionToken, { ...fieldsOf(prediction, 'My dog died.'), shadow: changed }, SECRET, { now: ISSUED }),
        ClientError,
        JSON.stringify(changed),
      );
    }
  });

  it('POST /batch-predict: every item has its own signed shadow answer', async () => {
    const texts = ['one', 'two words', 'three words here'];
    const res = await postJson(url, '/batch-predict', { texts });
    assert.equal(res.status, 200, res.text);
    const { predictions } = BatchPredictResponseSchema.parse(res.json);
    predictions.forEach((prediction, i) => {
      assert.equal(prediction.shadow?.modelVersion, 'challenger-v2');
      verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, texts[i]!), SECRET, { now: ISSUED });
    });
  });

  it('a failing shadow never fails the prediction: 200 without shadow, a warn line and a metric', async () => {
    shadow.failWith = new Error('challenger session broke');
    try {
      const res = await postJson(url, '/predict', { text: 'My dog died.' });
      assert.equal(res.status, 200, res.text);
      const prediction = PredictResponseSchema.parse(res.json);
      assert.equal(prediction.shadow, undefined);
      assert.equal(Object.hasOwn(prediction, 'shadow'), false);
      verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, 'My dog died.'), SECRET, { now: ISSUED });
      const warn = lines.find((l) => l.msg === 'shadow prediction dropped');
      assert.ok(warn, JSON.stringify(lines));
      assert.equal(warn.level, 40);
      assert.equal(warn.reason, 'challenger session broke');
      const text = (await send(url, '/metrics')).text;
      assert.match(text, /^model_shadow_failures_total 1$/m);
    } finally {
      shadow.failWith = undefined;
    }
  });

  it('a shadow answer that is not a probability is dropped the same way, not a 500', async () => {
    const broken = new StubPredictor('challenger-v3');
    broken.answer = () => ({ ...shadow.answer(), joy: Number.NaN });
    await state.switchShadow(broken);
    assert.equal(shadow.closed, true, 'the replaced shadow is released');
    const res = await postJson(url, '/predict', { text: 'x' });
    assert.equal(res.status, 200, res.text);
    assert.equal(PredictResponseSchema.parse(res.json).shadow, undefined);
  });

  it('without a shadow, predictions have no shadow field', async () => {
    await state.switchShadow(undefined);
    const res = await postJson(url, '/predict', { text: 'x' });
    assert.equal(res.status, 200, res.text);
    assert.equal(Object.hasOwn(res.json as object, 'shadow'), false);
  });
});
