import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { ErrorBodySchema, EXPORT_COLUMNS, ReviewResponseSchema, unguardSpreadsheetText } from '@sentiment/core';
import { createDocumentClient } from '../clients.ts';
import { createReviewStore } from '../review/store.ts';
import { OPERATOR_AUTH, reviewBody, TEST_TRUST } from '../testing/fixtures.ts';
import { testDynamo } from '../testing/fixtures.ts';
import { documentedRoutes, openApiDocument } from '@sentiment/http/openapi';
import { API_ROUTES, startApiServer, type ApiServer } from './api-server.ts';
import type { LocalDynamo } from './dynamo.ts';

const TABLE = `reviews-api-${randomUUID().slice(0, 8)}`;

describe('local API adapter over HTTP on 127.0.0.1', () => {
  let dynamo: LocalDynamo;
  let api: ApiServer;

  before(async () => {
    dynamo = await testDynamo();
    api = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      tableName: TABLE,
      endpoint: dynamo.endpoint,
      logger: pino({ level: 'silent' }),
      exportPageSize: 3,
      bodyTimeoutMs: 300,
      ...TEST_TRUST,
    });
  });
  after(async () => {
    await api.close();
    await dynamo.close();
  });

  const postJson = (path: string, body: unknown, type = 'application/json') =>
    fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  async function errorCode(response: Response): Promise<string> {
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return ErrorBodySchema.parse(await response.json()).error.code;
  }

  test('approve then revise over HTTP answer 200 with the stored review', async () => {
    const body = reviewBody({ predictedLabel: 'joy' });
    const approved = await postJson('/api/approve', body);
    assert.equal(approved.status, 200);
    assert.equal(ReviewResponseSchema.parse(await approved.json()).review.action, 'approved');
    const revised = await postJson('/api/revise', { ...body, label: 'fear' });
    assert.equal(revised.status, 200);
    const review = ReviewResponseSchema.parse(await revised.json()).review;
    assert.equal(review.label, 'fear');
    assert.equal(review.action, 'revised');
  });

  test('20 identical approvals in parallel all answer 200 and store one review', async () => {
    const body = reviewBody({ text: 'parallel twenty' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => postJson('/api/approve', body)));
    assert.deepEqual(
      responses.map((r) => r.status),
      Array(20).fill(200),
    );
    const reviews = await Promise.all(responses.map(async (r) => ReviewResponseSchema.parse(await r.json()).review));
    assert.equal(new Set(reviews.map((r) => JSON.stringify(r))).size, 1);
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    try {
      const stored = [];
      for await (const r of createReviewStore({ client, tableName: TABLE }).scanReviews()) if (r.text === 'parallel twenty') stored.push(r);
      assert.equal(stored.length, 1);
    } finally {
      client.destroy();
    }
  });

  test('parallel approve and revise over HTTP both succeed and leave one consistent review', async () => {
    const body = reviewBody({ predictedLabel: 'anger' });
    const [a, r] = await Promise.all([postJson('/api/approve', body), postJson('/api/revise', { ...body, label: 'disgust' })]);
    assert.equal(a.status, 200);
    assert.equal(r.status, 200);
    const csv = await (await fetch(`${api.url}/api/getcsv`, { headers: OPERATOR_AUTH })).text();
    const rows = parse<Record<string, string>>(csv, { bom: true, columns: true }).filter((row) => row.id === body.predictionId);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.ok((row.label === 'anger' && row.action === 'approved') || (row.label === 'disgust' && row.action === 'revised'), JSON.stringify(row));
  });

  test('getcsv streams every review (many small pages) with download headers, BOM and CRLF', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => reviewBody({ text: `${i % 2 ? '+' : ''}row ${i}, with "quotes"; and café 😀` }));
    for (const body of bodies) assert.equal((await postJson('/api/revise', body)).status, 200);
    const response = await fetch(`${api.url}/api/getcsv?delimiter=semicolon`, { headers: OPERATOR_AUTH });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="sentiment-semicolon.csv"');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    assert.ok(text.startsWith(`\uFEFF${EXPORT_COLUMNS.join(';')}\r\n`));
    const records = parse<Record<string, string>>(text, { bom: true, columns: true, delimiter: ';', record_delimiter: '\r\n' });
    for (const body of bodies) {
      const row = records.find((r) => r.id === body.predictionId);
      assert.ok(row, body.text);
      assert.equal(unguardSpreadsheetText(row.text!), body.text);
    }
    assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'no review twice across pages');
  });

  test('HEAD /api/getcsv answers the download headers without a body', async () => {
    const response = await fetch(`${api.url}/api/getcsv`, { method: 'HEAD', headers: OPERATOR_AUTH });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="sentiment.csv"');
  });

  test('getcsv with another delimiter or query parameter is a JSON 400', async () => {
    for (const query of ['delimiter=pipe', 'delimiter=%3B', 'x=1', '__proto__=1', 'constructor=x']) {
      const response = await fetch(`${api.url}/api/getcsv?${query}`, { headers: OPERATOR_AUTH });
      assert.equal(response.status, 400, query);
      assert.equal(await errorCode(response), 'invalid_field');
    }
  });

  test('unknown path → 404, wrong method → 405 with allow, both JSON', async () => {
    const missing = await fetch(`${api.url}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(await errorCode(missing), 'not_found');
    const get = await fetch(`${api.url}/api/approve`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(await errorCode(get), 'method_not_allowed');
    const del = await fetch(`${api.url}/api/getcsv`, { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET, HEAD');
  });

  test('wrong content type → 415, malformed JSON → 400, invalid field → 400 over HTTP', async () => {
    const body = reviewBody();
    const wrongType = await postJson('/api/approve', body, 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.equal(await errorCode(wrongType), 'unsupported_media_type');
    const malformed = await postJson('/api/approve', '{"text":');
    assert.equal(malformed.status, 400);
    assert.equal(await errorCode(malformed), 'malformed_json');
    const invalid = await postJson('/api/revise', { ...body, label: 'bored' });
    assert.equal(invalid.status, 400);
    assert.equal(await errorCode(invalid), 'invalid_field');
  });

  test('a body over 64 KiB → 413 JSON, and the server stays up', async () => {
    const response = await postJson('/api/revise', { ...reviewBody(), pad: 'x'.repeat(200 * 1024) });
    assert.equal(response.status, 413);
    assert.equal(await errorCode(response), 'payload_too_large');
    assert.equal((await postJson('/api/revise', reviewBody())).status, 200);
  });

  /** Sends a POST whose body is `partial` while Content-Length declares `declaredLength`; never sends the rest. */
  function postPartial(declaredLength: number, partial: string): Promise<{ status: number; body: string }> {
    const { hostname: host, port } = new URL(api.url);
    return new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-length': String(declaredLength) };
      const req = request({ host, port, path: '/api/revise', method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(partial);
    });
  }

  test('a declared Content-Length over 64 KiB → 413 at once, without waiting for the body', async () => {
    // Far less than declared arrives; the 300 ms body timeout would answer 408 if the adapter waited.
    const { status, body } = await postPartial(99_999_999, '{"text":');
    assert.equal(status, 413);
    assert.equal(ErrorBodySchema.parse(JSON.parse(body)).error.code, 'payload_too_large');
  });

  test('a body that stalls → 408 JSON', async () => {
    const { status, body } = await postPartial(100, '{"text":');
    assert.equal(status, 408);
    assert.equal(ErrorBodySchema.parse(JSON.parse(body)).error.code, 'request_timeout');
  });

  test('every route the adapter serves is in the OpenAPI document under /api, and no other /api route is', () => {
    const served = Object.entries(API_ROUTES).flatMap(([path, methods]) => methods.map((method) => `${method} ${path}`));
    const documented = documentedRoutes().filter((route) => route.split(' ')[1]!.startsWith('/api/'));
    assert.deepEqual(served.sort(), documented.sort());
  });

  test('GET /api/openapi.json serves the OpenAPI document', async () => {
    const response = await fetch(`${api.url}/api/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), openApiDocument());
  });

  test('a chunked body over 64 KiB → 413 JSON (not a reset connection)', async () => {
    const { hostname: host, port } = new URL(api.url);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host, port, path: '/api/revise', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // No Content-Length: Node sends it chunked.
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    assert.equal(status, 413);
    assert.equal(ErrorBodySchema.parse(JSON.parse(body)).error.code, 'payload_too_large');
  });

  test("every response carries x-request-id, the caller's when it is sane, also in the error body", async () => {
    const response = await fetch(`${api.url}/api/nope`, { headers: { 'x-request-id': 'trace-77' } });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('x-request-id'), 'trace-77');
    assert.equal(ErrorBodySchema.parse(await response.json()).error.requestId, 'trace-77');
  });
});
