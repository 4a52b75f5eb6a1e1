import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type Options as StringifyOptions } from 'csv-stringify';
import {
  ClientError,
  EXPORT_COLUMNS,
  EXPORT_DELIMITERS,
  guardSpreadsheetText,
  LABELS,
  ReviewFilterSchema,
  toFieldIssues,
  type ExportDelimiterName,
  type ReviewFilter,
  type StoredReview,
} from '@sentiment/core';

/** Parsed `GET /api/getcsv` query. */
export interface ExportQuery {
  delimiter: ExportDelimiterName;
  /** The review list's filters (`ReviewFilterSchema`), so the console exports its current view. */
  filter: ReviewFilter;
}

/**
 * Validates the getcsv query: `delimiter`, one of `comma` (default) or `semicolon`, and the filters of
 * `GET /api/reviews` (not `limit`/`cursor`).
 * @throws {ClientError} `invalid_field` (400) for another delimiter, a bad filter, or any other parameter.
 */
export function parseExportQuery(params: Record<string, string | undefined> | undefined): ExportQuery {
  const { delimiter: value, ...rest } = params ?? {};
  const issues = [];
  if (value !== undefined && !Object.hasOwn(EXPORT_DELIMITERS, value)) {
    issues.push({ path: 'delimiter', message: `delimiter must be one of ${Object.keys(EXPORT_DELIMITERS).join(', ')}` });
  }
  const filter = ReviewFilterSchema.safeParse(rest);
  if (!filter.success) issues.push(...toFieldIssues(filter.error));
  if (issues.length > 0 || !filter.success)
    throw new ClientError('invalid_field', issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), issues);
  return { delimiter: (value ?? 'comma') as ExportDelimiterName, filter: filter.data };
}

/**
 * A number as a plain decimal, never in exponent form (`1e-7` → `0.0000001`), with the shortest digits
 * that round-trip to the same double. Spreadsheets and our training reader both read it back exactly.
 */
export function toPlainDecimal(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, fraction = '', exponentText] = match;
  const digits = `${lead}${fraction}`;
  const exponent = Number(exponentText);
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  return `${sign}${digits.padEnd(exponent + 1, '0')}`;
}

/** One CSV record of a review, in {@link EXPORT_COLUMNS} order; the text cell is spreadsheet-guarded. */
export function reviewToRow(review: StoredReview): string[] {
  return [
    review.id,
    guardSpreadsheetText(review.text),
    review.label,
    review.predictedLabel,
    review.action,
    review.modelVersion,
    review.createdAt,
    ...LABELS.map((label) => toPlainDecimal(review.probabilities[label])),
    review.shadow?.modelVersion ?? '',
    review.shadow?.label ?? '',
  ];
}

/**
 * csv-stringify options of the export: RFC 4180 quoting (fields with the delimiter, quotes, CR or LF are
 * quoted, quotes doubled), CRLF record ends, a UTF-8 byte-order mark first (Excel then reads UTF-8),
 * header {@link EXPORT_COLUMNS}.
 */
export function csvOptions(delimiter: ExportDelimiterName): StringifyOptions {
  return {
    bom: true,
    header: true,
    columns: [...EXPORT_COLUMNS],
    delimiter: EXPORT_DELIMITERS[delimiter],
    record_delimiter: 'windows',
    // RFC 4180: a field holding CR or LF alone is quoted too (csv-stringify only quotes the full CRLF otherwise).
    quote_record_delimiter: true,
    quote: '"',
    escape: '"',
  };
}

async function* rowsOf(reviews: AsyncIterable<StoredReview>): AsyncGenerator<string[]> {
  for await (const review of reviews) yield reviewToRow(review);
}

/**
 * Writes the CSV of `reviews` into `destination` with backpressure: rows are pulled from `reviews` only
 * as fast as `destination` drains, so memory stays flat whatever the table size. The one CSV writer
 * behind every export path (local HTTP stream, inline Lambda body, S3 upload).
 * @returns when `destination` has finished; rejects (and destroys the streams) on any error.
 */
export async function writeReviewsCsv(reviews: AsyncIterable<StoredReview>, delimiter: ExportDelimiterName, destination: Writable): Promise<void> {
  await pipeline(Readable.from(rowsOf(reviews)), stringify(csvOptions(delimiter)), destination);
}
