import { PassThrough } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { EXPORT_FILE_NAMES, type ExportDelimiterName, type StoredReview } from '@sentiment/core';
import { writeReviewsCsv } from './csv.ts';

/** Lifetime of the presigned download link, in seconds (5 minutes: long enough to start the download). */
export const EXPORT_LINK_SECONDS = 300;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** `Content-Disposition` of an export: `sentiment.csv`, or `sentiment-semicolon.csv` for `;`. */
export function csvDisposition(delimiter: ExportDelimiterName): string {
  return `attachment; filename="${EXPORT_FILE_NAMES[delimiter]}"`;
}

/** Where large exports go on AWS: the bucket passed as `EXPORT_BUCKET` and an S3 client. */
export interface S3ExportTarget {
  client: S3Client;
  bucket: string;
}

/**
 * Streams the CSV of `reviews` into `s3://<bucket>/exports/<time>-<requestId>.csv` with a multipart
 * {@link Upload} (5 MiB parts, so memory stays bounded and no Lambda response limit applies), then
 * returns a presigned GET URL valid for {@link EXPORT_LINK_SECONDS} that downloads under the
 * delimiter's file name ({@link csvDisposition}).
 * @throws whatever the scan or the upload throws; a failed upload is aborted by `Upload`.
 */
export async function exportReviewsToS3(
  reviews: AsyncIterable<StoredReview>,
  delimiter: ExportDelimiterName,
  target: S3ExportTarget,
  names: { requestId: string; now: Date },
): Promise<string> {
  const key = `exports/${names.now.toISOString().replaceAll(':', '-')}-${names.requestId.replace(/[^A-Za-z0-9-]/g, '_')}.csv`;
  const body = new PassThrough();
  const upload = new Upload({
    client: target.client,
    params: {
      Bucket: target.bucket,
      Key: key,
      Body: body,
      ContentType: CSV_CONTENT_TYPE,
      ContentDisposition: csvDisposition(delimiter),
      CacheControl: 'no-store',
    },
  });
  const uploaded = upload.done().catch((error: unknown) => {
    // Unblock the CSV writer, which otherwise waits forever on a stream nobody reads.
    body.destroy(error as Error);
    throw error;
  });
  await Promise.all([writeReviewsCsv(reviews, delimiter, body), uploaded]);
  return getSignedUrl(
    target.client,
    new GetObjectCommand({
      Bucket: target.bucket,
      Key: key,
      ResponseContentDisposition: csvDisposition(delimiter),
      ResponseContentType: CSV_CONTENT_TYPE,
    }),
    { expiresIn: EXPORT_LINK_SECONDS },
  );
}
