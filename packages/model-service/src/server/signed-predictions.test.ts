import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchPredictResponseSchema, ClientError, PredictResponseSchema, type Prediction } from '@sentiment/core';
import { generateSecret, verifyPredictionToken } from '@sentiment/core/trust';
import { createApp } from './app.ts';
import { startServer } from './server.ts';
import { ServiceState } from './state.ts';
import { FakePredictor, memoryLogger, postJson } from './test-support.ts';

const SECRET = generateSecret();
const ISSUED = new Date('2025-03-01T12:00:00.000Z');

/** The fields a review will send back for `prediction` of `text`. */
const fieldsOf = (prediction: Prediction, text: string) => ({ ...prediction, text });

describe('signed predictions (issue 7)', () => {
  let url: string;
  let close: () => Promise<void>;
  before(async () => {
    const state = new ServiceState();
    state.setPredictor(new FakePredictor());
    const { logger } = memoryLogger('silent');
    const app = createApp({ state, logger, predictionSecret: SECRET, now: () => ISSUED });
    const running = await startServer({ app, state, logger, port: 0, host: '127.0.0.1', shutdownTimeoutMs: 1000 });
    url = running.url;
    close = () => running.close();
  });
  after(() => close());

  it('POST /predict signs the prediction over the normalised text, with its issue time', async () => {
    const res = await postJson(url, '/predict', { text: '  I love my\u200B new   puppy ' });
    assert.equal(res.status, 200, res.text);
    const prediction = PredictResponseSchema.parse(res.json);
    assert.match(prediction.predictionToken, new RegExp(`^v2\\.${ISSUED.getTime()}\\.`));
    verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, 'I love my new puppy'), SECRET, { now: ISSUED });
    // The raw text, another secret, or a changed probability do not verify.
    assert.throws(
      () => verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, '  I love my\u200B new   puppy '), SECRET, { now: ISSUED }),
      ClientError,
    );
    assert.throws(
      () => verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, 'I love my new puppy'), generateSecret(), { now: ISSUED }),
      ClientError,
    );
    const tampered = { ...prediction, probabilities: { ...prediction.probabilities, joy: prediction.probabilities.joy + 0.001 } };
    assert.throws(
      () => verifyPredictionToken(prediction.predictionToken, fieldsOf(tampered, 'I love my new puppy'), SECRET, { now: ISSUED }),
      ClientError,
    );
  });

  it('POST /batch-predict signs each item for its own text', async () => {
    const texts = ['first one', 'second', 'third text here'];
    const res = await postJson(url, '/batch-predict', { texts });
    assert.equal(res.status, 200, res.text);
    const { predictions } = BatchPredictResponseSchema.parse(res.json);
    predictions.forEach((prediction, i) => {
      verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, texts[i]!), SECRET, { now: ISSUED });
      // Replaying a token for another item's text fails.
      assert.throws(
        () => verifyPredictionToken(prediction.predictionToken, fieldsOf(prediction, texts[(i + 1) % texts.length]!), SECRET, { now: ISSUED }),
        ClientError,
      );
    });
  });
});
