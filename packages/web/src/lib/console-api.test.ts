import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS, type StatsResponse, type StoredReview } from '@sentiment/core';
import { ApiError } from './api.ts';
import { createConsoleClient, defaultStatsVersion, isSignedOut, REVIEW_PAGE_SIZE } from './console-api.ts';

const review: StoredReview = {
  id: '0b7f6a4e-2c1d-4f3a-9e8b-1a2b3c4d5e6f',
  text: 'My dog died',
  predictedLabel: 'sadness',
  label: 'sadness',
  action: 'approved',
  modelVersion: 'isear-v3',
  probabilities: { fear: 0.05, guilt: 0.05, joy: 0.05, anger: 0.05, disgust: 0.05, sadness: 0.7, shame: 0.05 },
  createdAt: '2026-12-02T10:00:00.000Z',
  updatedAt: '2026-12-02T10:00:00.000Z',
};

const zeros = () => Object.fromEntries(LABELS.map((l) => [l, 0]));
const stats: StatsResponse = {
  modelVersion: 'isear-v3',
  from: null,
  to: null,
  versions: [{ modelVersion: 'isear-v3', reviews: 1 }],
  reviews: 1,
  counts: { approved: 1, revised: 0, blind: 0, corrected: 0 },
  agreement: { rate: 1, n: 1 },
  blindAccuracy: { rate: null, n: 0, low: null, high: null },
  accuracy: 1,
  macroF1: 1,
  perLabel: Object.fromEntries(
    LABELS.map((l) => [l, { precision: null, recall: null, f1: null, support: 0, predicted: 0 }]),
  ) as StatsResponse['perLabel'],
  confusion: Object.fromEntries(LABELS.map((l) => [l, zeros()])) as StatsResponse['confusion'],
  alerts: [],
  shadow: [],
};

interface Seen {
  url: string;
  method: string;
  body: string | undefined;
}

/** A fetch that records each request and answers with `answer(request)`. */
function stubFetch(answer: (seen: Seen) => { status: number; body?: unknown }) {
  const seen: Seen[] = [];
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = {
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    seen.push(request);
    const { status, body } = answer(request);
    return Promise.resolve(
      new Response(body === undefined ? 'not json' : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    );
  }) as typeof globalThis.fetch;
  return { seen, client: createConsoleClient({ fetch, baseUrl: 'http://api.test' }) };
}

test('reviews: the view query plus limit and cursor; the answer parsed with the core schema', async () => {
  const { seen, client } = stubFetch(() => ({ status: 200, body: { reviews: [review], nextCursor: 'abc' } }));
  const page = await client.reviews(new URLSearchParams('q=dog&label=sadness'), 'c1');
  assert.deepEqual(page, { reviews: [review], nextCursor: 'abc' });
  const url = new URL(seen[0]?.url ?? '');
  assert.equal(url.pathname, '/api/reviews');
  assert.deepEqual(Object.fromEntries(url.searchParams), { q: 'dog', label: 'sadness', limit: String(REVIEW_PAGE_SIZE), cursor: 'c1' });
  await client.reviews(new URLSearchParams(), undefined);
  assert.equal(new URL(seen[1]?.url ?? '').searchParams.has('cursor'), false);
});

test('an answer of the wrong shape is an unavailable ApiError, not a crash', async () => {
  const { client } = stubFetch(() => ({ status: 200, body: { reviews: [{ ...review, label: 'happy' }], nextCursor: null } }));
  await assert.rejects(client.reviews(new URLSearchParams(), undefined), (e: unknown) => e instanceof ApiError && e.kind === 'unavailable');
});

test('401 is a rejected ApiError that isSignedOut recognises; a 400 keeps the server words', async () => {
  const { client } = stubFetch(({ url }) =>
    url.includes('stats')
      ? { status: 401, body: { error: { code: 'unauthorized', message: 'Sign in as the operator.' } } }
      : { status: 400, body: { error: { code: 'invalid_field', message: 'cursor: not a cursor of this query' } } },
  );
  await assert.rejects(client.stats(new URLSearchParams()), (e: unknown) => {
    assert.ok(isSignedOut(e));
    assert.equal((e as ApiError).message, 'Sign in as the operator.');
    return true;
  });
  await assert.rejects(client.reviews(new URLSearchParams(), 'bad'), (e: unknown) => {
    assert.ok(e instanceof ApiError && e.kind === 'rejected' && e.code === 'invalid_field');
    assert.equal(isSignedOut(e), false);
    assert.equal(e.message, 'cursor: not a cursor of this query');
    return true;
  });
  assert.equal(isSignedOut(new Error('x')), false);
});

