import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ClientError, parseOrThrow, ReviseRequestSchema, StoredReviewSchema, type StoredReview } from '@sentiment/core';
import { toStoredReview } from './items.ts';
import { createReviewStore, type ReviewStore } from './store.ts';
import { probabilitiesFor, reviewBody, startTestTable, steppingClock, type TestTable } from '../testing/fixtures.ts';

const parse = (body: unknown) => parseOrThrow(ReviseRequestSchema, body);

async function collect(iterable: AsyncIterable<StoredReview>): Promise<StoredReview[]> {
  const out: StoredReview[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function countItems(table: TestTable): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey, Select: 'COUNT' }));
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

describe('review store on a real DynamoDB Local', () => {
  let table: TestTable;
  let store: ReviewStore;
  before(async () => {
    table = await startTestTable();
    store = createReviewStore({ client: table.client, tableName: table.tableName, now: steppingClock() });
  });
  after(() => table.close());

  test('a new review is stored with every field, action approved, createdAt = updatedAt', async () => {
    const body = reviewBody({ text: '  I   was happy  ' });
    const review = await store.saveReview(parse(body));
    assert.equal(review.id, body.predictionId);
    assert.equal(review.text, 'I was happy');
    assert.equal(review.action, 'approved');
    assert.equal(review.createdAt, review.updatedAt);
    const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { id: body.predictionId } }));
    assert.deepEqual(toStoredReview(Item!), review);
    assert.deepEqual(await store.getReview(body.predictionId), review);
    // The index and filter attributes are stored beside the review and never answered.
    assert.deepEqual(Object.keys(Item!).sort(), [
      'action',
      'createdAt',
      'feed',
      'id',
      'label',
      'modelVersion',
      'predictedLabel',
      'probabilities',
      'rev',
      'sk',
      'text',
      'textLower',
      'topProbability',
      'updatedAt',
    ]);
    assert.deepEqual(
      Object.keys(review).sort(),
      Object.keys(review)
        .filter((key) => key in StoredReviewSchema.shape)
        .sort(),
    );
    assert.equal(Item!.sk, `${review.createdAt}#${review.id}`);
    assert.equal(Item!.textLower, 'i was happy');
    assert.equal(Item!.topProbability, 0.4);
  });

  test('the same request twice stores one item and answers the same review both times, updatedAt unchanged', async () => {
    const body = reviewBody();
    const first = await store.saveReview(parse(body));
    const second = await store.saveReview(parse(body));
    assert.deepEqual(second, first);
  });

  test('20 identical requests in parallel store one item and all succeed', async () => {
    const before = await countItems(table);
    const body = reviewBody({ label: 'fear' });
    const results = await Promise.all(Array.from({ length: 20 }, () => store.saveReview(parse(body))));
    assert.equal(await countItems(table), before + 1);
    for (const result of results) {
      assert.equal(result.id, body.predictionId);
      assert.equal(result.label, 'fear');
      assert.equal(result.action, 'revised');
      assert.equal(result.createdAt, results[0]!.createdAt);
    }
  });

  test('approve then revise keeps createdAt and updates label, action and updatedAt', async () => {
    const body = reviewBody({ predictedLabel: 'anger' });
    const approved = await store.saveReview(parse(body));
    assert.equal(approved.action, 'approved');
    const revised = await store.saveReview(parse({ ...body, label: 'shame' }));
    assert.equal(revised.label, 'shame');
    assert.equal(revised.action, 'revised');
    assert.equal(revised.createdAt, approved.createdAt);
    assert.ok(revised.updatedAt > approved.updatedAt, `${revised.updatedAt} > ${approved.updatedAt}`);
    const back = await store.saveReview(parse(body));
    assert.equal(back.label, 'anger');
    assert.equal(back.action, 'approved');
    assert.equal(back.createdAt, approved.createdAt);
  });

  test('parallel approve and revise leave one consistent item that is one of the two', async () => {
    for (let round = 0; round < 10; round++) {
      const approve = reviewBody({ predictedLabel: 'sadness' });
      const revise = { ...approve, label: 'guilt' as const };
      const [a, r] = await Promise.all([store.saveReview(parse(approve)), store.saveReview(parse(revise))]);
      assert.equal(a.action, a.label === 'sadness' ? 'approved' : 'revised');
      assert.equal(r.action, r.label === 'sadness' ? 'approved' : 'revised');
      const { Item } = await table.client.send(
        new GetCommand({ TableName: table.tableName, Key: { id: approve.predictionId }, ConsistentRead: true }),
      );
      const final = Item as StoredReview;
      assert.ok(
        (final.label === 'sadness' && final.action === 'approved') || (final.label === 'guilt' && final.action === 'revised'),
        JSON.stringify(final),
      );
      assert.equal(final.createdAt, a.createdAt);
      assert.equal(final.createdAt, r.createdAt);
    }
  });

  test('a predictionId reused for another prediction is a 409 conflict and changes nothing', async () => {
    const body = reviewBody();
    const stored = await store.saveReview(parse(body));
    const variants = [
      { text: 'another sentence' },
      { predictedLabel: 'fear' as const, label: 'fear' as const, probabilities: probabilitiesFor('fear') },
      { modelVersion: 'test-2' },
      { probabilities: { ...body.probabilities, joy: 0.35, fear: body.probabilities.fear + 0.05 } },
    ];
    for (const variant of variants) {
      await assert.rejects(
        store.saveReview(parse({ ...body, ...variant, label: 'disgust' })),
        (error: unknown) => error instanceof ClientError && error.code === 'conflict' && error.status === 409,
        JSON.stringify(variant),
      );
    }
    const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { id: body.predictionId } }));
    assert.deepEqual(toStoredReview(Item!), stored);
  });

  test('probabilities of 0, -0 and 1e-130 (the smallest DynamoDB magnitude) are stored and read back', async () => {
    for (const small of [0, -0, 1e-130]) {
      const body = reviewBody();
      body.probabilities = { ...body.probabilities, fear: small, shame: body.probabilities.shame + body.probabilities.fear - small };
      const review = await store.saveReview(parse(body));
      const expected = small === 0 ? 0 : small; // DynamoDB has no -0: it stores 0, the same number
      assert.equal(review.probabilities.fear, expected);
      const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { id: body.predictionId } }));
      assert.equal((Item as StoredReview).probabilities.fear, expected);
      assert.deepEqual(await store.saveReview(parse(body)), review, 'repeating the same body is still the same prediction');
    }
  });

  test('DynamoDB Local, like DynamoDB, refuses 1e-131 and 5e-324 ("Number underflow"): what the store must never send', async () => {
    for (const tiny of [1e-131, 5e-324]) {
      await assert.rejects(
        table.client.send(new PutCommand({ TableName: table.tableName, Item: { id: `underflow-${tiny}`, n: tiny } })),
        (error: unknown) => (error as Error).name === 'ValidationException' && /underflow/i.test((error as Error).message),
      );
    }
  });

  test('a review whose numbers the table cannot hold is refused as invalid_field before anything is written', async () => {
    const before = await countItems(table);
    // Not parsed: the store checks the range itself, whoever calls it.
    for (const value of [1e-131, 5e-324, -1e-131, 1e126, 2 ** 53]) {
      const body = reviewBody();
      const review = { ...body, probabilities: { ...body.probabilities, guilt: value } };
      await assert.rejects(
        store.saveReview(review),
        (error: unknown) => error instanceof ClientError && error.code === 'invalid_field' && error.issues?.[0]?.path === 'probabilities.guilt',
        String(value),
      );
    }
    assert.equal(await countItems(table), before);
  });

  test('text is stored as written, less only what the text rules drop: joiners, selectors and flags stay', async () => {
    const text =
      'می\u200Cخواهم क्\u200Dष \u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u2764\uFE0F \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
    const body = reviewBody({ text: `\u200B${text}\u00AD\u{E0041}` });
    assert.equal((await store.saveReview(parse(body))).text, text);
    const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { id: body.predictionId } }));
    assert.equal((Item as StoredReview).text, text);
  });

  test('texts that are reserved words or expression syntax are stored verbatim', async () => {
    for (const text of ['text', 'action label SET REMOVE', ':text #label = attribute_not_exists(id)', "'; DROP TABLE reviews; --"]) {
      const review = await store.saveReview(parse(reviewBody({ text })));
      assert.equal(review.text, text);
    }
  });
});

