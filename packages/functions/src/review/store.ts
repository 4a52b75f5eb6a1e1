import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  assertStorableNumbers,
  AuditRecordSchema,
  ClientError,
  DEFAULT_PAGE_LIMIT,
  LABELS,
  type AuditListQuery,
  type AuditListResponse,
  type AuditRecord,
  type Label,
  type ReviewAction,
  type ReviewFilter,
  type ReviewInput,
  type ReviewListQuery,
  type ReviewListResponse,
  type StatsQuery,
  type StatsResponse,
  type StoredReview,
} from '@sentiment/core';
import { counterDeltas, countersOf, dayOf, FEED, INDEX_BY_TIME, INDEX_BY_VERSION, revOf, toItem, toStoredReview } from './items.ts';
import { addCounters, recountReviews, statsFromCounters, type Counters } from './stats.ts';

/** The three tables of the store. */
export interface StoreTables {
  /** Reviews, PK `id`, GSIs `byTime` and `byVersion` (see `items.ts`). */
  reviews: string;
  /** Aggregates: PK `scope` (a model version, or {@link TOTAL_SCOPE}), SK `bucket` (a UTC day, or the model version). */
  stats: string;
  /** Operator actions: PK `pk` = {@link AUDIT_PK}, SK `sk` = `<at>#<id>`; tombstones of deleted reviews ({@link TOMBSTONE_PREFIX}). */
  audit: string;
}

/** Scope of the per-version total items of the stats table (a model version never starts with `#`). */
export const TOTAL_SCOPE = '#total';
/** Partition of every audit record. */
export const AUDIT_PK = 'audit';
/** Partition prefix of deleted reviews' tombstones in the audit table (`deleted#<id>`, SK the id). */
export const TOMBSTONE_PREFIX = 'deleted#';

/** Table names derived from the reviews table's, where no others are configured (local stack, tests). */
export function defaultTables(reviewsTable: string): StoreTables {
  return { reviews: reviewsTable, stats: `${reviewsTable}-stats`, audit: `${reviewsTable}-audit` };
}

/** What a review store needs: a document client, the table names and a clock (tests pass a fixed one). */
export interface ReviewStoreOptions {
  client: DynamoDBDocumentClient;
  /** The reviews table. */
  tableName: string;
  /** Default: `<tableName>-stats`. */
  statsTableName?: string | undefined;
  /** Default: `<tableName>-audit`. */
  auditTableName?: string | undefined;
  now?: () => Date;
  /**
   * Most items a filtered list request reads before it answers with what it found and a cursor
   * (default 20,000): a rare filter must not turn one request into a full table read.
   */
  listReadBudget?: number;
}

/** Options for {@link ReviewStore.scanReviews}. */
export interface ScanOptions {
  /** Items per Scan page; DynamoDB also stops each page at 1 MB. Tests use a small one to force many pages. */
  pageSize?: number;
}

/** Who does an operator action, for the stored review and the audit record. */
export interface OperatorContext {
  /** The operator's id (derived from the credential, never the token). */
  operator: string;
  requestId?: string | undefined;
}

