import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ClientError,
  LABELS,
  parseOrThrow,
  ReviewListQuerySchema,
  ReviseRequestSchema,
  StatsQuerySchema,
  type Label,
  type ReviewListQuery,
  type StatsQuery,
  type StoredReview,
} from '@sentiment/core';
import { createReviewStore, type ReviewStore } from './store.ts';
import { normalizedCounters, statsFromCounters } from './stats.ts';
import { probabilitiesFor, reviewBody, startTestTable, type TestTable } from '../testing/fixtures.ts';

const parse = (body: unknown) => parseOrThrow(ReviseRequestSchema, body);
const OPERATOR = { operator: 'operator:0123abcd', requestId: 'req-1' };

/** A clock the test moves: `advance(ms)`. */
function testClock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['exam', 'Friend', 'dog', 'rain', 'mother', 'LIE', 'party', 'accident'];

/** Stats must equal the same figures computed from a full-scan recount of the same selection. */
async function assertStatsExact(store: ReviewStore, query: StatsQuery, message = JSON.stringify(query)): Promise<void> {
  const stats = await store.stats(query);
  const recounted = statsFromCounters(await store.recount(query), {
    modelVersion: query.modelVersion ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    versions: stats.versions,
  });
  assert.deepEqual(stats, recounted, message);
}

