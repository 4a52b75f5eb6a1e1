import { Writable } from 'node:stream';
import { parseExportQuery, writeReviewsCsv } from '../export/csv.ts';
import type { ExportDelimiterName, ReviewFilter } from '@sentiment/core';
import { CSV_CONTENT_TYPE, csvDisposition, exportReviewsToS3 } from '../export/s3.ts';
import { errorResponse, requestIdOf, type LambdaHandler } from '../lambda/edge.ts';
import { eventContext, eventCredentials, requireOperator } from '../auth/operator.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/** Headers of a CSV download with `delimiter`. */
export function csvHeaders(delimiter: ExportDelimiterName): Record<string, string> {
  return { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': csvDisposition(delimiter), 'cache-control': 'no-store' };
}

/** Records an export in the audit trail (before any row is read), with its filters as `detail`. */
export async function auditExport(deps: Pick<HandlerDeps, 'store'>, operator: string, requestId: string, filter: ReviewFilter): Promise<void> {
  const shown = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
  await deps.store.appendAudit({ operator, action: 'export', requestId, ...(Object.keys(shown).length ? { detail: JSON.stringify(shown) } : {}) });
}

/**
 * `GET /api/getcsv[?delimiter=comma|semicolon][&label=…&q=…]` — every stored review (or those matching the
 * review list's filters: `label`, `predictedLabel`, `action`, `modelVersion`, `from`, `to`, `q`, `maxConfidence`) as `sentiment.csv` (`sentiment-semicolon.csv` with `;`; see
 * `writeReviewsCsv`). With an export bucket (AWS): the CSV is streamed into S3 and the answer is
 * 303 See Other to a presigned link (5 minutes), so the 6 MB Lambda response limit never cuts it.
 * Without one: 200 with the CSV inline (small tables, tests; locally the adapter streams instead).
 * Operators only: 401 `unauthorized` without the operator token (bearer header or session cookie).
 * Corrections are in it with their label; deleted reviews are not. Every export is audited.
 * Errors: 400 `invalid_field` for another delimiter, a bad filter or any other query parameter.
 */
export function createGetCsvHandler(deps: HandlerDeps): LambdaHandler {
  return async (event) => {
    try {
      const operator = requireOperator(eventCredentials(event), deps.operatorToken, deps.logger, eventContext(event));
      const { delimiter, filter } = parseExportQuery(event.queryStringParameters);
      await auditExport(deps, operator, requestIdOf(event), filter);
      if (deps.exportTarget) {
        const url = await exportReviewsToS3(deps.store.scanReviews({ filter }), delimiter, deps.exportTarget, {
          requestId: requestIdOf(event),
          now: (deps.now ?? (() => new Date()))(),
        });
        return { statusCode: 303, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
      }
      const chunks: Buffer[] = [];
      await writeReviewsCsv(
        deps.store.scanReviews({ filter }),
        delimiter,
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            chunks.push(chunk);
            callback();
          },
        }),
      );
      return { statusCode: 200, headers: csvHeaders(delimiter), body: Buffer.concat(chunks).toString('utf8'), isBase64Encoded: false };
    } catch (error) {
      return errorResponse(error, event, deps.logger);
    }
  };
}

export const handler = lambdaEntry(createGetCsvHandler);
