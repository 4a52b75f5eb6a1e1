import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LABELS, type Label, type Probabilities, type ReviseRequest } from '@sentiment/core';
import { createDocumentClient } from '../clients.ts';
import { ensureReviewsTable, startLocalDynamo, type LocalDynamo } from '../local/dynamo.ts';

/** A fresh in-memory dynalite on 127.0.0.1 with the reviews table created. Tests only. */
export interface TestTable {
  dynamo: LocalDynamo;
  client: DynamoDBDocumentClient;
  tableName: string;
  close(): Promise<void>;
}

export async function startTestTable(options: { path?: string } = {}): Promise<TestTable> {
  const dynamo = await startLocalDynamo(options);
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const tableName = 'reviews-test';
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

/** A valid revise/approve body; override any field. */
export function reviewBody(overrides: Partial<ReviseRequest> = {}): ReviseRequest {
  const predictedLabel = overrides.predictedLabel ?? 'joy';
  return {
    predictionId: randomUUID(),
    text: 'I passed my exam',
    predictedLabel,
    label: predictedLabel,
    modelVersion: 'test-1',
    probabilities: probabilitiesFor(predictedLabel),
    ...overrides,
  };
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