export interface ReviewStore {
  /**
   * Stores the review of one prediction, the stats counters moving in the same transaction:
   * - no item with this id: creates it (`createdAt` = `updatedAt` = now);
   * - same prediction, other label: sets `label`, `action`, `updatedAt`, keeps `createdAt`;
   * - same prediction, same label: changes nothing and returns the stored review (idempotent);
   * - the id stored for another prediction (different `text`, `predictedLabel`, `modelVersion`,
   *   `probabilities` or blind flag), or a review an operator corrected and this asks another label for:
   *   throws {@link ClientError} `conflict` (409) — the operator's label wins.
   * `action` is `blind` for a blind-audit prediction, else `approved` when `label === predictedLabel`, else `revised`.
   * @throws {ClientError} `invalid_field` (400) when a number is outside what DynamoDB stores; `conflict` (409)
   *   for another prediction under this id, a review an operator corrected, or one an operator deleted.
   */
  saveReview(review: ReviewInput): Promise<StoredReview>;
  /**
   * Stores an already-formed review (an import from an older store, benchmark seeding) with its counters,
   * in one transaction; an id already stored is left as it is.
   * @returns whether it was written.
   */
  putReview(review: StoredReview): Promise<boolean>;
  /** One stored review, or `undefined` (strongly consistent read). */
  getReview(id: string): Promise<StoredReview | undefined>;
  /**
   * An operator sets the label: `action` becomes `corrected`, `correctedBy`/`correctedAt`/`updatedAt` set,
   * counters moved and an audit record written in one transaction. The same label as stored: nothing written.
   * @throws {ClientError} `not_found` (404).
   */
  correctReview(id: string, label: Label, by: OperatorContext): Promise<StoredReview>;
  /**
   * Deletes a review, its counters and an audit record (without the text) in one transaction, and leaves a
   * tombstone (the id and time, no text) so the id is never stored again.
   * @returns the id and when. @throws {ClientError} `not_found` (404), also for a retried delete.
   */
  deleteReview(id: string, by: OperatorContext): Promise<{ id: string; at: string }>;
  /** One page of reviews, newest first (see `ReviewListQuerySchema`). @throws {ClientError} `invalid_field` for a bad cursor. */
  listReviews(query: ReviewListQuery): Promise<ReviewListResponse>;
  /**
   * Every stored review, page by page (Scan with `ExclusiveStartKey` until no `LastEvaluatedKey`), or with
   * filters every matching review newest first through the list's index. Pages are fetched lazily.
   */
  scanReviews(options?: ScanOptions & { filter?: ReviewFilter | undefined }): AsyncGenerator<StoredReview>;
  /** Appends an audit record (export, sign-in, sign-out; corrections and deletions write theirs in their transaction). */
  appendAudit(record: Omit<AuditRecord, 'id' | 'at'>): Promise<AuditRecord>;
  /** One page of audit records, newest first. @throws {ClientError} `invalid_field` for a bad cursor. */
  listAudit(query: AuditListQuery): Promise<AuditListResponse>;
  /**
   * Live-feedback statistics of one model version (or all) over `[from, to)`: whole days from the stats
   * table, the partial days at the edges recounted from the `byVersion` index. Exact.
   */
  stats(query: StatsQuery): Promise<StatsResponse>;
  /** The counters of `query`'s selection recounted from a full scan (tests, benchmark, repair check). */
  recount(query?: StatsQuery): Promise<Counters>;
  /**
   * Rebuilds the stats table from a full scan of the reviews (repair tool): run it while no review is written.
   * @returns how many reviews were counted and stats items written.
   */
  rebuildStats(): Promise<{ reviews: number; items: number }>;
}

/** Attempts of a write whose condition keeps failing because other writes change the same review. */
const MAX_ATTEMPTS = 25;

/** `blind` for a blind-audit prediction, else `approved` when the final label is the predicted one, else `revised`. */
export function actionOf(review: Pick<ReviewInput, 'label' | 'predictedLabel' | 'blind'>): ReviewAction {
  if (review.blind) return 'blind';
  return review.label === review.predictedLabel ? 'approved' : 'revised';
}

function samePrediction(stored: StoredReview, review: ReviewInput): boolean {
  return (
    stored.text === review.text &&
    stored.predictedLabel === review.predictedLabel &&
    stored.modelVersion === review.modelVersion &&
    Boolean(stored.blind) === Boolean(review.blind) &&
    LABELS.every((label) => stored.probabilities[label] === review.probabilities[label])
  );
}

