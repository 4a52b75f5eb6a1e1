import { S3Client } from '@aws-sdk/client-s3';
import { pino, type Logger } from 'pino';
import { createDocumentClient } from '../clients.ts';
import { readConfig } from '../config.ts';
import type { S3ExportTarget } from '../export/s3.ts';
import { createReviewStore, type ReviewStore } from '../review/store.ts';
import { errorResponse, type LambdaHandler } from '../lambda/edge.ts';

/** Everything a handler needs, passed in (tests and the local adapter build their own). */
export interface HandlerDeps {
  store: ReviewStore;
  logger: Logger;
  /** Set on AWS when `EXPORT_BUCKET` is configured: getcsv then uploads and redirects. */
  exportTarget?: S3ExportTarget | undefined;
  now?: () => Date;
  /** Secret that signs predictions; reviews are verified against it (issue 7). */
  predictionSecret: string;
  /** How long a prediction can be reviewed, in ms (default 24 h). */
  predictionTokenMaxAgeMs?: number;
  /** The operator's token: getcsv and the operator session require it (issue 7). */
  operatorToken: string;
}

let coldStart: HandlerDeps | undefined;

/** Dependencies built once per Lambda container from the environment (read by `readConfig`). */
export function coldStartDeps(): HandlerDeps {
  if (!coldStart) {
    const config = readConfig();
    const logger = pino({ level: config.logLevel });
    coldStart = {
      logger,
      store: createReviewStore({
        client: createDocumentClient(config),
        tableName: config.tableName,
        statsTableName: config.statsTableName,
        auditTableName: config.auditTableName,
      }),
      exportTarget: config.exportBucket
        ? { client: new S3Client(config.region ? { region: config.region } : {}), bucket: config.exportBucket }
        : undefined,
      predictionSecret: config.predictionSecret,
      predictionTokenMaxAgeMs: config.predictionTokenMaxAgeMs,
      operatorToken: config.operatorToken,
    };
  }
  return coldStart;
}

/** The exported Lambda `handler`: builds the real handler on first call (cold start) and reuses it. */
export function lambdaEntry(create: (deps: HandlerDeps) => LambdaHandler): LambdaHandler {
  let built: LambdaHandler | undefined;
  return async (event) => {
    try {
      built ??= create(coldStartDeps());
    } catch (error) {
      // A bad configuration still answers JSON (500, logged with the request id), not API Gateway's plain text.
      return errorResponse(error, event, pino());
    }
    return built(event);
  };
}