async function listAll(store: ReviewStore, query: ReviewListQuery): Promise<StoredReview[]> {
  const out: StoredReview[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.listReviews({ ...query, ...(cursor ? { cursor } : {}) });
    assert.ok(page.reviews.length <= (query.limit ?? 50));
    out.push(...page.reviews);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error('too many pages');
}

const newestFirst = (a: StoredReview, b: StoredReview) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

describe('console store: list, corrections, deletions and exact stats on DynamoDB Local', () => {
  let table: TestTable;
  let store: ReviewStore;
  const clock = testClock('2025-03-01T00:00:00.000Z');
  const seeded: StoredReview[] = [];

  before(async () => {
    table = await startTestTable();
    store = createReviewStore({ client: table.client, tableName: table.tableName, now: clock.now });
    // 240 reviews over 5 days and two model versions: approvals, revisions, blind ones, some with a shadow answer.
    const rand = random(8);
    for (let i = 0; i < 240; i++) {
      clock.advance(Math.floor(rand() * 60) * 60_000);
      const predictedLabel = LABELS[Math.floor(rand() * 7)]!;
      const label: Label = rand() < 0.6 ? predictedLabel : LABELS[Math.floor(rand() * 7)]!;
      const shadowLabel = rand() < 0.5 ? label : predictedLabel;
      const body = reviewBody({
        predictedLabel,
        label,
        probabilities: probabilitiesFor(predictedLabel),
        modelVersion: i % 3 === 0 ? 'v2' : 'v1',
        text: `review ${i} about the ${WORDS[i % WORDS.length]} ${rand() < 0.5 ? 'today' : 'yesterday'}`,
        ...(rand() < 0.15 ? { blind: true } : {}),
        ...(i % 4 === 0 ? { shadow: { modelVersion: 'v3', label: shadowLabel, probabilities: probabilitiesFor(shadowLabel) } } : {}),
      });
      seeded.push(await store.saveReview(parse(body)));
    }
  });
  after(() => table.close());

  test('stats equal a full-scan recount: all versions, one version, whole days and partial days', async () => {
    const stats = await store.stats({});
    assert.equal(stats.reviews, 240);
    assert.deepEqual(stats.versions, [
      { modelVersion: 'v1', reviews: 160 },
      { modelVersion: 'v2', reviews: 80 },
    ]);
    assert.equal(stats.counts.approved + stats.counts.revised + stats.counts.blind, 240);
    assert.ok(
      stats.blindAccuracy.n > 0 && stats.blindAccuracy.low! <= stats.blindAccuracy.rate! && stats.blindAccuracy.rate! <= stats.blindAccuracy.high!,
    );
    assert.equal(stats.shadow[0]?.modelVersion, 'v3');
    assert.equal(stats.shadow[0]?.reviews, 60);
    const parseStats = (q: Record<string, string>) => parseOrThrow(StatsQuerySchema, q);
    const queries: Record<string, string>[] = [
      {},
      { modelVersion: 'v1' },
      { modelVersion: 'v2' },
      { modelVersion: 'nothing-here' },
      { from: '2025-03-02' },
      { to: '2025-03-03' },
      { modelVersion: 'v1', from: '2025-03-02', to: '2025-03-04' },
      { modelVersion: 'v1', from: '2025-03-01T13:17:00Z', to: '2025-03-04T08:05:00Z' },
      { from: '2025-03-02T06:00:00Z', to: '2025-03-02T18:00:00Z' },
      { modelVersion: 'v2', from: '2025-03-03T23:59:59.999Z' },
      { to: '2025-03-01T10:00:00+02:00' },
    ];
    for (const q of queries) await assertStatsExact(store, parseStats(q));
  });

  test('re-labels, corrections and deletions move the counters exactly; a corrected review refuses a public re-label', async () => {
    const [a, b, c] = seeded.filter((r) => r.action !== 'blind' && r.modelVersion === 'v1');
    // A public re-label of a review (same prediction, another label).
    const body = reviewBody({
      predictionId: a!.id,
      text: a!.text,
      predictedLabel: a!.predictedLabel,
      probabilities: a!.probabilities,
      modelVersion: a!.modelVersion,
      label: LABELS.find((l) => l !== a!.label)!,
    });
    const relabelled = await store.saveReview(parse(body));
    assert.equal(relabelled.label, body.label);

    const corrected = await store.correctReview(
      b!.id,
      LABELS.find((l) => l !== b!.label)!,
      OPERATOR,
    );
    assert.equal(corrected.action, 'corrected');
    assert.equal(corrected.correctedBy, OPERATOR.operator);
    assert.equal(corrected.correctedAt, corrected.updatedAt);
    assert.equal(corrected.createdAt, b!.createdAt);
    // The same label again: unchanged, nothing written (updatedAt stays).
    clock.advance(1000);
    assert.deepEqual(await store.correctReview(b!.id, corrected.label, OPERATOR), corrected);

    // The operator's label wins over a later public revise of the same prediction.
    const late = reviewBody({
      predictionId: b!.id,
      text: b!.text,
      predictedLabel: b!.predictedLabel,
      probabilities: b!.probabilities,
      modelVersion: b!.modelVersion,
      label: LABELS.find((l) => l !== corrected.label)!,
    });
    await assert.rejects(store.saveReview(parse(late)), (e: unknown) => e instanceof ClientError && e.code === 'conflict');

    const deleted = await store.deleteReview(c!.id, OPERATOR);
    assert.equal(deleted.id, c!.id);
    assert.equal(await store.getReview(c!.id), undefined);
    await assert.rejects(store.deleteReview(c!.id, OPERATOR), (e: unknown) => e instanceof ClientError && e.code === 'not_found');
    await assert.rejects(store.correctReview(c!.id, 'joy', OPERATOR), (e: unknown) => e instanceof ClientError && e.code === 'not_found');

    assert.equal((await store.stats({})).reviews, 239);
    await assertStatsExact(store, {});
    await assertStatsExact(store, { modelVersion: 'v1', from: '2025-03-01T05:00:00.000Z', to: '2025-03-05T05:00:00.000Z' });

    // The audit trail: newest first, the correction and the deletion, never the text.
    const audit = await store.listAudit({ limit: 10 });
    assert.deepEqual(
      audit.records.map((r) => [r.action, r.reviewId]),
      [
        ['delete', c!.id],
        ['correct', b!.id],
      ],
    );
    assert.equal(audit.records[1]!.fromLabel, b!.label);
    assert.equal(audit.records[1]!.toLabel, corrected.label);
    assert.equal(audit.records[1]!.operator, OPERATOR.operator);
    assert.ok(!JSON.stringify(audit).includes(c!.text));
  });

  test('concurrent writes to the same reviews (public re-labels, corrections, deletes) leave the counters exact', async () => {
    // Public re-labels pick labels other than disgust and the operator always picks disgust, so whichever
    // order the writes run in, the operator's first correction changes the label and wins.
    const targets = seeded.filter((r) => r.action !== 'blind' && r.label !== 'disgust').slice(40, 46);
    const writes: Promise<unknown>[] = [];
    for (const target of targets) {
      for (let k = 0; k < 6; k++) {
        const label = LABELS[(k * 3) % 7]!;
        const body = reviewBody({
          predictionId: target.id,
          text: target.text,
          predictedLabel: target.predictedLabel,
          probabilities: target.probabilities,
          modelVersion: target.modelVersion,
          label,
        });
        writes.push(store.saveReview(parse(body)).catch((e: unknown) => assert.ok(e instanceof ClientError && e.code === 'conflict', String(e))));
        if (k % 2 === 0) writes.push(store.correctReview(target.id, 'disgust', OPERATOR));
      }
    }
    writes.push(store.deleteReview(targets[0]!.id, OPERATOR).catch((e: unknown) => assert.ok(e instanceof ClientError && e.code === 'not_found')));
    await Promise.all(
      // The deleted review's other writes may find it gone: 404 is their right answer.
      writes.map((w) =>
        w.catch((e: unknown) => {
          if (!(e instanceof ClientError && e.code === 'not_found')) throw e;
        }),
      ),
    );
    await assertStatsExact(store, {});
    for (const target of targets.slice(1)) {
      const final = await store.getReview(target.id);
      assert.equal(final?.action, 'corrected');
      assert.equal(final.label, 'disgust');
    }
  });

  test('a write whose answer was lost and that is sent again counts once', async () => {
    // The transaction commits, then the connection "drops" before the answer arrives; the caller retries.
    let dropNext = true;
    const flaky = new Proxy(table.client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
          const result: unknown = await target.send(command as never);
          if (dropNext && command.constructor.name === 'TransactWriteCommand') {
            dropNext = false;
            throw new Error('socket hang up');
          }
          return result;
        };
      },
    });
    const flakyStore = createReviewStore({ client: flaky, tableName: table.tableName, now: clock.now });
    const body = reviewBody({ label: 'shame', text: 'a retried review' });
    await assert.rejects(flakyStore.saveReview(parse(body)), /socket hang up/);
    const stored = await flakyStore.saveReview(parse(body));
    assert.equal(stored.label, 'shame');
    dropNext = true;
    await assert.rejects(flakyStore.correctReview(stored.id, 'fear', OPERATOR), /socket hang up/);
    assert.equal((await flakyStore.correctReview(stored.id, 'fear', OPERATOR)).label, 'fear');
    dropNext = true;
    await assert.rejects(flakyStore.deleteReview(stored.id, OPERATOR), /socket hang up/);
    await assert.rejects(flakyStore.deleteReview(stored.id, OPERATOR), (e: unknown) => e instanceof ClientError && e.code === 'not_found');
    await assertStatsExact(store, {});
  });

  test('a deleted review is never stored again: a stale re-label, raced or late, is 409 and brings no text back', async () => {
    // A write that read the review, then waits while an operator deletes it (and an import stores the id anew):
    // its condition must fail against the new item, whatever revision numbering the new item starts from.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const gated = new Proxy(table.client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
          if (!held && command.constructor.name === 'TransactWriteCommand') {
            held = true;
            await gate;
          }
          return target.send(command as never);
        };
      },
    });
    const gatedStore = createReviewStore({ client: gated, tableName: table.tableName, now: clock.now });
    const original = await store.saveReview(parse(reviewBody({ label: 'joy', text: 'a sentence its writer asked to delete' })));
    const relabel = (label: Label) =>
      parse(
        reviewBody({
          predictionId: original.id,
          text: original.text,
          predictedLabel: original.predictedLabel,
          probabilities: original.probabilities,
          modelVersion: original.modelVersion,
          label,
        }),
      );
    const stale = gatedStore.saveReview(relabel('fear'));
    while (!held) await new Promise((resolve) => setImmediate(resolve));
    await store.deleteReview(original.id, OPERATOR);
    // An import writes the same id again (a fresh item): the stale write read the old one.
    const reimported = { ...original, label: 'guilt' as const, action: 'revised' as const };
    assert.equal(await store.putReview(reimported), true);
    release();
    // The stale write re-reads, finds the re-imported review and re-labels that one, with its counters.
    const after = await stale;
    assert.equal(after.label, 'fear');
    assert.equal((await store.getReview(original.id))?.label, 'fear');
    await assertStatsExact(store, {});
    await store.deleteReview(original.id, OPERATOR);
    await assert.rejects(
      store.saveReview(relabel('shame')),
      (e: unknown) => e instanceof ClientError && e.code === 'conflict' && /deleted/.test(e.message),
    );
    await assert.rejects(store.saveReview(relabel(original.label)), (e: unknown) => e instanceof ClientError && e.code === 'conflict');
    assert.equal(await store.getReview(original.id), undefined);
    for await (const review of store.scanReviews()) assert.notEqual(review.text, original.text);
    await assertStatsExact(store, {});
  });

  test('a re-label racing an operator delete is refused once the delete commits, and the counters stay exact', async () => {
    const targets = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.saveReview(parse(reviewBody({ label: 'anger', text: `raced delete ${i}` })))),
    );
    const writes: Promise<unknown>[] = [];
    for (const target of targets) {
      for (const label of ['fear', 'joy', 'shame', 'guilt'] as const) {
        writes.push(
          store
            .saveReview(
              parse(
                reviewBody({
                  predictionId: target.id,
                  text: target.text,
                  predictedLabel: target.predictedLabel,
                  probabilities: target.probabilities,
                  modelVersion: target.modelVersion,
                  label,
                }),
              ),
            )
            .catch((e: unknown) => assert.ok(e instanceof ClientError && e.code === 'conflict', String(e))),
        );
      }
      writes.push(
        store.deleteReview(target.id, OPERATOR).catch((e: unknown) => assert.ok(e instanceof ClientError && e.code === 'not_found', String(e))),
      );
    }
    await Promise.all(writes);
    for (const target of targets) assert.equal(await store.getReview(target.id), undefined, 'a deleted review stays deleted');
    await assertStatsExact(store, {});
  });

  test('the list: newest first, every filter alone and combined, paged by cursor, equal to filtering a full scan', async () => {
    const all: StoredReview[] = [];
    for await (const review of store.scanReviews()) all.push(review);
    all.sort(newestFirst);
    const filters: Record<string, string>[] = [
      {},
      { label: 'joy' },
      { predictedLabel: 'fear', label: 'fear' },
      { action: 'blind' },
      { action: 'corrected' },
      { modelVersion: 'v2' },
      { modelVersion: 'v1', label: 'sadness', predictedLabel: 'anger' },
      { q: 'FRIEND' },
      { q: 'lie today' },
      { maxConfidence: '0.4' },
      { maxConfidence: '0.39' },
      { from: '2025-03-02', to: '2025-03-03T12:30:00Z' },
      { modelVersion: 'v1', from: '2025-03-02T07:00:00Z', q: 'exam' },
    ];
    for (const raw of filters) {
      const query = parseOrThrow(ReviewListQuerySchema, { ...raw, limit: '7' });
      const expected = all.filter(
        (r) =>
          (!query.label || r.label === query.label) &&
          (!query.predictedLabel || r.predictedLabel === query.predictedLabel) &&
          (!query.action || r.action === query.action) &&
          (!query.modelVersion || r.modelVersion === query.modelVersion) &&
          (!query.from || r.createdAt >= query.from) &&
          (!query.to || r.createdAt < query.to) &&
          (!query.q || r.text.toLowerCase().includes(query.q.toLowerCase())) &&
          (query.maxConfidence === undefined || Math.max(...LABELS.map((l) => r.probabilities[l])) <= query.maxConfidence),
      );
      assert.deepEqual(
        (await listAll(store, query)).map((r) => r.id),
        expected.map((r) => r.id),
        JSON.stringify(raw),
      );
    }
    assert.equal((await store.listReviews({ q: 'no such words anywhere' })).nextCursor, null);
  });

  test('a cursor of other filters, or one this server never gave out, is 400 invalid_field', async () => {
    const page = await store.listReviews({ limit: 2, label: 'joy' });
    assert.ok(page.nextCursor);
    for (const query of [
      { cursor: page.nextCursor, label: 'fear' as const },
      { cursor: page.nextCursor },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('{"f":"x","k":{}}').toString('base64url') },
    ]) {
      await assert.rejects(
        store.listReviews(query),
        (e: unknown) => e instanceof ClientError && e.code === 'invalid_field' && e.issues?.[0]?.path === 'cursor',
      );
    }
  });

  test('rebuildStats repairs a stats table that drifted, back to the recount', async () => {
    await table.client.send(
      new UpdateCommand({
        TableName: `${table.tableName}-stats`,
        Key: { scope: 'v1', bucket: '2025-03-02' },
        UpdateExpression: 'ADD #c :n',
        ExpressionAttributeNames: { '#c': 'c#approved#0#joy#joy' },
        ExpressionAttributeValues: { ':n': 5 },
      }),
    );
    await table.client.send(
      new PutCommand({ TableName: `${table.tableName}-stats`, Item: { scope: 'v9', bucket: '2025-01-01', 'c#revised#0#joy#fear': 3 } }),
    );
    const day = { modelVersion: 'v1', from: '2025-03-02T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z' };
    const drifted = await store.stats(day);
    const truth = await store.recount(day);
    assert.equal(drifted.reviews, normalizedCountersTotal(truth) + 5, 'the drift shows before the repair');
    const result = await store.rebuildStats();
    assert.equal(result.reviews, (await store.stats({})).reviews);
    await assertStatsExact(store, { modelVersion: 'v1', from: '2025-03-02T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z' });
    await assertStatsExact(store, {});
    await assertStatsExact(store, { from: '2024-12-31T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' });
  });
});

