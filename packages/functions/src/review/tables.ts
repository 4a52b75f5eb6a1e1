import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { INDEX_BY_TIME, INDEX_BY_VERSION } from './items.ts';
import { defaultTables, type StoreTables } from './store.ts';

/**
 * The store's tables as `CreateTable` inputs (local server and tests; `infra/storage.ts` declares the
 * same keys and indexes for AWS, and `infra/check` compares them):
 * - reviews: PK `id`; GSI `byTime` (PK `feed`, SK `sk`) and `byVersion` (PK `modelVersion`, SK `sk`),
 *   both projecting every attribute, so a list page is one Query with no second read;
 * - stats: PK `scope`, SK `bucket` (see `StoreTables`);
 * - audit: PK `pk`, SK `sk`.
 */
export function tableDefinitions(reviewsTable: string, tables: StoreTables = defaultTables(reviewsTable)): CreateTableCommandInput[] {
  return [
    {
      TableName: tables.reviews,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'feed', AttributeType: 'S' },
        { AttributeName: 'modelVersion', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: INDEX_BY_TIME,
          KeySchema: [
            { AttributeName: 'feed', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: INDEX_BY_VERSION,
          KeySchema: [
            { AttributeName: 'modelVersion', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
    {
      TableName: tables.stats,
      AttributeDefinitions: [
        { AttributeName: 'scope', AttributeType: 'S' },
        { AttributeName: 'bucket', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'scope', KeyType: 'HASH' },
        { AttributeName: 'bucket', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
    {
      TableName: tables.audit,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
  ];
}
