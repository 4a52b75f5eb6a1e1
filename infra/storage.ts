import { isProduction } from './stage.ts';

/**
 * The reviews table and the bucket for large CSV exports.
 *
 * - `ReviewsTable`: one item per `predictionId`, partition key `id` (string), on-demand billing
 *   (SST's default), point-in-time recovery and deletion protection on production only. The
 *   table itself is retained on removal in production by SST (`removal: 'retain'`).
 * - `ExportsBucket`: getcsv writes exports too big for a Lambda response (6 MB limit) here and answers
 *   303 to a presigned URL; objects expire after one day.
 * - `Reviews` / `Exports` linkables: what the functions see as `Resource.Reviews.name` and
 *   `Resource.Exports.name`, without IAM. Each function gets only the actions it needs
 *   through `permissions` (see api.ts), which `link`ing the components would widen to
 *   `dynamodb:*` and `s3:*`.
 */
export function createStorage() {
  const production = isProduction();

  const table = new sst.aws.Dynamo('ReviewsTable', {
    fields: { id: 'string' },
    primaryIndex: { hashKey: 'id' },
    deletionProtection: production,
    transform: {
      table: (args) => {
        // SST turns recovery on everywhere; pay for it only where the data is real.
        args.pointInTimeRecovery = { enabled: production };
      },
    },
  });

  const exportsBucket = new sst.aws.Bucket('ExportsBucket', {
    lifecycle: [{ id: 'expire-exports', expiresIn: '1 day' }],
  });

  const reviews = new sst.Linkable('Reviews', {
    properties: { name: table.name, arn: table.arn },
  });
  const exportsLink = new sst.Linkable('Exports', {
    properties: { name: exportsBucket.name },
  });

  return { table, exportsBucket, reviews, exportsLink };
}

export type Storage = ReturnType<typeof createStorage>;
