import type { Secrets } from './secrets.ts';
import type { Storage } from './storage.ts';

/**
 * The HTTP API (API Gateway v2) with one Lambda per route. Routes keep the `/api` prefix because
 * the router forwards `/api/*` unchanged.
 *
 * Least privilege: each function gets only the DynamoDB / S3 actions its handler performs, on the
 * tables / bucket it uses; the `Reviews` and `Exports` linkables carry names only. A transaction
 * (`TransactWriteItems`) needs the action of each of its writes on that write's table.
 * - approve, revise: `GetItem` + conditional `PutItem` on reviews, `UpdateItem` (counters) on stats,
 *   `GetItem` + `ConditionCheckItem` on audit (a deleted review's tombstone: its id is never stored again).
 * - getcsv: `Scan` of the reviews table, `Query` of its indexes (filtered exports), `PutItem` on audit;
 *   multipart `PutObject` (+ `AbortMultipartUpload`) and `GetObject` under `exports/` in the exports
 *   bucket, to stream the CSV there (so the 6 MB Lambda response limit never cuts it) and presign it (303).
 * - GET /api/reviews: `Query` of the reviews indexes. GET /api/reviews/{id}: `GetItem`.
 *   PATCH: `GetItem` + `PutItem` on reviews, `UpdateItem` on stats, `PutItem` on audit. DELETE: the same
 *   with `DeleteItem` instead of `PutItem` on reviews (the tombstone is a `PutItem` on audit).
 * - GET /api/stats: `Query` on stats and on the reviews indexes (partial days). GET /api/audit: `Query` on audit.
 * - operator session: `PutItem` on audit (sign-in, sign-out).
 *
 * Throttling: {@link THROTTLE} on the `$default` stage, so a burst cannot run up the DynamoDB bill.
 */

/** Stage-wide API throttling: steady requests per second and burst bucket size. */
export const THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** Key prefix getcsv writes exports under (packages/functions/src/export/s3.ts). */
export const EXPORT_PREFIX = 'exports/';

/** Lambda handlers, relative to the repository root. */
export const HANDLERS = {
  approve: 'packages/functions/src/handlers/approve.handler',
  revise: 'packages/functions/src/handlers/revise.handler',
  getcsv: 'packages/functions/src/handlers/getcsv.handler',
  operatorSession: 'packages/functions/src/handlers/operator-session.handler',
  openapi: 'packages/functions/src/handlers/openapi.handler',
  reviews: 'packages/functions/src/handlers/reviews.handler',
  review: 'packages/functions/src/handlers/review.handler',
  audit: 'packages/functions/src/handlers/audit.handler',
  stats: 'packages/functions/src/handlers/stats.handler',
} as const;

export function createApi(storage: Storage, secrets: Secrets) {
  const { table, statsTable, auditTable, exportsBucket, reviews, exportsLink } = storage;
  // Issue 7: every function's config needs both secrets (verify predictions, check the operator).
  const trust = [secrets.predictionSecret, secrets.operatorToken];

  const api = new sst.aws.ApiGatewayV2('Api', {
    transform: {
      stage: (args) => {
        args.defaultRouteSettings = {
          throttlingRateLimit: THROTTLE.rateLimit,
          throttlingBurstLimit: THROTTLE.burstLimit,
        };
      },
    },
  });

  const common = {
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    memory: '512 MB',
    environment: { REVIEWS_TABLE: table.name, STATS_TABLE: statsTable.name, AUDIT_TABLE: auditTable.name },
  } as const;

  const onReviews = (...actions: string[]) => sst.aws.permission({ actions, resources: [table.arn] });
  const onReviewIndexes = sst.aws.permission({ actions: ['dynamodb:Query'], resources: [$interpolate`${table.arn}/index/*`] });
  const onStats = (...actions: string[]) => sst.aws.permission({ actions, resources: [statsTable.arn] });
  const onAudit = (...actions: string[]) => sst.aws.permission({ actions, resources: [auditTable.arn] });
  const writeReviews = [
    onReviews('dynamodb:GetItem', 'dynamodb:PutItem'),
    onStats('dynamodb:UpdateItem'),
    onAudit('dynamodb:GetItem', 'dynamodb:ConditionCheckItem'),
  ];

  api.route('POST /api/approve', {
    ...common,
    handler: HANDLERS.approve,
    timeout: '10 seconds',
    link: [reviews, ...trust],
    permissions: writeReviews,
  });

  api.route('POST /api/revise', {
    ...common,
    handler: HANDLERS.revise,
    timeout: '10 seconds',
    link: [reviews, ...trust],
    permissions: writeReviews,
  });

  api.route('GET /api/getcsv', {
    ...common,
    handler: HANDLERS.getcsv,
    // 100,000 reviews scan and upload in well under this; API Gateway itself gives up at 30 s.
    timeout: '29 seconds',
    memory: '1024 MB',
    environment: { ...common.environment, EXPORT_BUCKET: exportsBucket.name },
    link: [reviews, exportsLink, ...trust],
    permissions: [
      sst.aws.permission({ actions: ['dynamodb:Scan'], resources: [table.arn] }),
      onReviewIndexes,
      onAudit('dynamodb:PutItem'),
      // Multipart upload (`@aws-sdk/lib-storage`) needs PutObject and, to clean up, Abort.
      sst.aws.permission({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resources: [$interpolate`${exportsBucket.arn}/${EXPORT_PREFIX}*`],
      }),
    ],
  });

  // The operator sign-in of the web app: sign-in and sign-out are audited; the GET check touches no table.
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    api.route(`${method} /api/operator/session`, {
      ...common,
      handler: HANDLERS.operatorSession,
      timeout: '10 seconds',
      link: [reviews, ...trust],
      ...(method === 'GET' ? {} : { permissions: [onAudit('dynamodb:PutItem')] }),
    });
  }

  // The review console (operators only; the handlers check the operator token).
  const consoleRoute = { ...common, timeout: '10 seconds' as const, link: [reviews, ...trust] };
  api.route('GET /api/reviews', { ...consoleRoute, handler: HANDLERS.reviews, permissions: [onReviewIndexes] });
  api.route('GET /api/reviews/{id}', { ...consoleRoute, handler: HANDLERS.review, permissions: [onReviews('dynamodb:GetItem')] });
  api.route('PATCH /api/reviews/{id}', {
    ...consoleRoute,
    handler: HANDLERS.review,
    permissions: [onReviews('dynamodb:GetItem', 'dynamodb:PutItem'), onStats('dynamodb:UpdateItem'), onAudit('dynamodb:PutItem')],
  });
  api.route('DELETE /api/reviews/{id}', {
    ...consoleRoute,
    handler: HANDLERS.review,
    permissions: [onReviews('dynamodb:GetItem', 'dynamodb:DeleteItem'), onStats('dynamodb:UpdateItem'), onAudit('dynamodb:PutItem')],
  });
  api.route('GET /api/audit', { ...consoleRoute, handler: HANDLERS.audit, permissions: [onAudit('dynamodb:Query')] });
  api.route('GET /api/stats', { ...consoleRoute, handler: HANDLERS.stats, permissions: [onStats('dynamodb:Query'), onReviewIndexes] });

  // The route contract (built from the core schemas; needs nothing but its own code). The reviews
  // link and variable are names only, as every API function gets them; it is granted no action.
  api.route('GET /api/openapi.json', {
    ...common,
    handler: HANDLERS.openapi,
    timeout: '5 seconds',
    memory: '256 MB',
    link: [reviews],
  });

  return { api };
}
