// Confidence, explanations and the blind-audit draw on POST /predict (issue 9 items 6-7, issue 8 item 3).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BatchPredictResponseSchema, PredictResponseSchema } from '@sentiment/core';
import { generateSecret, verifyPredictionToken } from '@sentiment/core/trust';
import { createApp, type AppOptions } from './app.ts';
import { startServer, type RunningServer } from './server.ts';
import { ServiceState } from './state.ts';
import { FakePredictor, memoryLogger, postJson } from './test-support.ts';

const SECRET = generateSecret();
const ISSUED = new Date('2026-01-01T00:00:00.000Z');

async function start(options: Partial<AppOptions> = {}) {
  const predictor = new FakePredictor();
  const state = new ServiceState();
  state.setPredictor(predictor);
  const { logger } = memoryLogger('silent');
  const app = createApp({ state, logger, predictionSecret: SECRET, now: () => ISSUED, ...options });
  const running = await startServer({ app, state, logger, port: 0, host: '127.0.0.1', shutdownTimeoutMs: 1000 });
  return { running, predictor, url: running.url };
}

describe('prediction fields beyond the label', () => {
  const servers: RunningServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  const started = async (options: Partial<AppOptions> = {}) => {
    const s = await start(options);
    servers.push(s.running);
    return s;
  };

  it('every prediction, single or batch, carries the confidence the model gives', async () => {
    const { url } = await started();
    const sure = PredictResponseSchema.parse((await postJson(url, '/predict', { text: 'I was scared' })).json);
    assert.equal(sure.confidence, 'high');
    const unsure = PredictResponseSchema.parse((await postJson(url, '/predict', { text: '😀😀' })).json);
    assert.equal(unsure.confidence, 'low');
    const batch = BatchPredictResponseSchema.parse((await postJson(url, '/batch-predict', { texts: ['I was scared', '😀😀', '42'] })).json);
    assert.deepEqual(
      batch.predictions.map((p) => p.confidence),
      ['high', 'low', 'low'],
    );
  });

  it('explains the predicted label only when asked, for the normalised text', async () => {
    const { url, predictor } = await started();
    const plain = PredictResponseSchema.parse((await postJson(url, '/predict', { text: 'I was  scared' })).json);
    assert.equal(plain.explanation, undefined);
    assert.equal(
      PredictResponseSchema.parse((await postJson(url, '/predict', { text: 'I was scared', explain: false })).json).explanation,
      undefined,
    );
    assert.equal(predictor.explained.length, 0, 'no explanation is computed when not asked');
    const explained = PredictResponseSchema.parse((await postJson(url, '/predict', { text: ' I was  scared ', explain: true })).json);
    assert.deepEqual(predictor.explained, [{ text: 'I was scared', label: explained.label }]);
    assert.deepEqual(explained.explanation, [
      { text: 'I', weight: 1 },
      { text: 'was', weight: 1 / 2 },
      { text: 'scared', weight: 1 / 3 },
    ]);
  });

  it('refuses an explain flag that is not a boolean', async () => {
    const { url } = await started();
    const res = await postJson(url, '/predict', { text: 'I was scared', explain: 'yes' });
    assert.equal(res.status, 400, res.text);
  });

  it('marks a prediction blind when the draw is below the rate, and signs the flag', async () => {
    const draws = [0.05, 0.2, 0.0999, 0.1];
    const { url } = await started({ blindAuditRate: 0.1, random: () => draws.shift() ?? 1 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(PredictResponseSchema.parse((await postJson(url, '/predict', { text: 'I was scared' })).json));
    assert.deepEqual(
      answers.map((p) => p.blind),
      [true, undefined, true, undefined],
    );
    for (const p of answers) {
      const fields = { ...p, text: 'I was scared' };
      verifyPredictionToken(p.predictionToken, fields, SECRET, { now: ISSUED });
      // Adding or removing the flag breaks the signature.
      assert.throws(() => verifyPredictionToken(p.predictionToken, { ...fields, blind: !p.blind }, SECRET, { now: ISSUED }));
    }
  });

  it('never draws for batch predictions, and never at rate 0; always at rate 1 (crypto random)', async () => {
    const never = await started({ blindAuditRate: 0, random: () => 0 });
    assert.equal(PredictResponseSchema.parse((await postJson(never.url, '/predict', { text: 'a' })).json).blind, undefined);
    const always = await started({ blindAuditRate: 1 });
    for (let i = 0; i < 5; i++) assert.equal(PredictResponseSchema.parse((await postJson(always.url, '/predict', { text: 'a' })).json).blind, true);
    const batch = BatchPredictResponseSchema.parse((await postJson(always.url, '/batch-predict', { texts: ['a', 'b'] })).json);
    assert.deepEqual(
      batch.predictions.map((p) => p.blind),
      [undefined, undefined],
    );
  });

  it('draws at about the configured rate with the default crypto random source', async () => {
    const { url } = await started({ blindAuditRate: 0.5 });
    let blind = 0;
    const n = 200;
    for (let i = 0; i < n; i++) if (PredictResponseSchema.parse((await postJson(url, '/predict', { text: 'a' })).json).blind) blind++;
    // Binomial(200, 0.5): outside [65, 135] with probability < 1e-5.
    assert.ok(blind >= 65 && blind <= 135, `${blind} of ${n} blind`);
  });

  it('refuses a rate outside [0, 1] at construction', () => {
    const { logger } = memoryLogger('silent');
    assert.throws(() => createApp({ logger, blindAuditRate: 1.5 }), /blindAuditRate must be in \[0, 1\]/);
    assert.throws(() => createApp({ logger, blindAuditRate: Number.NaN }), RangeError);
  });
});