/** Why a transaction was cancelled: `condition` (our condition failed: re-read and retry), `conflict` (another transaction held an item). */
function cancellation(error: unknown): 'condition' | 'conflict' | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  if (codes.includes('ConditionalCheckFailed')) return 'condition';
  if (codes.includes('TransactionConflict')) return 'conflict';
  // DynamoDB Local reports a conflict in the message only.
  return /conflict/i.test(error.message) ? 'conflict' : undefined;
}

// --- cursors -------------------------------------------------------------------------------------------

const CursorKeySchema = z.record(z.string().max(300), z.string().max(400));
const CursorPayloadSchema = z.strictObject({ f: z.string(), k: CursorKeySchema });

/** A short hash of the filters a cursor belongs to, so a cursor of another view is refused. */
function filterFingerprint(filter: object): string {
  const entries = Object.entries(filter)
    .filter(([key, value]) => value !== undefined && key !== 'limit' && key !== 'cursor')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

function encodeCursor(filter: object, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ f: filterFingerprint(filter), k: key })).toString('base64url');
}

function decodeCursor(cursor: string, filter: object, keyNames: readonly string[]): Record<string, string> {
  const bad = (message: string) => new ClientError('invalid_field', message, [{ path: 'cursor', message }]);
  let payload: z.infer<typeof CursorPayloadSchema>;
  try {
    payload = CursorPayloadSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw bad('cursor is not one this server gave out; start again without it');
  }
  if (payload.f !== filterFingerprint(filter)) throw bad('cursor belongs to other filters; start again without it');
  const names = Object.keys(payload.k).sort();
  if (names.join() !== [...keyNames].sort().join()) throw bad('cursor is not one this server gave out; start again without it');
  return payload.k;
}

// --- filters -------------------------------------------------------------------------------------------

interface QueryPlan {
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>;
  keyNames: readonly string[];
  filtered: boolean;
}

/** The index query of a filter: `byVersion` when one version is asked for, else `byTime`; the rest as a FilterExpression. */
function planQuery(tableName: string, filter: ReviewFilter): QueryPlan {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let keyCondition: string;
  if (filter.modelVersion !== undefined) {
    names['#pk'] = 'modelVersion';
    values[':pk'] = filter.modelVersion;
  } else {
    names['#pk'] = 'feed';
    values[':pk'] = FEED;
  }
  keyCondition = '#pk = :pk';
  if (filter.from !== undefined || filter.to !== undefined) names['#sk'] = 'sk';
  // sk = `<createdAt>#<id>` never equals a bare instant, so `<= to` is `createdAt < to` and `>= from` is `createdAt >= from`.
  if (filter.from !== undefined && filter.to !== undefined) {
    keyCondition += ' AND #sk BETWEEN :from AND :to';
    Object.assign(values, { ':from': filter.from, ':to': filter.to });
  } else if (filter.from !== undefined) {
    keyCondition += ' AND #sk >= :from';
    values[':from'] = filter.from;
  } else if (filter.to !== undefined) {
    keyCondition += ' AND #sk <= :to';
    values[':to'] = filter.to;
  }
  const conditions: string[] = [];
  for (const field of ['label', 'predictedLabel', 'action'] as const) {
    if (filter[field] === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = filter[field];
    conditions.push(`#${field} = :${field}`);
  }
  if (filter.q !== undefined) {
    names['#textLower'] = 'textLower';
    values[':q'] = filter.q.toLowerCase();
    conditions.push('contains(#textLower, :q)');
  }
  if (filter.maxConfidence !== undefined) {
    names['#top'] = 'topProbability';
    values[':top'] = filter.maxConfidence;
    conditions.push('#top <= :top');
  }
  return {
    input: {
      TableName: tableName,
      IndexName: filter.modelVersion !== undefined ? INDEX_BY_VERSION : INDEX_BY_TIME,
      KeyConditionExpression: keyCondition,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    keyNames: ['id', 'sk', filter.modelVersion !== undefined ? 'modelVersion' : 'feed'],
    filtered: conditions.length > 0,
  };
}

function keyOf(item: Record<string, unknown>, keyNames: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keyNames.map((name) => [name, item[name]]));
}

// --- time ranges ---------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const isMidnight = (iso: string) => iso.endsWith('T00:00:00.000Z');
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const nextDay = (day: string) => new Date(Date.parse(dayStart(day)) + DAY_MS).toISOString().slice(0, 10);
const previousDay = (day: string) => new Date(Date.parse(dayStart(day)) - DAY_MS).toISOString().slice(0, 10);

/**
 * Splits `[from, to)` into whole UTC days `[firstDay, endDay)` (read from the stats table) and at most two
 * partial intervals at the edges (recounted from the index). Open ends are `undefined`.
 */
export function splitRange(
  from: string | undefined,
  to: string | undefined,
): { firstDay: string | undefined; endDay: string | undefined; partial: { from: string | undefined; to: string | undefined }[] } {
  const firstDay = from === undefined ? undefined : isMidnight(from) ? dayOf(from) : nextDay(dayOf(from));
  const endDay = to === undefined ? undefined : dayOf(to);
  if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) return { firstDay, endDay: firstDay, partial: [{ from, to }] };
  const partial = [];
  if (from !== undefined && !isMidnight(from)) partial.push({ from, to: dayStart(firstDay!) });
  if (to !== undefined && !isMidnight(to)) partial.push({ from: dayStart(endDay!), to });
  return { firstDay, endDay, partial };
}

