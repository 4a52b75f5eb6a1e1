/**
 * Issue 7 at the handlers: only predictions the model service signed become reviews, and only the
 * operator reads them. Runs the real handlers against a real DynamoDB Local.
 */
import { newOperatorSession, OPERATOR_SESSION_MS } from '../auth/operator.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { ErrorBodySchema, LABELS, ReviewResponseSchema, type ReviseRequest } from '@sentiment/core';
import { generateSecret, signPrediction } from '@sentiment/core/trust';
import { createReviewStore } from '../review/store.ts';
import { toApiGatewayEvent, type RawRequest } from '../lambda/event.ts';
import type { LambdaHandler, LambdaResult } from '../lambda/edge.ts';
import { createApproveHandler } from './approve.ts';
import { createReviseHandler } from './revise.ts';
import { createGetCsvHandler } from './getcsv.ts';
import { createOperatorSessionHandler } from './operator-session.ts';
import { OPERATOR_AUTH, reviewBody, signed, startTestTable, TEST_OPERATOR_TOKEN, TEST_TRUST, type TestTable } from '../testing/fixtures.ts';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const post = (path: string, body: unknown, overrides: Partial<RawRequest> = {}) =>
  toApiGatewayEvent({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...overrides });

function errorCode(result: LambdaResult): string {
  return ErrorBodySchema.parse(JSON.parse(result.body ?? '')).error.code;
}

