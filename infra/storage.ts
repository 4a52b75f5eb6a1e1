import { isProduction } from './stage.ts';

/**
 * The review store's three tables and the bucket for large CSV exports (see the functions README,
 * "Review console store"; `packages/functions/src/review/tables.ts` declares the same keys locally).
 *
 * - `ReviewsTable`: one item per `predictionId`, partition key `id` (string); GSIs `byTime` (`feed`, `sk`)
 *   and `byVersion` (`modelVersion`, `sk`), projecting all attributes, for the console's newest-first list.
 * - `ReviewStatsTable`: exact counters per model version and UTC day (`scope`, `bucket`), written in the
 *   same transaction as every review write.
 * - `ReviewAuditTable`: the operators' actions (`pk`, `sk` = `<at>#<id>`).
 * - All three: on-demand billing (SST's default), point-in-time recovery and deletion protection on
 *   production only, retained on removal in production by SST (`removal: 'retain'`).
 * - `ExportsBucket`: getcsv writes exports too big for a Lambda response (6 MB limit) here and answers
 *   303 to a presigned URL; objects expire after one day.
 * - `Reviews` / `Exports` linkables: what the functions see as `Resource.Reviews.name` (with the
 *   stats and audit table names) and `Resource.Exports.name`, without IAM. Each function gets only the actions it needs
 *   through `permissions` (see api.ts), which `link`ing the components would widen to
 *   `dynamodb:*` and `s3:*`.
 */
export function createStorage() {
  const production = isProduction();

  const transform = {
    table: (args: { pointInTimeRecovery?: unknown }) => {
      // SST turns recovery on everywhere; pay for it only where the data is real.
      args.pointInTimeRecovery = { enabled: production };
      return undefined;
    },
  };
  const table = new sst.aws.Dynamo('ReviewsTable', {
    fields: { id: 'string', feed: 'string', modelVersion: 'string', sk: 'string' },
    primaryIndex: { hashKey: 'id' },
    globalIndexes: {
      byTime: { hashKey: 'feed', rangeKey: 'sk' },
      byVersion: { hashKey: 'modelVersion', rangeKey: 'sk' },
    },
    deletionProtection: production,
    transform,
  });
  const statsTable = new sst.aws.Dynamo('ReviewStatsTable', {
    fields: { scope: 'string', bucket: 'string' },
    primaryIndex: { hashKey: 'scope', rangeKey: 'bucket' },
    deletionProtection: production,
    transform,
  });
  const auditTable = new sst.aws.Dynamo('ReviewAuditTable', {
    fields: { pk: 'string', sk: 'string' },
    primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
    deletionProtection: production,
    transform,
  });

  const exportsBucket = new sst.aws.Bucket('ExportsBucket', {
    lifecycle: [{ id: 'expire-exports', expiresIn: '1 day' }],
  });

  const reviews = new sst.Linkable('Reviews', {
    properties: { name: table.name, arn: table.arn, statsName: statsTable.name, auditName: auditTable.name },
  });
  const exportsLink = new sst.Linkable('Exports', {
    properties: { name: exportsBucket.name },
  });

  return { table, statsTable, auditTable, exportsBucket, reviews, exportsLink };
}

export type Storage = ReturnType<typeof createStorage>;