test('correct: PATCH /api/reviews/{id} {"label"} resolves with the stored review', async () => {
  const corrected = { ...review, label: 'guilt', action: 'corrected', correctedBy: 'op-1', correctedAt: '2026-12-02T11:00:00.000Z' } as const;
  const { seen, client } = stubFetch(() => ({ status: 200, body: { review: corrected } }));
  assert.deepEqual(await client.correct(review.id, 'guilt'), corrected);
  assert.deepEqual(seen[0], { url: `http://api.test/api/reviews/${review.id}`, method: 'PATCH', body: '{"label":"guilt"}' });
});

test('remove: DELETE resolves deleted; a 404 not_found (a retried delete) resolves not deleted; a 5xx rejects', async () => {
  let status = 200;
  const { seen, client } = stubFetch(() =>
    status === 200
      ? { status, body: { deleted: { id: review.id, at: '2026-12-02T11:00:00.000Z' } } }
      : status === 404
        ? { status, body: { error: { code: 'not_found', message: 'No such review.' } } }
        : { status },
  );
  assert.deepEqual(await client.remove(review.id), { deleted: true, at: '2026-12-02T11:00:00.000Z' });
  assert.equal(seen[0]?.method, 'DELETE');
  status = 404;
  assert.deepEqual(await client.remove(review.id), { deleted: false });
  status = 503;
  await assert.rejects(client.remove(review.id), (e: unknown) => e instanceof ApiError && e.kind === 'unavailable' && e.status === 503);
});

test('stats and audit parse their answers; the stats query is sent as given', async () => {
  const record = {
    id: 'a1',
    at: '2026-12-02T11:00:00.000Z',
    operator: 'op-1',
    action: 'correct',
    reviewId: review.id,
    fromLabel: 'sadness',
    toLabel: 'guilt',
  };
  const { seen, client } = stubFetch(({ url }) =>
    url.includes('/api/audit') ? { status: 200, body: { records: [record], nextCursor: null } } : { status: 200, body: stats },
  );
  assert.deepEqual(await client.stats(new URLSearchParams('modelVersion=isear-v3')), stats);
  assert.equal(seen[0]?.url, 'http://api.test/api/stats?modelVersion=isear-v3');
  await client.stats(new URLSearchParams());
  assert.equal(seen[1]?.url, 'http://api.test/api/stats');
  assert.deepEqual((await client.audit('next')).records, [record]);
  assert.equal(seen[2]?.url, 'http://api.test/api/audit?limit=20&cursor=next');
});

test('servedVersion reads /model/readyz and is undefined when the model service is down', async () => {
  const up = stubFetch(() => ({ status: 200, body: { status: 'ready', modelVersion: 'isear-v3' } }));
  assert.equal(await up.client.servedVersion(), 'isear-v3');
  assert.equal(up.seen[0]?.url, 'http://api.test/model/readyz');
  const down = stubFetch(() => ({ status: 503, body: { error: { code: 'service_unavailable', message: 'loading' } } }));
  assert.equal(await down.client.servedVersion(), undefined);
  const unreachable = createConsoleClient({ baseUrl: 'http://127.0.0.1:9' });
  assert.equal(await unreachable.servedVersion(), undefined);
});

test('defaultStatsVersion: the served version when it has reviews, else the most reviewed', () => {
  const versions = [
    { modelVersion: 'a', reviews: 5 },
    { modelVersion: 'b', reviews: 9 },
    { modelVersion: 'c', reviews: 0 },
  ];
  assert.equal(defaultStatsVersion(versions, 'a'), 'a');
  assert.equal(defaultStatsVersion(versions, 'c'), 'b', 'a served version without reviews has nothing to show');
  assert.equal(defaultStatsVersion(versions, undefined), 'b');
  assert.equal(defaultStatsVersion([], 'a'), undefined);
});