describe('signed predictions and the operator role (issue 7)', () => {
  let table: TestTable;
  let approve: LambdaHandler;
  let revise: LambdaHandler;
  let getcsv: LambdaHandler;
  let session: LambdaHandler;
  let logs: string[];

  async function storedIds(): Promise<Set<string>> {
    const page = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    return new Set((page.Items ?? []).map((item) => String(item.id)));
  }

  before(async () => {
    table = await startTestTable();
    const captured = captureLogger();
    logs = captured.lines;
    const deps = { store: createReviewStore({ client: table.client, tableName: table.tableName }), logger: captured.logger, ...TEST_TRUST };
    approve = createApproveHandler(deps);
    revise = createReviseHandler(deps);
    getcsv = createGetCsvHandler(deps);
    session = createOperatorSessionHandler(deps);
  });
  after(() => table.close());

  test('a valid signed review is stored, and the same request twice answers 200 twice (idempotent)', async () => {
    const body = reviewBody({ predictedLabel: 'fear' });
    const first = await approve(post('/api/approve', body));
    const second = await approve(post('/api/approve', body));
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(second.statusCode, 200, second.body);
    assert.deepEqual(JSON.parse(second.body ?? ''), JSON.parse(first.body ?? ''));
    assert.ok(!('predictionToken' in ReviewResponseSchema.parse(JSON.parse(first.body ?? '')).review), 'the token is not stored');
    // The same signed prediction can then be revised to another label.
    assert.equal((await revise(post('/api/revise', { ...body, label: 'shame' }))).statusCode, 200);
  });

  const refused: { name: string; body: () => ReviseRequest }[] = [
    { name: 'no real token (forged review)', body: () => ({ ...reviewBody(), predictionToken: 'made-up' }) },
    { name: 'a well-formed token with a forged MAC', body: () => ({ ...reviewBody(), predictionToken: `v1.${Date.now()}.${'A'.repeat(43)}` }) },
    {
      name: 'a token signed under another secret',
      body: () => {
        const body = reviewBody();
        return { ...body, predictionToken: signPrediction({ ...body, label: body.predictedLabel }, generateSecret(), new Date()) };
      },
    },
    {
      name: 'one probability changed (tampered)',
      body: () => {
        const body = reviewBody({ predictedLabel: 'joy' });
        return { ...body, probabilities: { ...body.probabilities, joy: body.probabilities.joy + 0.0005, fear: body.probabilities.fear - 0.0005 } };
      },
    },
    {
      name: 'the predicted label changed',
      body: () => {
        const body = reviewBody({ predictedLabel: 'joy' });
        return {
          ...body,
          predictedLabel: 'anger',
          label: 'anger',
          probabilities: { ...body.probabilities, anger: body.probabilities.joy, joy: body.probabilities.anger },
        };
      },
    },
    { name: 'the model version changed', body: () => ({ ...reviewBody(), modelVersion: 'test-2' }) },
    {
      name: 'an expired token (25 h old)',
      body: () => signed({ ...reviewBody(), predictionToken: undefined as never }, new Date(Date.now() - 25 * 3600 * 1000)),
    },
    {
      name: 'a token replayed for another text',
      body: () => ({ ...reviewBody({ text: 'I love my new puppy' }), predictionToken: reviewBody({ text: 'I hate my new puppy' }).predictionToken }),
    },
    { name: 'a token replayed for another predictionId', body: () => ({ ...reviewBody(), predictionToken: reviewBody().predictionToken }) },
  ];
  for (const c of refused) {
    for (const [route, handler] of [
      ['/api/approve', () => approve],
      ['/api/revise', () => revise],
    ] as const) {
      test(`${route}: ${c.name} → 400 invalid_prediction_token, nothing stored`, async () => {
        const body = c.body();
        const result = await handler()(post(route, body));
        assert.equal(result.statusCode, 400, result.body);
        assert.equal(errorCode(result), 'invalid_prediction_token');
        assert.equal((await storedIds()).has(body.predictionId), false);
      });
    }
  }

  test('the forged-review attack of issue 7: 150 forged "puppy = anger" reviews store nothing and never reach the export', async () => {
    const probabilities = Object.fromEntries(LABELS.map((l) => [l, l === 'anger' ? 0.94 : 0.01])) as ReviseRequest['probabilities'];
    const results = await Promise.all(
      Array.from({ length: 150 }, () =>
        revise(
          post('/api/revise', {
            ...reviewBody({ text: 'I love my new puppy', predictedLabel: 'anger', probabilities }),
            predictionToken: 'v1.0.forged',
          }),
        ),
      ),
    );
    assert.deepEqual(new Set(results.map((r) => r.statusCode)), new Set([400]));
    const csv = await getcsv(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', headers: OPERATOR_AUTH }));
    assert.equal(csv.statusCode, 200);
    assert.doesNotMatch(csv.body ?? '', /I love my new puppy/);
  });

  test('getcsv without the token or with a wrong one → 401 JSON, logged without the token', async () => {
    const missing = await getcsv(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', requestId: 'no-token' }));
    assert.equal(missing.statusCode, 401);
    assert.equal(errorCode(missing), 'unauthorized');
    const wrongToken = `${TEST_OPERATOR_TOKEN.slice(0, -1)}X`;
    const wrong = await getcsv(
      toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', requestId: 'wrong-token', headers: { authorization: `Bearer ${wrongToken}` } }),
    );
    assert.equal(wrong.statusCode, 401);
    const logged = logs.filter((line) => line.includes('operator authentication failed'));
    assert.ok(logged.some((line) => line.includes('"requestId":"no-token"') && line.includes('"credential":"missing"')));
    assert.ok(logged.some((line) => line.includes('"requestId":"wrong-token"') && line.includes('"credential":"wrong"')));
    assert.ok(!logs.some((line) => line.includes(wrongToken) || line.includes(TEST_OPERATOR_TOKEN)), 'no token in any log line');
  });

  test('getcsv with the token → 200, by Authorization header and by session cookie', async () => {
    const byHeader = await getcsv(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', headers: OPERATOR_AUTH }));
    assert.equal(byHeader.statusCode, 200);
    const live = newOperatorSession(TEST_OPERATOR_TOKEN).value;
    const byCookie = await getcsv(
      toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', headers: { cookie: `theme=dark; sentiment_operator=${live}` } }),
    );
    assert.equal(byCookie.statusCode, 200);
    assert.equal(byCookie.body, byHeader.body);
  });

  test('the session cookie is not the token: a raw token, an expired, a forged or a re-signed session is 401', async () => {
    const cookieOf = (value: string) => toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', headers: { cookie: `sentiment_operator=${value}` } });
    const long = new Date(Date.now() - OPERATOR_SESSION_MS - 1000);
    const expired = newOperatorSession(TEST_OPERATOR_TOKEN, long).value;
    const [prefix, , nonce, mac] = newOperatorSession(TEST_OPERATOR_TOKEN).value.split('.');
    const stretched = `${prefix}.${Date.now() + 10 * OPERATOR_SESSION_MS}.${nonce}.${mac}`;
    const otherKey = newOperatorSession(`${TEST_OPERATOR_TOKEN}x`).value;
    for (const value of [TEST_OPERATOR_TOKEN, expired, stretched, otherKey, 's1.x.y.z']) {
      const response = await getcsv(cookieOf(value));
      assert.equal(response.statusCode, 401, value.slice(0, 12));
      assert.match(ErrorBodySchema.parse(JSON.parse(response.body ?? '{}')).error.message, /session has expired or is no longer valid/);
    }
    assert.equal((await getcsv(cookieOf(newOperatorSession(TEST_OPERATOR_TOKEN).value))).statusCode, 200, 'negative control: a live one opens it');
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie on /api (Secure on HTTPS); a wrong token is 401 without a cookie', async () => {
    const overHttp = await session(
      post('/api/operator/session', { token: TEST_OPERATOR_TOKEN }, { headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'http' } }),
    );
    assert.equal(overHttp.statusCode, 200);
    assert.deepEqual(JSON.parse(overHttp.body ?? ''), { operator: true });
    const cookie = overHttp.cookies?.[0] ?? '';
    assert.match(cookie, /^sentiment_operator=s1\.\d+\.[\w-]+\.[\w-]+; Max-Age=28800; Path=\/api; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    assert.ok(!cookie.includes(TEST_OPERATOR_TOKEN), 'the cookie does not hold the token');
    assert.doesNotMatch(overHttp.body ?? '', new RegExp(TEST_OPERATOR_TOKEN));
    const overHttps = await session(
      post(
        '/api/operator/session',
        { token: TEST_OPERATOR_TOKEN },
        { headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' } },
      ),
    );
    assert.match(overHttps.cookies?.[0] ?? '', /; Secure/);
    const wrong = await session(post('/api/operator/session', { token: 'not-the-token' }));
    assert.equal(wrong.statusCode, 401);
    assert.equal(errorCode(wrong), 'unauthorized');
    assert.equal(wrong.cookies, undefined);
  });

  test('session GET says whether the cookie is valid; DELETE (sign-out) clears the cookie', async () => {
    const signedIn = await session(
      toApiGatewayEvent({
        method: 'GET',
        path: '/api/operator/session',
        headers: { cookie: `sentiment_operator=${newOperatorSession(TEST_OPERATOR_TOKEN).value}` },
      }),
    );
    assert.equal(signedIn.statusCode, 200);
    const anonymous = await session(toApiGatewayEvent({ method: 'GET', path: '/api/operator/session' }));
    assert.equal(anonymous.statusCode, 401);
    const signOut = await session(toApiGatewayEvent({ method: 'DELETE', path: '/api/operator/session' }));
    assert.equal(signOut.statusCode, 200);
    assert.deepEqual(JSON.parse(signOut.body ?? ''), { operator: false });
    assert.match(
      signOut.cookies?.[0] ?? '',
      /^sentiment_operator=; Max-Age=0; Path=\/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
    );
  });
});
