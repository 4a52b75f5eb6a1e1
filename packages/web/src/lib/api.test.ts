import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { LABELS, type ApproveRequest } from '@sentiment/core';
import { ApiError, createApiClient } from './api.ts';

/** What the test server does with the next request. */
type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const PREDICTION = {
  predictionId: '6f1c4c1e-8a47-4b8e-9a53-2f6a1f0c9b11',
  label: 'joy',
  probabilities: { fear: 0.05, guilt: 0.05, joy: 0.6, anger: 0.1, disgust: 0.05, sadness: 0.1, shame: 0.05 },
  modelVersion: 'test-1',
  predictionToken: 'v2.1714557600000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  confidence: 'high',
} as const;

const REVIEW: ApproveRequest = {
  predictionId: PREDICTION.predictionId,
  text: 'I passed my exam',
  predictedLabel: 'joy',
  label: 'joy',
  modelVersion: PREDICTION.modelVersion,
  probabilities: PREDICTION.probabilities,
  predictionToken: PREDICTION.predictionToken,
};

function storedReview(action: 'approved' | 'revised', label: string) {
  return {
    review: {
      id: REVIEW.predictionId,
      text: REVIEW.text,
      predictedLabel: 'joy',
      label,
      action,
      modelVersion: REVIEW.modelVersion,
      probabilities: REVIEW.probabilities,
      createdAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
    },
  };
}

// Each test request gets its own connection, so closing a held one never breaks a pooled socket.
function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(value));
}

describe('api client against a real HTTP server on 127.0.0.1', () => {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body });
      reply(req, res, body);
    });
  });
  let seen: { method?: string; url?: string; contentType?: string; body: string }[] = [];
  let reply: Reply = (_req, res) => json(res, 500, {});
  let baseUrl = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
  });

  test('predict posts {"text", "explain": true} as JSON to /model/predict and returns the parsed prediction', async () => {
    reply = (_req, res) => json(res, 200, PREDICTION);
    const prediction = await createApiClient({ baseUrl }).predict('I passed my exam');
    assert.deepEqual(prediction, PREDICTION);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/model/predict');
    assert.equal(seen[0]!.contentType, 'application/json');
    assert.deepEqual(JSON.parse(seen[0]!.body), { text: 'I passed my exam', explain: true });
  });

  test('predict accepts an unsure prediction with its explanation', async () => {
    const unsure = { ...PREDICTION, confidence: 'low', explanation: [{ text: 'exam', weight: -0.4 }] };
    reply = (_req, res) => json(res, 200, unsure);
    assert.deepEqual(await createApiClient({ baseUrl }).predict('I passed my exam'), unsure);
  });

  test('approve and revise post the review to /api/approve and /api/revise', async () => {
    reply = (req, res, body) => {
      const sent = JSON.parse(body) as { label: string };
      json(res, 200, storedReview(req.url === '/api/approve' ? 'approved' : 'revised', sent.label));
    };
    const api = createApiClient({ baseUrl });
    const approved = await api.approve(REVIEW);
    const revised = await api.revise({ ...REVIEW, label: 'sadness' });
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/api/approve', '/api/revise'],
    );
    assert.deepEqual(JSON.parse(seen[0]!.body), REVIEW);
    assert.equal(approved.review.action, 'approved');
    assert.equal(revised.review.action, 'revised');
    assert.equal(revised.review.label, 'sadness');
  });

  test("a 4xx with an error body is 'rejected' and carries the server's own message", async () => {
    reply = (_req, res) => json(res, 400, { error: { code: 'invalid_field', message: 'text: text is empty after removing whitespace' } });
    const error = await createApiClient({ baseUrl })
      .predict(' ')
      .catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, 'rejected');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_field');
    assert.equal(error.message, 'text: text is empty after removing whitespace');
  });

  test('a 5xx is "unavailable" and names the service, even with an error body', async () => {
    reply = (_req, res) => json(res, 503, { error: { code: 'service_unavailable', message: 'model not loaded' } });
    const predictError = await createApiClient({ baseUrl })
      .predict('hello')
      .catch((e: unknown) => e);
    assert.ok(predictError instanceof ApiError);
    assert.equal(predictError.kind, 'unavailable');
    assert.equal(predictError.status, 503);
    assert.match(predictError.message, /^The model service is unreachable/);
    assert.match(predictError.message, /HTTP 503/);

    const reviewError = await createApiClient({ baseUrl })
      .approve(REVIEW)
      .catch((e: unknown) => e);
    assert.ok(reviewError instanceof ApiError);
    assert.match(reviewError.message, /^The review service is unreachable/);
  });

  test('a 4xx whose body is not an error body (e.g. an HTML page from a proxy) is "unavailable"', async () => {
    reply = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html', connection: 'close' });
      res.end('<h1>Not Found</h1>');
    };
    const error = await createApiClient({ baseUrl })
      .predict('hello')
      .catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /HTTP 404/);
  });

  test('a 200 whose body does not match the schema is "unavailable", not trusted', async () => {
    reply = (_req, res) => json(res, 200, { ...PREDICTION, label: 'happiness' });
    const error = await createApiClient({ baseUrl })
      .predict('hello')
      .catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /unexpected response/);

    reply = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end('{"truncated":');
    };
    const truncated = await createApiClient({ baseUrl })
      .predict('hello')
      .catch((e: unknown) => e);
    assert.ok(truncated instanceof ApiError);
    assert.equal(truncated.kind, 'unavailable');
  });

  test('probabilities are checked: a response whose seven probabilities do not sum to 1 is refused', async () => {
    reply = (_req, res) => json(res, 200, { ...PREDICTION, probabilities: Object.fromEntries(LABELS.map((l) => [l, 0.5])) });
    const error = await createApiClient({ baseUrl })
      .predict('hello')
      .catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, 'unavailable');
  });

  test('a server that never answers gives up after timeoutMs with an "unavailable" message', async () => {
    const held: IncomingMessage[] = [];
    reply = (req) => held.push(req); // never answer
    const started = Date.now();
    const error = await createApiClient({ baseUrl, timeoutMs: 200 })
      .predict('hello')
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /no answer within 0.2 s/);
    assert.ok(elapsed >= 150 && elapsed < 5000, `gave up after ${elapsed} ms`);
    for (const req of held) req.socket.destroy();
  });

  test('a caller abort rejects with the abort, not with an "unavailable" message', async () => {
    const held: IncomingMessage[] = [];
    reply = (req) => held.push(req); // never answer
    const controller = new AbortController();
    const pending = createApiClient({ baseUrl }).predict('hello', controller.signal);
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    assert.ok(!(error instanceof ApiError));
    assert.equal((error as Error).name, 'AbortError');
    for (const req of held) req.socket.destroy();
  });
});

test('a port where nothing listens gives the "unreachable" message (network error)', async () => {
  // Bind then close a server to get a port that is free and refuses connections.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));

  const error = await createApiClient({ baseUrl: `http://127.0.0.1:${port}` })
    .revise(REVIEW)
    .catch((e: unknown) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.kind, 'unavailable');
  assert.equal(error.status, undefined);
  assert.match(error.message, /^The review service is unreachable right now \(network error\)/);
});
