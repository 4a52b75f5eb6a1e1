import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import {
  ErrorBodySchema,
  EXPORT_COLUMNS,
  MAX_REQUEST_BODY_BYTES as MAX_BODY_BYTES,
  MAX_TEXT_CODE_POINTS,
  ReviewResponseSchema,
  unguardSpreadsheetText,
  type ReviseRequest,
} from '@sentiment/core';
import { createReviewStore } from '../review/store.ts';
import { toApiGatewayEvent, type RawRequest } from '../lambda/event.ts';
import type { LambdaHandler, LambdaResult } from '../lambda/edge.ts';
import { createApproveHandler } from './approve.ts';
import { createReviseHandler } from './revise.ts';
import { createGetCsvHandler } from './getcsv.ts';
import type { HandlerDeps } from './deps.ts';
import { OPERATOR_AUTH, reviewBody, signed, startTestTable, steppingClock, TEST_TRUST, type TestTable } from '../testing/fixtures.ts';

/** A pino logger whose JSON lines land in `lines`. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function post(body: unknown, overrides: Partial<RawRequest> = {}): ReturnType<typeof toApiGatewayEvent> {
  return toApiGatewayEvent({
    method: 'POST',
    path: '/api/revise',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    ...overrides,
  });
}

function errorOf(result: LambdaResult) {
  assert.equal(result.headers?.['content-type'], 'application/json; charset=utf-8');
  const body = ErrorBodySchema.parse(JSON.parse(result.body ?? ''));
  assert.doesNotMatch(result.body ?? '', /\bat .*\.(ts|js):\d+/, 'no stack trace in a response');
  return body.error;
}

describe('approve and revise handlers on a real DynamoDB Local', () => {
  let table: TestTable;
  let approve: LambdaHandler;
  let revise: LambdaHandler;
  let getcsv: LambdaHandler;
  let deps: HandlerDeps;
  let logs: Record<string, unknown>[];

  async function itemCount(): Promise<number> {
    const page = await table.client.send(new ScanCommand({ TableName: table.tableName, Select: 'COUNT' }));
    return page.Count ?? 0;
  }

  before(async () => {
    table = await startTestTable();
    const captured = captureLogger();
    logs = captured.lines;
    deps = {
      store: createReviewStore({ client: table.client, tableName: table.tableName, now: steppingClock() }),
      logger: captured.logger,
      ...TEST_TRUST,
    };
    approve = createApproveHandler(deps);
    revise = createReviseHandler(deps);
    getcsv = createGetCsvHandler(deps);
  });
  after(() => table.close());

  test('approve stores the review and answers 200 {review} with action approved', async () => {
    const body = reviewBody();
    const result = await approve(post(body, { path: '/api/approve' }));
    assert.equal(result.statusCode, 200);
    const { review } = ReviewResponseSchema.parse(JSON.parse(result.body ?? ''));
    assert.equal(review.id, body.predictionId);
    assert.equal(review.action, 'approved');
  });

  test('revise after approve changes label and action, keeps createdAt; a base64 body works the same', async () => {
    const body = reviewBody({ predictedLabel: 'fear' });
    const approved = ReviewResponseSchema.parse(JSON.parse((await approve(post(body))).body ?? '')).review;
    const result = await revise(post(JSON.stringify({ ...body, label: 'guilt' }), { base64: true }));
    assert.equal(result.statusCode, 200);
    const revised = ReviewResponseSchema.parse(JSON.parse(result.body ?? '')).review;
    assert.equal(revised.label, 'guilt');
    assert.equal(revised.action, 'revised');
    assert.equal(revised.createdAt, approved.createdAt);
    assert.notEqual(revised.updatedAt, approved.updatedAt);
  });

  test('revise with the predicted label is stored as approved; the same body twice answers 200 twice', async () => {
    const body = reviewBody({ predictedLabel: 'disgust' });
    const first = await revise(post(body));
    const second = await revise(post(body));
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(JSON.parse(second.body ?? ''), JSON.parse(first.body ?? ''));
    assert.equal(ReviewResponseSchema.parse(JSON.parse(first.body ?? '')).review.action, 'approved');
  });

  test('a charset=utf-8 content type is accepted', async () => {
    const result = await approve(post(reviewBody(), { headers: { 'Content-Type': 'application/json; charset=UTF-8' } }));
    assert.equal(result.statusCode, 200);
  });

  test('a predictionId reused for another prediction answers 409 conflict', async () => {
    const body = reviewBody();
    assert.equal((await approve(post(body))).statusCode, 200);
    const result = await revise(post(signed({ ...body, text: 'a different sentence', label: 'anger' })));
    assert.equal(result.statusCode, 409);
    assert.equal(errorOf(result).code, 'conflict');
  });

  const valid = (): ReviseRequest => reviewBody();
  // A valid body whose fear probability is `value` (shame takes the difference, so the sum stays 1).
  const withFear = (value: number): ReviseRequest => {
    const body = valid();
    return { ...body, probabilities: { ...body.probabilities, fear: value, shame: body.probabilities.shame + body.probabilities.fear - value } };
  };
  const bad: { name: string; event: () => ReturnType<typeof post>; status: number; code: string; message?: RegExp; handler?: 'approve' }[] = [
    { name: 'no content type', event: () => post(valid(), { headers: {} }), status: 415, code: 'unsupported_media_type' },
    { name: 'text/plain', event: () => post(valid(), { headers: { 'content-type': 'text/plain' } }), status: 415, code: 'unsupported_media_type' },
    {
      name: 'form encoded',
      event: () => post(valid(), { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'latin1 JSON',
      event: () => post(valid(), { headers: { 'content-type': 'application/json; charset=latin1' } }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'garbled content type',
      event: () => post(valid(), { headers: { 'content-type': 'application/json;;;=' } }),
      status: 415,
      code: 'unsupported_media_type',
    },
    { name: 'body over 64 KiB', event: () => post({ ...valid(), pad: 'x'.repeat(MAX_BODY_BYTES) }), status: 413, code: 'payload_too_large' },
    {
      name: 'base64 body over 64 KiB',
      event: () => post(JSON.stringify({ ...valid(), pad: 'x'.repeat(MAX_BODY_BYTES) }), { base64: true }),
      status: 413,
      code: 'payload_too_large',
    },
    { name: 'malformed JSON', event: () => post('{"predictionId": '), status: 400, code: 'malformed_json' },
    { name: 'empty body', event: () => post(''), status: 400, code: 'malformed_json' },
    { name: 'invalid UTF-8', event: () => post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { base64: true }), status: 400, code: 'malformed_json' },
    { name: 'JSON array', event: () => post([valid()]), status: 400, code: 'invalid_field' },
    { name: 'JSON null', event: () => post('null'), status: 400, code: 'invalid_field' },
    {
      name: 'missing field',
      event: () => post({ ...valid(), modelVersion: undefined }),
      status: 400,
      code: 'invalid_field',
      message: /modelVersion/,
    },
    { name: 'extra field', event: () => post({ ...valid(), admin: true }), status: 400, code: 'invalid_field', message: /admin/ },
    { name: 'unknown label', event: () => post({ ...valid(), label: 'happiness' }), status: 400, code: 'invalid_field', message: /label/ },
    {
      name: 'predictionId not a UUID',
      event: () => post({ ...valid(), predictionId: 'abc' }),
      status: 400,
      code: 'invalid_field',
      message: /predictionId/,
    },
    {
      name: 'probabilities not summing to 1',
      event: () => post({ ...valid(), probabilities: { ...valid().probabilities, joy: 0.9 } }),
      status: 400,
      code: 'invalid_field',
      message: /sum/,
    },
    {
      name: 'probability missing',
      event: () => post({ ...valid(), probabilities: { ...valid().probabilities, shame: undefined } }),
      status: 400,
      code: 'invalid_field',
      message: /shame/,
    },
    {
      name: 'probability 1e-131 (DynamoDB underflow)',
      event: () => post(withFear(1e-131)),
      status: 400,
      code: 'invalid_field',
      message: /probabilities\.fear.*1e-130/,
    },
    { name: 'probability 5e-324', event: () => post(withFear(5e-324)), status: 400, code: 'invalid_field', message: /probabilities\.fear/ },
    {
      name: 'approve with probability 5e-324',
      event: () => post(withFear(5e-324)),
      status: 400,
      code: 'invalid_field',
      message: /probabilities\.fear/,
      handler: 'approve',
    },
    {
      name: 'modelVersion with a slash',
      event: () => post({ ...valid(), modelVersion: '../x' }),
      status: 400,
      code: 'invalid_field',
      message: /modelVersion/,
    },
    { name: 'empty text', event: () => post({ ...valid(), text: '' }), status: 400, code: 'invalid_field', message: /empty/ },
    {
      name: 'whitespace-only text',
      event: () => post({ ...valid(), text: ' \u00A0\t\r\n\u200B ' }),
      status: 400,
      code: 'invalid_field',
      message: /empty/,
    },
    {
      name: 'text of only invisible characters',
      event: () => post({ ...valid(), text: '\u3164 \u2800\u{E0020}\uFE0F\u00AD' }),
      status: 400,
      code: 'invalid_field',
      message: /empty/,
    },
    {
      name: 'text over the limit',
      event: () => post({ ...valid(), text: '😀'.repeat(MAX_TEXT_CODE_POINTS + 1) }),
      status: 400,
      code: 'invalid_field',
      message: new RegExp(String(MAX_TEXT_CODE_POINTS)),
    },
    {
      name: 'lone surrogate',
      event: () => post(JSON.stringify(valid()).replace('I passed', 'I \\ud83d passed')),
      status: 400,
      code: 'invalid_field',
      message: /surrogate/,
    },
    { name: 'text not a string', event: () => post({ ...valid(), text: 42 }), status: 400, code: 'invalid_field', message: /text/ },
    {
      name: 'predictedLabel that is not the most probable label',
      event: () => post({ ...valid(), predictedLabel: 'shame', label: 'shame' }),
      status: 400,
      code: 'invalid_field',
      message: /highest probability/,
    },
    {
      name: 'approve with label ≠ predictedLabel',
      event: () => post({ ...valid(), label: 'shame' }),
      status: 400,
      code: 'invalid_field',
      message: /predictedLabel/,
      handler: 'approve',
    },
  ];

  for (const c of bad) {
    test(`${c.name} → ${c.status} ${c.code}, nothing stored`, async () => {
      const before = await itemCount();
      const event = c.event();
      const result = await (c.handler === 'approve' ? approve : revise)(event);
      assert.equal(result.statusCode, c.status, result.body);
      const error = errorOf(result);
      assert.equal(error.code, c.code);
      assert.equal(error.requestId, event.requestContext.requestId);
      if (c.message) assert.match(error.message, c.message);
      if (c.code === 'invalid_field') assert.ok(error.issues && error.issues.length > 0);
      assert.equal(await itemCount(), before);
    });
  }

  test('a DynamoDB failure is a generic 500 with the request id, logged with that id', async () => {
    const broken = createReviseHandler({ ...deps, store: createReviewStore({ client: table.client, tableName: 'no-such-table' }) });
    const event = post(valid(), { requestId: 'req-500-test' });
    const result = await broken(event);
    assert.equal(result.statusCode, 500);
    const error = errorOf(result);
    assert.deepEqual(error, { code: 'internal_error', message: error.message, requestId: 'req-500-test' });
    assert.doesNotMatch(error.message, /no-such-table|ResourceNotFound/);
    const logged = logs.find((line) => line.requestId === 'req-500-test');
    assert.ok(logged, 'the failure is logged with the request id');
    assert.equal(logged.level, 50);
  });

  test('getcsv answers every review as a CSV download with the right headers', async () => {
    const body = reviewBody({ text: '=cmd, "quoted"; café 😀', predictedLabel: 'joy', label: 'sadness' });
    assert.equal((await revise(post(body))).statusCode, 200);
    const result = await getcsv(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', headers: OPERATOR_AUTH }));
    assert.equal(result.statusCode, 200);
    assert.equal(result.headers?.['content-type'], 'text/csv; charset=utf-8');
    assert.equal(result.headers?.['content-disposition'], 'attachment; filename="sentiment.csv"');
    assert.equal(result.headers?.['cache-control'], 'no-store');
    assert.ok(result.body?.startsWith('\uFEFFid,text,'));
    const records = parse<Record<string, string>>(result.body ?? '', { bom: true, columns: true });
    assert.equal(records.length, await itemCount());
    const row = records.find((r) => r.id === body.predictionId);
    assert.ok(row);
    assert.equal(unguardSpreadsheetText(row.text!), body.text);
    assert.equal(row.label, 'sadness');
    assert.equal(row.predicted_label, 'joy');
    assert.equal(row.action, 'revised');
    assert.deepEqual(Object.keys(row), [...EXPORT_COLUMNS]);
  });

  test('getcsv?delimiter=semicolon uses ";"', async () => {
    const result = await getcsv(
      toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', rawQueryString: 'delimiter=semicolon', headers: OPERATOR_AUTH }),
    );
    assert.equal(result.statusCode, 200);
    assert.ok(result.body?.startsWith(`\uFEFF${EXPORT_COLUMNS.join(';')}\r\n`));
  });

  for (const query of ['delimiter=tab', 'delimiter=comma&delimiter=semicolon', 'format=xlsx', 'delimiter=']) {
    test(`getcsv?${query} → 400 invalid_field`, async () => {
      const result = await getcsv(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', rawQueryString: query, headers: OPERATOR_AUTH }));
      assert.equal(result.statusCode, 400);
      assert.equal(errorOf(result).code, 'invalid_field');
    });
  }
});