/** Creates the review store over its three tables. */
export function createReviewStore(options: ReviewStoreOptions): ReviewStore {
  const { client, now = () => new Date() } = options;
  const tables: StoreTables = {
    ...defaultTables(options.tableName),
    ...(options.statsTableName ? { stats: options.statsTableName } : {}),
    ...(options.auditTableName ? { audit: options.auditTableName } : {}),
  };
  const listReadBudget = options.listReadBudget ?? 20_000;
  type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

  /** The two counter updates (the day's and the version total's) of replacing `before` by `after`. */
  function counterUpdates(before: StoredReview | undefined, after: StoredReview | undefined): TransactItem[] {
    const review = (after ?? before)!;
    const deltas = counterDeltas(before, after);
    if (deltas.size === 0) return [];
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const parts: string[] = [];
    [...deltas].forEach(([name, delta], i) => {
      names[`#c${i}`] = name;
      values[`:d${i}`] = delta;
      parts.push(`#c${i} :d${i}`);
    });
    const update = (scope: string, bucket: string): TransactItem => ({
      Update: {
        TableName: tables.stats,
        Key: { scope, bucket },
        UpdateExpression: `ADD ${parts.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
    return [update(review.modelVersion, dayOf(review.createdAt)), update(TOTAL_SCOPE, review.modelVersion)];
  }

  /** The write of `after` (or the delete when absent) over `item` (absent: a create), conditioned on the revision read. */
  function reviewWrite(item: Record<string, unknown> | undefined, after: StoredReview | undefined, id: string): TransactItem {
    const rev = item ? revOf(item) : undefined;
    const condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    } = !item
      ? { ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } }
      : rev === undefined
        ? { ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(#rev)', ExpressionAttributeNames: { '#id': 'id', '#rev': 'rev' } }
        : { ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': rev } };
    if (!after) return { Delete: { TableName: tables.reviews, Key: { id }, ...condition } };
    return { Put: { TableName: tables.reviews, Item: toItem(after, randomUUID()), ...condition } };
  }

  /**
   * A deleted review's tombstone in the audit table (its own partition, so creates spread over keys): the
   * id of a review an operator deleted is never stored again, so a stale page's re-label (its signed
   * prediction is valid for 24 h) cannot bring the deleted sentence back. It holds no text.
   */
  function tombstoneKey(id: string): { pk: string; sk: string } {
    return { pk: `${TOMBSTONE_PREFIX}${id}`, sk: id };
  }

  async function isDeleted(id: string): Promise<boolean> {
    const result = await client.send(new GetCommand({ TableName: tables.audit, Key: tombstoneKey(id), ConsistentRead: true }));
    return result.Item !== undefined;
  }

  function deletedConflict(id: string): ClientError {
    return new ClientError('conflict', `review ${id} was deleted by an operator; it is not stored again`);
  }

  /**
   * Runs `attempt` until it commits: each attempt reads, decides and returns the transaction (or a final
   * answer with nothing to write). A failed condition (another write got there first) re-reads.
   */
  async function writeLoop<T>(attempt: () => Promise<{ done: T } | { items: TransactItem[]; result: T }>): Promise<T> {
    for (let i = 0; ; i++) {
      const step = await attempt();
      if ('done' in step) return step.done;
      try {
        await client.send(new TransactWriteCommand({ TransactItems: step.items }));
        return step.result;
      } catch (error) {
        const why = cancellation(error);
        if (!why || i >= MAX_ATTEMPTS - 1) throw error;
        // Another writer touched the same review or counters: back off a little (jittered) and re-read.
        if (why === 'conflict' || i > 2) await sleep(Math.random() * Math.min(100, 5 * 2 ** i));
      }
    }
  }

  async function getItem(id: string): Promise<Record<string, unknown> | undefined> {
    const result = await client.send(new GetCommand({ TableName: tables.reviews, Key: { id }, ConsistentRead: true }));
    return result.Item;
  }

  async function getReview(id: string): Promise<StoredReview | undefined> {
    const item = await getItem(id);
    return item ? toStoredReview(item) : undefined;
  }

  async function saveReview(review: ReviewInput): Promise<StoredReview> {
    // Every number written below comes from the review: DynamoDB's "Number underflow" must never be a 500.
    assertStorableNumbers(review);
    return writeLoop<StoredReview>(async () => {
      const item = await getItem(review.predictionId);
      const at = now().toISOString();
      if (!item) {
        if (await isDeleted(review.predictionId)) throw deletedConflict(review.predictionId);
        const created: StoredReview = {
          id: review.predictionId,
          text: review.text,
          predictedLabel: review.predictedLabel,
          label: review.label,
          action: actionOf(review),
          modelVersion: review.modelVersion,
          // DynamoDB has no -0 (it stores 0): answer what a later read returns.
          probabilities: Object.fromEntries(LABELS.map((label) => [label, review.probabilities[label] || 0])) as StoredReview['probabilities'],
          createdAt: at,
          updatedAt: at,
          ...(review.blind ? { blind: true } : {}),
          ...(review.shadow ? { shadow: review.shadow } : {}),
        };
        // The tombstone is checked again in the transaction: a delete may commit between the reads and this write.
        const notDeleted: TransactItem = {
          ConditionCheck: {
            TableName: tables.audit,
            Key: tombstoneKey(created.id),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          },
        };
        return { items: [reviewWrite(undefined, created, created.id), ...counterUpdates(undefined, created), notDeleted], result: created };
      }
      const stored = toStoredReview(item);
      if (!samePrediction(stored, review)) {
        throw new ClientError(
          'conflict',
          `predictionId ${review.predictionId} is already stored for a different prediction (text, predictedLabel, modelVersion, probabilities or blind differ)`,
        );
      }
      if (stored.label === review.label) return { done: stored };
      if (stored.action === 'corrected') {
        throw new ClientError(
          'conflict',
          `review ${review.predictionId} was corrected by an operator; its label is no longer changed from this page`,
        );
      }
      const next: StoredReview = { ...stored, label: review.label, action: actionOf(review), updatedAt: at };
      return { items: [reviewWrite(item, next, next.id), ...counterUpdates(stored, next)], result: next };
    });
  }

  async function putReview(review: StoredReview): Promise<boolean> {
    try {
      await client.send(
        new TransactWriteCommand({ TransactItems: [reviewWrite(undefined, review, review.id), ...counterUpdates(undefined, review)] }),
      );
      return true;
    } catch (error) {
      if (cancellation(error) === 'condition') return false;
      throw error;
    }
  }

  function auditPut(record: AuditRecord): TransactItem {
    return {
      Put: {
        TableName: tables.audit,
        Item: { pk: AUDIT_PK, sk: `${record.at}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(#sk)',
        ExpressionAttributeNames: { '#sk': 'sk' },
      },
    };
  }

  function notFound(id: string): ClientError {
    return new ClientError('not_found', `no review ${id}`);
  }

  function correctReview(id: string, label: Label, by: OperatorContext): Promise<StoredReview> {
    return writeLoop<StoredReview>(async () => {
      const item = await getItem(id);
      if (!item) throw notFound(id);
      const stored = toStoredReview(item);
      if (stored.label === label) return { done: stored };
      const at = now().toISOString();
      const next: StoredReview = { ...stored, label, action: 'corrected', correctedBy: by.operator, correctedAt: at, updatedAt: at };
      const record: AuditRecord = {
        id: randomUUID(),
        at,
        operator: by.operator,
        action: 'correct',
        reviewId: id,
        modelVersion: stored.modelVersion,
        fromLabel: stored.label,
        toLabel: label,
        ...(by.requestId ? { requestId: by.requestId } : {}),
      };
      return { items: [reviewWrite(item, next, id), ...counterUpdates(stored, next), auditPut(record)], result: next };
    });
  }

  function deleteReview(id: string, by: OperatorContext): Promise<{ id: string; at: string }> {
    return writeLoop(async () => {
      const item = await getItem(id);
      if (!item) throw notFound(id);
      const stored = toStoredReview(item);
      const at = now().toISOString();
      const record: AuditRecord = {
        id: randomUUID(),
        at,
        operator: by.operator,
        action: 'delete',
        reviewId: id,
        modelVersion: stored.modelVersion,
        fromLabel: stored.label,
        ...(by.requestId ? { requestId: by.requestId } : {}),
      };
      const tombstone: TransactItem = { Put: { TableName: tables.audit, Item: { ...tombstoneKey(id), reviewId: id, at } } };
      return { items: [reviewWrite(item, undefined, id), ...counterUpdates(stored, undefined), auditPut(record), tombstone], result: { id, at } };
    });
  }

  async function listReviews(query: ReviewListQuery): Promise<ReviewListResponse> {
    const { limit = DEFAULT_PAGE_LIMIT, cursor, ...filter } = query;
    const plan = planQuery(tables.reviews, filter);
    let startKey: Record<string, unknown> | undefined = cursor ? decodeCursor(cursor, filter, plan.keyNames) : undefined;
    const reviews: StoredReview[] = [];
    let last: Record<string, unknown> | undefined;
    let read = 0;
    for (let round = 0; ; round++) {
      // Unfiltered: one more than the page tells whether a next page exists. Filtered: start at twice the page
      // and grow fourfold per round, so a common filter reads little and a rare one reaches 1 MB pages soon.
      const pageLimit = plan.filtered ? Math.max(1, Math.min(2000, 2 * limit * 4 ** round, listReadBudget - read)) : limit + 1 - reviews.length;
      const page = await client.send(new QueryCommand({ ...plan.input, ExclusiveStartKey: startKey, Limit: pageLimit }));
      read += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        // A further match exists: the cursor continues after the last one returned.
        if (reviews.length === limit) return { reviews, nextCursor: encodeCursor(filter, keyOf(last!, plan.keyNames)) };
        reviews.push(toStoredReview(item));
        last = item;
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { reviews, nextCursor: null };
      // A filtered page that is full, or a request that read its budget, stops here (the next page may turn out empty).
      if (plan.filtered && reviews.length === limit) return { reviews, nextCursor: encodeCursor(filter, keyOf(last!, plan.keyNames)) };
      if (read >= listReadBudget) return { reviews, nextCursor: encodeCursor(filter, startKey) };
    }
  }

  async function* queryReviews(filter: ReviewFilter, projection?: string): AsyncGenerator<Record<string, unknown>> {
    const plan = planQuery(tables.reviews, filter);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          ...plan.input,
          ExclusiveStartKey: startKey,
          ...(projection ? { ProjectionExpression: projection } : {}),
        }),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async function* scanReviews(scan: ScanOptions & { filter?: ReviewFilter | undefined } = {}): AsyncGenerator<StoredReview> {
    const filter = scan.filter && Object.values(scan.filter).some((value) => value !== undefined) ? scan.filter : undefined;
    if (filter) {
      for await (const item of queryReviews(filter)) yield toStoredReview(item);
      return;
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tables.reviews, ExclusiveStartKey: startKey, ...(scan.pageSize ? { Limit: scan.pageSize } : {}) }),
      );
      for (const item of page.Items ?? []) yield toStoredReview(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async function appendAudit(fields: Omit<AuditRecord, 'id' | 'at'>): Promise<AuditRecord> {
    const record = AuditRecordSchema.parse({ ...fields, id: randomUUID(), at: now().toISOString() });
    const put = auditPut(record).Put!;
    await client.send(new PutCommand(put));
    return record;
  }

  async function listAudit(query: AuditListQuery): Promise<AuditListResponse> {
    const { limit = DEFAULT_PAGE_LIMIT, cursor } = query;
    const keyNames = ['pk', 'sk'] as const;
    const page = await client.send(
      new QueryCommand({
        TableName: tables.audit,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': AUDIT_PK },
        ScanIndexForward: false,
        Limit: limit + 1,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, {}, keyNames) } : {}),
      }),
    );
    const items = page.Items ?? [];
    const records = items.slice(0, limit).map(({ pk: _pk, sk: _sk, ...record }) => AuditRecordSchema.parse(record));
    const more = items.length > limit || (items.length === limit && page.LastEvaluatedKey !== undefined);
    return { records, nextCursor: more && records.length ? encodeCursor({}, keyOf(items[records.length - 1]!, keyNames)) : null };
  }

  /** The summed day items of one version for whole days `[firstDay, endDay)` (open ends: `undefined`). */
  async function sumDays(modelVersion: string, firstDay: string | undefined, endDay: string | undefined): Promise<Counters> {
    const counters: Counters = new Map();
    const values: Record<string, unknown> = { ':scope': modelVersion };
    let condition = '#scope = :scope';
    if (firstDay !== undefined && endDay !== undefined) {
      condition += ' AND #bucket BETWEEN :first AND :last';
      Object.assign(values, { ':first': firstDay, ':last': previousDay(endDay) });
    } else if (firstDay !== undefined) {
      condition += ' AND #bucket >= :first';
      values[':first'] = firstDay;
    } else if (endDay !== undefined) {
      condition += ' AND #bucket < :end';
      values[':end'] = endDay;
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tables.stats,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: { '#scope': 'scope', '#bucket': 'bucket' },
          ExpressionAttributeValues: values,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) addCounters(counters, item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counters;
  }

  async function versionTotals(): Promise<Map<string, Counters>> {
    const totals = new Map<string, Counters>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tables.stats,
          KeyConditionExpression: '#scope = :scope',
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: { ':scope': TOTAL_SCOPE },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) totals.set(String(item.bucket), addCounters(new Map(), item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return totals;
  }

  const reviewsIn = (counters: Counters) => [...counters].reduce((sum, [name, value]) => (name.startsWith('c#') ? sum + value : sum), 0);

  /** Fields the recount of a partial day needs. */
  const COUNT_PROJECTION = 'id, #label, predictedLabel, #action, blind, shadow, modelVersion, createdAt';

  async function recountRange(modelVersion: string, from: string | undefined, to: string | undefined, into: Counters): Promise<void> {
    const plan = planQuery(tables.reviews, { modelVersion, from, to });
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          ...plan.input,
          ExpressionAttributeNames: { ...plan.input.ExpressionAttributeNames, '#label': 'label', '#action': 'action' },
          ProjectionExpression: COUNT_PROJECTION,
          ExclusiveStartKey: startKey,
        }),
      );
      addCounters(into, await recountReviews((page.Items ?? []) as StoredReview[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async function stats(query: StatsQuery): Promise<StatsResponse> {
    const totals = await versionTotals();
    const versions = [...totals]
      .map(([modelVersion, counters]) => ({ modelVersion, reviews: reviewsIn(counters) }))
      .filter((v) => v.reviews > 0)
      .sort((a, b) => (a.modelVersion < b.modelVersion ? -1 : 1));
    const selected = query.modelVersion !== undefined ? [query.modelVersion] : versions.map((v) => v.modelVersion);
    const counters: Counters = new Map();
    if (query.from === undefined && query.to === undefined) {
      for (const version of selected) addCounters(counters, totals.get(version) ?? new Map());
    } else {
      const range = splitRange(query.from, query.to);
      await Promise.all(
        selected.map(async (version) => {
          if (range.firstDay === undefined || range.endDay === undefined || range.firstDay < range.endDay) {
            addCounters(counters, await sumDays(version, range.firstDay, range.endDay));
          }
          for (const part of range.partial) await recountRange(version, part.from, part.to, counters);
        }),
      );
    }
    return statsFromCounters(counters, { modelVersion: query.modelVersion ?? null, from: query.from ?? null, to: query.to ?? null, versions });
  }

  async function recount(query: StatsQuery = {}): Promise<Counters> {
    const counters: Counters = new Map();
    for await (const review of scanReviews()) {
      if (query.modelVersion !== undefined && review.modelVersion !== query.modelVersion) continue;
      if (query.from !== undefined && review.createdAt < query.from) continue;
      if (query.to !== undefined && review.createdAt >= query.to) continue;
      for (const name of countersOf(review)) counters.set(name, (counters.get(name) ?? 0) + 1);
    }
    return counters;
  }

  async function rebuildStats(): Promise<{ reviews: number; items: number }> {
    const buckets = new Map<string, Counters>();
    let reviews = 0;
    for await (const review of scanReviews()) {
      reviews++;
      for (const key of [`${review.modelVersion}\n${dayOf(review.createdAt)}`, `${TOTAL_SCOPE}\n${review.modelVersion}`]) {
        const counters = buckets.get(key) ?? new Map<string, number>();
        for (const name of countersOf(review)) counters.set(name, (counters.get(name) ?? 0) + 1);
        buckets.set(key, counters);
      }
    }
    // Remove every old item first, so a day or version without reviews any more is gone too.
    let startKey: Record<string, unknown> | undefined;
    const old: Record<string, unknown>[] = [];
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tables.stats,
          ProjectionExpression: '#s, #b',
          ExpressionAttributeNames: { '#s': 'scope', '#b': 'bucket' },
          ExclusiveStartKey: startKey,
        }),
      );
      old.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    for (const key of old) await client.send(new DeleteCommand({ TableName: tables.stats, Key: key }));
    for (const [key, counters] of buckets) {
      const [scope, bucket] = key.split('\n') as [string, string];
      await client.send(new PutCommand({ TableName: tables.stats, Item: { scope, bucket, ...Object.fromEntries(counters) } }));
    }
    return { reviews, items: buckets.size };
  }

  return {
    saveReview,
    putReview,
    getReview,
    correctReview,
    deleteReview,
    listReviews,
    scanReviews,
    appendAudit,
    listAudit,
    stats,
    recount,
    rebuildStats,
  };
}
