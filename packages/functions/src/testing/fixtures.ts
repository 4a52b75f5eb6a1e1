import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LABELS, normalizeText, type Label, type Probabilities, type ReviseRequest } from '@sentiment/core';
import { signPrediction } from '@sentiment/core/trust';
import { createDocumentClient } from '../clients.ts';
import { ensureReviewsTable, startLocalDynamo, type LocalDynamo } from '../local/dynamo.ts';
import { sharedTestEndpoint } from './env.ts';

/** Fresh store tables (reviews, stats, audit) on a real DynamoDB Local on 127.0.0.1. Tests only. */
export interface TestTable {
  dynamo: LocalDynamo;
  client: DynamoDBDocumentClient;
  /** The reviews table; the others are named after it (`defaultTables`). */
  tableName: string;
  close(): Promise<void>;
}

/** The run's shared DynamoDB Local (closing it is a no-op), or a new one of this file's own. */
export async function testDynamo(): Promise<LocalDynamo> {
  const endpoint = sharedTestEndpoint();
  return endpoint ? { endpoint, close: () => Promise.resolve() } : startLocalDynamo();
}

/**
 * New, uniquely named tables on the run's shared DynamoDB Local (`testing/env.ts`), or on one of this
 * file's own when there is none or `path` asks for a store on disk (restart tests).
 */
export async function startTestTable(options: { path?: string } = {}): Promise<TestTable> {
  const dynamo = options.path ? await startLocalDynamo(options) : await testDynamo();
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const tableName = options.path ? 'reviews-test' : `reviews-${randomUUID().slice(0, 8)}`;
  await ensureReviewsTable(client, tableName);
  return {
    dynamo,
    client,
    tableName,
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** Seven probabilities summing to 1 with `top` the largest. */
export function probabilitiesFor(top: Label): Probabilities {
  const rest = (1 - 0.4) / (LABELS.length - 1);
  return Object.fromEntries(LABELS.map((label) => [label, label === top ? 0.4 : rest])) as Probabilities;
}

/** The prediction secret of tests (never used outside them). */
export const TEST_PREDICTION_SECRET = 'test-prediction-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
/** The operator token of tests (never used outside them). */
export const TEST_OPERATOR_TOKEN = 'test-operator-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
/** Secrets for `HandlerDeps` / `startApiServer` in tests. */
export const TEST_TRUST = { predictionSecret: TEST_PREDICTION_SECRET, operatorToken: TEST_OPERATOR_TOKEN } as const;
/** `Authorization` header of an operator in tests. */
export const OPERATOR_AUTH = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } as const;

/**
 * `body` with a fresh `predictionToken`, as the model service would have signed that prediction
 * under {@link TEST_PREDICTION_SECRET} (the text normalised as the service does) at `issuedAt`.
 */
export function signed<T extends Omit<ReviseRequest, 'predictionToken'>>(body: T, issuedAt = new Date()): T & { predictionToken: string } {
  const fields = { ...body, text: normalizeText(body.text), label: body.predictedLabel };
  return { ...body, predictionToken: signPrediction(fields, TEST_PREDICTION_SECRET, issuedAt) };
}

/** A valid revise/approve body with a valid `predictionToken` for its final fields; override any field. */
export function reviewBody(overrides: Partial<ReviseRequest> = {}): ReviseRequest {
  const predictedLabel = overrides.predictedLabel ?? 'joy';
  const body = {
    predictionId: randomUUID(),
    text: 'I passed my exam',
    predictedLabel,
    label: predictedLabel,
    modelVersion: 'test-1',
    probabilities: probabilitiesFor(predictedLabel),
    ...overrides,
  };
  if (overrides.predictionToken !== undefined) return { ...body, predictionToken: overrides.predictionToken };
  // A text the rules refuse cannot be signed as the service never predicts it; any token does then.
  try {
    return signed(body);
  } catch {
    return { ...body, predictionToken: 'v1.0.unsigned' };
  }
}

/** A clock that returns `start`, then advances one second per call. */
export function steppingClock(start = '2024-01-01T00:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => {
    const date = new Date(t);
    t += 1000;
    return date;
  };
}
