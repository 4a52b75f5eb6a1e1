import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorBodySchema } from '@sentiment/core';
import { loadConfig } from '../config.ts';
import { toApiGatewayEvent } from '../lambda/event.ts';
import { handler } from './approve.ts';
import { TEST_OPERATOR_TOKEN, TEST_PREDICTION_SECRET } from '../testing/fixtures.ts';

test('config: REVIEWS_TABLE and both secrets are required; an endpoint implies us-east-1; empty values count as unset', () => {
  assert.throws(() => loadConfig({}), /REVIEWS_TABLE/);
  const secrets = { PREDICTION_SECRET: TEST_PREDICTION_SECRET, OPERATOR_TOKEN: TEST_OPERATOR_TOKEN };
  assert.deepEqual(loadConfig({ REVIEWS_TABLE: 'reviews', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', EXPORT_BUCKET: '', ...secrets }), {
    tableName: 'reviews',
    statsTableName: 'reviews-stats',
    auditTableName: 'reviews-audit',
    endpoint: 'http://127.0.0.1:4567',
    region: 'us-east-1',
    exportBucket: undefined,
    logLevel: 'info',
    predictionSecret: TEST_PREDICTION_SECRET,
    operatorToken: TEST_OPERATOR_TOKEN,
    predictionTokenMaxAgeMs: 24 * 60 * 60 * 1000,
  });
  assert.equal(loadConfig({ REVIEWS_TABLE: 'reviews', AWS_REGION: 'eu-west-1', ...secrets }).region, 'eu-west-1');
  const named = loadConfig({ REVIEWS_TABLE: 'reviews', STATS_TABLE: 'app-stats', AUDIT_TABLE: 'app-audit', ...secrets });
  assert.deepEqual([named.statsTableName, named.auditTableName], ['app-stats', 'app-audit']);
  assert.throws(() => loadConfig({ REVIEWS_TABLE: 'reviews', DYNAMODB_ENDPOINT: 'not a url', ...secrets }), /DYNAMODB_ENDPOINT/);
  // Both secrets are required and must be long enough; the message names them, never their values.
  assert.throws(() => loadConfig({ REVIEWS_TABLE: 'reviews' }), /PREDICTION_SECRET[\s\S]*OPERATOR_TOKEN/);
  assert.throws(
    () => loadConfig({ REVIEWS_TABLE: 'reviews', ...secrets, OPERATOR_TOKEN: 'short-operator-token' }),
    (error: Error) => /OPERATOR_TOKEN: must be at least 43/.test(error.message) && !error.message.includes('short-operator-token'),
  );
  assert.equal(loadConfig({ REVIEWS_TABLE: 'reviews', ...secrets, PREDICTION_TOKEN_MAX_AGE_S: '3600' }).predictionTokenMaxAgeMs, 3_600_000);
});

test('the exported Lambda handler answers a JSON 500 with the request id when its configuration is missing', async (t) => {
  // This test needs an environment without REVIEWS_TABLE; skip where the runner sets one.
  if (process.env.REVIEWS_TABLE) return t.skip('REVIEWS_TABLE is set in this environment');
  const result = await handler(
    toApiGatewayEvent({ method: 'POST', path: '/api/approve', requestId: 'cold-start', headers: { 'content-type': 'application/json' }, body: '{}' }),
  );
  assert.equal(result.statusCode, 500);
  const body = ErrorBodySchema.parse(JSON.parse(result.body ?? ''));
  assert.equal(body.error.code, 'internal_error');
  assert.equal(body.error.requestId, 'cold-start');
  assert.doesNotMatch(result.body ?? '', /REVIEWS_TABLE/);
});
