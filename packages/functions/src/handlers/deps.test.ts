import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorBodySchema } from '@sentiment/core';
import { loadConfig } from '../config.ts';
import { toApiGatewayEvent } from '../lambda/event.ts';
import { handler } from './approve.ts';

test('config: REVIEWS_TABLE is required; an endpoint implies us-east-1; empty values count as unset', () => {
  assert.throws(() => loadConfig({}), /REVIEWS_TABLE/);
  assert.deepEqual(loadConfig({ REVIEWS_TABLE: 'reviews', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', EXPORT_BUCKET: '' }), {
    tableName: 'reviews',
    endpoint: 'http://127.0.0.1:4567',
    region: 'us-east-1',
    exportBucket: undefined,
    logLevel: 'info',
  });
  assert.equal(loadConfig({ REVIEWS_TABLE: 'reviews', AWS_REGION: 'eu-west-1' }).region, 'eu-west-1');
  assert.throws(() => loadConfig({ REVIEWS_TABLE: 'reviews', DYNAMODB_ENDPOINT: 'not a url' }), /DYNAMODB_ENDPOINT/);
});

test('the exported Lambda handler answers a JSON 500 with the request id when its configuration is missing', async (t) => {
  // This test needs an environment without REVIEWS_TABLE; skip where the runner sets one.
  if (process.env.REVIEWS_TABLE) return t.skip('REVIEWS_TABLE is set in this environment');
  const result = await handler(toApiGatewayEvent({ method: 'POST', path: '/api/approve', requestId: 'cold-start', headers: { 'content-type': 'application/json' }, body: '{}' }));
  assert.equal(result.statusCode, 500);
  const body = ErrorBodySchema.parse(JSON.parse(result.body ?? ''));
  assert.equal(body.error.code, 'internal_error');
  assert.equal(body.error.requestId, 'cold-start');
  assert.doesNotMatch(result.body ?? '', /REVIEWS_TABLE/);
});
