import { Writable } from 'node:stream';
import { parseExportQuery, writeReviewsCsv } from '../export/csv.ts';
import type { ExportDelimiterName } from '@sentiment/core';
import { CSV_CONTENT_TYPE, csvDisposition, exportReviewsToS3 } from '../export/s3.ts';
import { errorResponse, requestIdOf, type LambdaHandler } from '../lambda/edge.ts';
import { eventContext, eventCredentials, requireOperator } from '../auth/operator.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/** Headers of a CSV download with `delimiter`. */
export function csvHeaders(delimiter: ExportDelimiterName): Record<string, string> {
  return { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': csvDisposition(delimiter), 'cache-control': 'no-store' };
}

/**
 * `GET /api/getcsv[?delimiter=comma|semicolon]` — every stored review as `sentiment.csv` (`sentiment-semicolon.csv` with `;`; see
 * `writeReviewsCsv`). With an export bucket (AWS): the CSV is streamed into S3 and the answer is
 * 303 See Other to a presigned link (5 minutes), so the 6 MB Lambda response limit never cuts it.
 * Without one: 200 with the CSV inline (small tables, tests; locally the adapter streams instead).
 * Operators only: 401 `unauthorized` without the operator token (bearer header or session cookie).
 * Errors: 400 `invalid_field` for another delimiter or any other query parameter.
 */
export function createGetCsvHandler(deps: HandlerDeps): LambdaHandler {
  return async (event) => {
    try {
      requireOperator(eventCredentials(event), deps.operatorToken, deps.logger, eventContext(event));
      const { delimiter } = parseExportQuery(event.queryStringParameters);
      if (deps.exportTarget) {
        const url = await exportReviewsToS3(deps.store.scanReviews(), delimiter, deps.exportTarget, {
          requestId: requestIdOf(event),
          now: (deps.now ?? (() => new Date()))(),
        });
        return { statusCode: 303, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
      }
      const chunks: Buffer[] = [];
      await writeReviewsCsv(
        deps.store.scanReviews(),
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