function normalizedCountersTotal(counters: Map<string, number>): number {
  return Object.entries(normalizedCounters(counters)).reduce((sum, [name, n]) => (name.startsWith('c#') ? sum + n : sum), 0);
}

describe('paging a filtered list past DynamoDB 1 MB pages', () => {
  let table: TestTable;
  let store: ReviewStore;
  before(async () => {
    table = await startTestTable();
    // A small read budget forces answers that stop mid-table (fewer than `limit`, with a cursor).
    store = createReviewStore({ client: table.client, tableName: table.tableName, listReadBudget: 300 });
  });
  after(() => table.close());

  test('1,500 reviews of ~1 KB (about 1.5 MB, several 1 MB pages) list completely and in order, filtered and not', async () => {
    const base = Date.parse('2025-05-01T00:00:00.000Z');
    const reviews: StoredReview[] = Array.from({ length: 1500 }, (_, i) => {
      const predictedLabel = LABELS[i % 7]!;
      const at = new Date(base + Math.floor(i / 2) * 1000).toISOString(); // pairs share a createdAt: the id breaks the tie
      const body = reviewBody({ predictedLabel, label: predictedLabel });
      return {
        id: body.predictionId,
        text: `${String(i).padStart(5, '0')} ${i % 10 === 0 ? 'needle ' : ''}${'x'.repeat(1000)}`,
        predictedLabel,
        label: predictedLabel,
        action: 'approved',
        modelVersion: 'v1',
        probabilities: probabilitiesFor(predictedLabel),
        createdAt: at,
        updatedAt: at,
      };
    });
    for (let i = 0; i < reviews.length; i += 25) await Promise.all(reviews.slice(i, i + 25).map((r) => store.putReview(r)));
    const expected = [...reviews].sort(newestFirst);
    assert.deepEqual(
      (await listAll(store, { limit: 100 })).map((r) => r.id),
      expected.map((r) => r.id),
    );
    assert.deepEqual(
      (await listAll(store, { limit: 100, q: 'NEEDLE' })).map((r) => r.id),
      expected.filter((r) => r.text.includes('needle')).map((r) => r.id),
    );
    assert.deepEqual(
      (await listAll(store, { limit: 30, label: 'anger', modelVersion: 'v1' })).map((r) => r.id),
      expected.filter((r) => r.label === 'anger').map((r) => r.id),
    );
    // The export path (all matching reviews through the index) agrees.
    const exported: string[] = [];
    for await (const r of store.scanReviews({ filter: { label: 'anger' } })) exported.push(r.id);
    assert.deepEqual(
      exported,
      expected.filter((r) => r.label === 'anger').map((r) => r.id),
    );
    assert.equal((await store.stats({})).reviews, 1500);
  });
});
