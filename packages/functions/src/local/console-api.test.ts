import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import {
  AuditListResponseSchema,
  ErrorBodySchema,
  LABELS,
  ReviewDeletedResponseSchema,
  ReviewListResponseSchema,
  ReviewResponseSchema,
  StatsResponseSchema,
  unguardSpreadsheetText,
  type Label,
  type StoredReview,
} from '@sentiment/core';
import { createDocumentClient } from '../clients.ts';
import { operatorIdOf } from '../auth/operator.ts';
import { createReviewStore } from '../review/store.ts';
import { statsFromCounters } from '../review/stats.ts';
import { OPERATOR_AUTH, probabilitiesFor, reviewBody, TEST_OPERATOR_TOKEN, TEST_TRUST, testDynamo } from '../testing/fixtures.ts';
import { startApiServer, type ApiServer } from './api-server.ts';
import type { LocalDynamo } from './dynamo.ts';

const TABLE = `reviews-console-${randomUUID().slice(0, 8)}`;

describe('console routes over HTTP on the real local store', () => {
  let dynamo: LocalDynamo;
  let api: ApiServer;
  const stored: StoredReview[] = [];

  const call = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
    const { auth = true, headers, ...rest } = init;
    return fetch(`${api.url}${path}`, { ...rest, headers: { ...(auth ? OPERATOR_AUTH : {}), ...(headers as Record<string, string>) } });
  };
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  async function errorCode(response: Response): Promise<string> {
    return ErrorBodySchema.parse(await response.json()).error.code;
  }
  async function csvRows(path: string): Promise<Record<string, string>[]> {
    const response = await call(path);
    assert.equal(response.status, 200);
    return parse<Record<string, string>>(await response.text(), { columns: true, bom: true });
  }

  before(async () => {
    dynamo = await testDynamo();
    api = await startApiServer({ port: 0, tableName: TABLE, endpoint: dynamo.endpoint, logger: pino({ level: 'silent' }), ...TEST_TRUST });
    const words = ['exam', 'Friend', 'dog'];
    for (let i = 0; i < 30; i++) {
      const predictedLabel = LABELS[i % 7]!;
      const label: Label = i % 3 === 0 ? LABELS[(i + 2) % 7]! : predictedLabel;
      const body = reviewBody({
        predictedLabel,
        label,
        probabilities: probabilitiesFor(predictedLabel),
        modelVersion: i % 2 ? 'v1' : 'v2',
        text: `sentence ${i} with my ${words[i % 3]}`,
        ...(i % 5 === 0 ? { blind: true } : {}),
      });
      const response = await fetch(`${api.url}/api/revise`, { method: 'POST', ...json(body) });
      assert.equal(response.status, 200);
      stored.push(ReviewResponseSchema.parse(await response.json()).review);
    }
  });
  after(async () => {
    await api.close();
    await dynamo.close();
  });

  test('every console route is 401 without the operator token or with a wrong one; the export too', async () => {
    const id = randomUUID();
    const routes: [string, string, RequestInit?][] = [
      ['GET', '/api/reviews'],
      ['GET', `/api/reviews/${id}`],
      ['PATCH', `/api/reviews/${id}`, json({ label: 'joy' })],
      ['DELETE', `/api/reviews/${id}`],
      ['GET', '/api/audit'],
      ['GET', '/api/stats'],
      ['GET', '/api/getcsv?label=joy'],
    ];
    for (const [method, path, init] of routes) {
      const none = await call(path, { method, ...init, auth: false });
      assert.equal(none.status, 401, `${method} ${path}`);
      assert.equal(await errorCode(none), 'unauthorized');
      const wrong = await call(path, { method, ...init, auth: false, headers: { authorization: `Bearer ${'x'.repeat(50)}` } });
      assert.equal(wrong.status, 401, `${method} ${path} wrong token`);
    }
    // Nothing was changed by the refused requests.
    assert.equal(StatsResponseSchema.parse(await (await call('/api/stats')).json()).reviews, 30);
  });

  test('the list answers filters and pages over HTTP; bad parameters are 400 invalid_field', async () => {
    const first = ReviewListResponseSchema.parse(await (await call('/api/reviews?limit=4')).json());
    assert.equal(first.reviews.length, 4);
    assert.ok(first.nextCursor);
    assert.deepEqual(
      first.reviews.map((r) => r.id),
      [...stored]
        .reverse()
        .slice(0, 4)
        .map((r) => r.id),
    );
    const second = ReviewListResponseSchema.parse(await (await call(`/api/reviews?limit=4&cursor=${encodeURIComponent(first.nextCursor)}`)).json());
    assert.deepEqual(
      second.reviews.map((r) => r.id),
      [...stored]
        .reverse()
        .slice(4, 8)
        .map((r) => r.id),
    );
    const friends = ReviewListResponseSchema.parse(await (await call('/api/reviews?q=friend&modelVersion=v2&limit=100')).json());
    assert.deepEqual(
      friends.reviews.map((r) => r.id).sort(),
      stored
        .filter((r) => r.text.includes('Friend') && r.modelVersion === 'v2')
        .map((r) => r.id)
        .sort(),
    );
    assert.equal(friends.nextCursor, null);
    const blind = ReviewListResponseSchema.parse(await (await call('/api/reviews?action=blind')).json());
    assert.equal(blind.reviews.length, 6);
    assert.ok(blind.reviews.every((r) => r.blind === true));
    for (const query of ['limit=0', 'limit=101', 'label=happy', 'from=yesterday', 'from=2025-02-01&to=2025-01-01', 'sort=asc', 'cursor=%%%', 'q=']) {
      const response = await call(`/api/reviews?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(await errorCode(response), 'invalid_field', query);
    }
    assert.equal((await call('/api/reviews/not-a-uuid')).status, 400);
    assert.equal((await call(`/api/reviews/${randomUUID()}`)).status, 404);
    const put = await call(`/api/reviews/${stored[0]!.id}`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, PATCH, DELETE');
  });

  test('a correction and a deletion show in the review, the stats, the export and the audit trail; stats equal a recount from the export', async () => {
    const target = stored.find((r) => !r.blind && r.label === 'joy')!;
    const gone = stored.find((r) => r.modelVersion === 'v1' && r.id !== target.id && !r.blind)!;
    const before = StatsResponseSchema.parse(await (await call('/api/stats')).json());

    const patch = () => call(`/api/reviews/${target.id}`, { method: 'PATCH', ...json({ label: 'shame' }) });
    const [a, b] = await Promise.all([patch(), patch()]); // a double click
    assert.deepEqual([a.status, b.status], [200, 200]);
    const corrected = ReviewResponseSchema.parse(await a.json()).review;
    assert.equal(corrected.action, 'corrected');
    assert.equal(corrected.label, 'shame');
    assert.equal(corrected.correctedBy, operatorIdOf(TEST_OPERATOR_TOKEN));
    assert.ok(!JSON.stringify(corrected).includes(TEST_OPERATOR_TOKEN));
    assert.deepEqual(ReviewResponseSchema.parse(await (await call(`/api/reviews/${target.id}`)).json()).review, corrected);
    const badLabel = await call(`/api/reviews/${target.id}`, { method: 'PATCH', ...json({ label: 'happy' }) });
    assert.equal(badLabel.status, 400);

    // The public page may not overwrite the operator's label.
    const late = reviewBody({
      predictionId: target.id,
      text: target.text,
      predictedLabel: target.predictedLabel,
      probabilities: target.probabilities,
      modelVersion: target.modelVersion,
      label: 'fear',
    });
    const refused = await fetch(`${api.url}/api/revise`, { method: 'POST', ...json(late) });
    assert.equal(refused.status, 409);

    const deleted = await call(`/api/reviews/${gone.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal(ReviewDeletedResponseSchema.parse(await deleted.json()).deleted.id, gone.id);
    const again = await call(`/api/reviews/${gone.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(await errorCode(again), 'not_found');
    // The person's page still holds a valid signed prediction: re-sending it must not store the sentence again.
    const stale = reviewBody({
      predictionId: gone.id,
      text: gone.text,
      predictedLabel: gone.predictedLabel,
      probabilities: gone.probabilities,
      modelVersion: gone.modelVersion,
      label: gone.label === 'fear' ? 'joy' : 'fear',
    });
    const resent = await fetch(`${api.url}/api/revise`, { method: 'POST', ...json(stale) });
    assert.equal(resent.status, 409);
    assert.equal(await errorCode(resent), 'conflict');
    assert.equal((await call(`/api/reviews/${gone.id}`)).status, 404);

    const after = StatsResponseSchema.parse(await (await call('/api/stats')).json());
    assert.equal(after.reviews, before.reviews - 1);
    assert.equal(after.counts.corrected, before.counts.corrected + 1);
    assert.equal(
      after.confusion.shame[target.predictedLabel],
      before.confusion.shame[target.predictedLabel] + (target.predictedLabel === 'shame' ? 0 : 1),
    );

    // The export: the correction is in it, the deleted text is not; the stats equal a recount of its rows.
    const rows = await csvRows('/api/getcsv');
    assert.equal(rows.length, 29);
    assert.equal(rows.find((r) => r.id === target.id)?.label, 'shame');
    assert.equal(rows.find((r) => r.id === target.id)?.action, 'corrected');
    assert.ok(!rows.some((r) => r.id === gone.id || unguardSpreadsheetText(r.text ?? '') === gone.text));
    for (const human of LABELS) {
      for (const predicted of LABELS) {
        const n = rows.filter((r) => r.label === human && r.predicted_label === predicted).length;
        assert.equal(after.confusion[human][predicted], n, `${human}/${predicted}`);
      }
    }
    for (const action of ['approved', 'revised', 'blind', 'corrected'] as const) {
      assert.equal(after.counts[action], rows.filter((r) => r.action === action).length, action);
    }
    const v1Rows = await csvRows('/api/getcsv?modelVersion=v1&delimiter=comma');
    assert.ok(v1Rows.length > 0 && v1Rows.every((r) => r.model_version === 'v1'));
    assert.equal(StatsResponseSchema.parse(await (await call('/api/stats?modelVersion=v1')).json()).reviews, v1Rows.length);
    assert.equal((await call('/api/getcsv?label=happy')).status, 400);
    assert.equal((await call('/api/getcsv?limit=5')).status, 400);

    // And equal to the store's own full-scan recount.
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    try {
      const store = createReviewStore({ client, tableName: TABLE });
      assert.deepEqual(after, statsFromCounters(await store.recount(), { modelVersion: null, from: null, to: null, versions: after.versions }));
    } finally {
      client.destroy();
    }

    // The audit trail: the deletion, the correction (once: the double click wrote nothing twice), the exports; never text or token.
    const audit = AuditListResponseSchema.parse(await (await call('/api/audit?limit=100')).json());
    const actions = audit.records.map((r) => r.action);
    assert.equal(actions.filter((x) => x === 'correct').length, 1);
    assert.equal(actions.filter((x) => x === 'delete').length, 1);
    assert.equal(actions.filter((x) => x === 'export').length, 2);
    assert.equal(audit.records.find((r) => r.action === 'delete')?.reviewId, gone.id);
    assert.equal(audit.records.find((r) => r.detail)?.detail, '{"modelVersion":"v1"}');
    const text = JSON.stringify(audit);
    assert.ok(!text.includes(gone.text) && !text.includes(TEST_OPERATOR_TOKEN));
    assert.deepEqual(
      audit.records.map((r) => r.at),
      audit.records
        .map((r) => r.at)
        .sort()
        .reverse(),
    );
  });

  test('sign-in and an operator sign-out are audited', async () => {
    const signIn = await fetch(`${api.url}/api/operator/session`, { method: 'POST', ...json({ token: TEST_OPERATOR_TOKEN }) });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const out = await fetch(`${api.url}/api/operator/session`, { method: 'DELETE', headers: { cookie } });
    assert.equal(out.status, 200);
    const anonymous = await fetch(`${api.url}/api/operator/session`, { method: 'DELETE' });
    assert.equal(anonymous.status, 200);
    const audit = AuditListResponseSchema.parse(await (await call('/api/audit?limit=2')).json());
    assert.deepEqual(
      audit.records.map((r) => [r.action, r.operator]),
      [
        ['sign_out', operatorIdOf(TEST_OPERATOR_TOKEN)],
        ['sign_in', operatorIdOf(TEST_OPERATOR_TOKEN)],
      ],
    );
  });
});