describe('paging the table to its end', () => {
  let table: TestTable;
  before(async () => {
    table = await startTestTable();
  });
  after(() => table.close());

  test('more than 1 MB of reviews come back complete, across several 1 MB pages and with a small Limit', async () => {
    const count = 1200;
    const items: StoredReview[] = Array.from({ length: count }, (_, i) => {
      const body = reviewBody({ text: `${String(i).padStart(5, '0')} ${'x'.repeat(990)}` });
      return {
        id: body.predictionId,
        text: body.text,
        predictedLabel: body.predictedLabel,
        label: body.label,
        action: 'approved',
        modelVersion: body.modelVersion,
        probabilities: body.probabilities,
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
      };
    });
    const bytes = items.reduce((sum, item) => sum + JSON.stringify(item).length, 0);
    assert.ok(bytes > 1.1 * 1024 * 1024, `test data is ${bytes} bytes`);
    for (let i = 0; i < items.length; i += 25) {
      await table.client.send(
        new BatchWriteCommand({ RequestItems: { [table.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
      );
    }
    // The raw table really pages at 1 MB: the first Scan page stops early.
    const first = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    assert.ok(first.LastEvaluatedKey, 'first page should end with a LastEvaluatedKey');
    assert.ok((first.Count ?? 0) < count);

    const store = createReviewStore({ client: table.client, tableName: table.tableName });
    const expected = items.map((item) => item.id).sort();
    const all = await collect(store.scanReviews());
    assert.deepEqual(all.map((r) => r.id).sort(), expected);
    const small = await collect(store.scanReviews({ pageSize: 7 }));
    assert.deepEqual(small.map((r) => r.id).sort(), expected);
    assert.deepEqual(
      small.find((r) => r.id === items[42]!.id),
      items[42],
    );
  });

  test('an empty table yields no reviews', async () => {
    const empty = await startTestTable();
    try {
      const store = createReviewStore({ client: empty.client, tableName: empty.tableName });
      assert.deepEqual(await collect(store.scanReviews()), []);
    } finally {
      await empty.close();
    }
  });
});

test('reviews survive stopping DynamoDB Local and starting it again on the same data folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reviews-dynamodb-'));
  try {
    const first = await startTestTable({ path: dir });
    const body = reviewBody({ label: 'shame', text: 'persisted café 😀' });
    const stored = await createReviewStore({ client: first.client, tableName: first.tableName }).saveReview(parse(body));
    await first.close();

    const second = await startTestTable({ path: dir });
    try {
      const reviews = await collect(createReviewStore({ client: second.client, tableName: second.tableName }).scanReviews());
      assert.deepEqual(reviews, [stored]);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
