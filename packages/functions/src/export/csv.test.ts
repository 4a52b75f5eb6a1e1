import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { ClientError, EXPORT_COLUMNS, LABELS, unguardSpreadsheetText, type StoredReview } from '@sentiment/core';
import { parseExportQuery, toPlainDecimal, writeReviewsCsv } from './csv.ts';
import { probabilitiesFor } from '../testing/fixtures.ts';

// Texts at the CSV-writer level: stored texts are normalised (no CR/LF/tab), but the writer must not depend on it.
const HARD_TEXTS = [
  'plain sentence',
  'commas, inside, it',
  'a "quoted" word and a lone " quote',
  'semi;colons; here',
  'line one\r\nline two\nline three\rline four',
  '=SUM(A1:A2)',
  '+1 plus',
  '-1 minus',
  '@mention',
  "'already quoted",
  "''two apostrophes",
  '\tleading tab',
  '\rleading CR',
  'café naïve Ærø façade',
  'emoji 😀🎉 and 👩‍👩‍👧',
  '"',
  ' leading and trailing spaces ',
];

function reviewWith(text: string, i: number): StoredReview {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    text,
    predictedLabel: 'joy',
    label: i % 2 === 0 ? 'joy' : 'shame',
    action: i % 2 === 0 ? 'approved' : 'revised',
    modelVersion: 'v1.2_3-a',
    probabilities: probabilitiesFor('joy'),
    createdAt: '2024-05-06T07:08:09.010Z',
    updatedAt: '2024-05-06T07:08:09.010Z',
  };
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async source without I/O, shaped like the store's pages.
async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function csvOf(reviews: StoredReview[], delimiter: 'comma' | 'semicolon'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await writeReviewsCsv(asAsync(reviews), delimiter, sink);
  return Buffer.concat(chunks);
}

for (const delimiter of ['comma', 'semicolon'] as const) {
  test(`${delimiter}: every hard text round-trips exactly through csv-parse and unguard`, async () => {
    const reviews = HARD_TEXTS.map(reviewWith);
    const bytes = await csvOf(reviews, delimiter);
    const records = parse(bytes, { bom: true, delimiter: delimiter === 'comma' ? ',' : ';', record_delimiter: '\r\n', relax_quotes: false });
    assert.deepEqual(records[0], [...EXPORT_COLUMNS]);
    assert.equal(records.length, reviews.length + 1);
    records.slice(1).forEach((record, i) => {
      const review = reviews[i]!;
      assert.equal(record.length, EXPORT_COLUMNS.length);
      assert.equal(unguardSpreadsheetText(record[1]!), review.text, JSON.stringify(review.text));
      assert.deepEqual(record.slice(2, 7), [review.label, review.predictedLabel, review.action, review.modelVersion, review.createdAt]);
      assert.deepEqual(
        record.slice(7, 14).map(Number),
        LABELS.map((label) => review.probabilities[label]),
      );
    });
  });
}

test('the file starts with a UTF-8 byte-order mark and every record ends with CRLF', async () => {
  const reviews = HARD_TEXTS.map(reviewWith);
  const bytes = await csvOf(reviews, 'comma');
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  assert.ok(text.startsWith(`${EXPORT_COLUMNS.join(',')}\r\n`));
  assert.ok(text.endsWith('\r\n'));
  // Outside quoted fields, the only line breaks are CRLF record ends: one per record plus the header.
  const unquoted = text.replace(/"(?:[^"]|"")*"/g, '');
  assert.doesNotMatch(unquoted.replaceAll('\r\n', ''), /[\r\n]/);
  assert.equal(unquoted.split('\r\n').length - 1, reviews.length + 1);
});

test('formula-looking texts are written with exactly one leading apostrophe', async () => {
  const bytes = await csvOf(['=1+1', '-2', "'x", 'ok'].map(reviewWith), 'comma');
  const records = parse(bytes, { bom: true });
  assert.deepEqual(
    records.slice(1).map((r) => r[1]),
    ["'=1+1", "'-2", "''x", 'ok'],
  );
});

test('semicolon export keeps commas unquoted and quotes semicolons', async () => {
  const text = (await csvOf([reviewWith('a, b; c', 0)], 'semicolon')).toString('utf8');
  assert.ok(text.includes(`${EXPORT_COLUMNS.join(';')}\r\n`));
  assert.ok(text.includes(';"a, b; c";'));
});

test("the shadow version's answer fills the last two columns when the review has one, else they are empty", async () => {
  const shadowed: StoredReview = {
    ...reviewWith('with a shadow', 0),
    shadow: { modelVersion: 'v9', label: 'fear', probabilities: probabilitiesFor('fear') },
  };
  const records: string[][] = parse(await csvOf([shadowed, reviewWith('without', 1)], 'comma'), { bom: true });
  const at = (name: string) => EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number]);
  assert.deepEqual([records[1]![at('shadow_model_version')], records[1]![at('shadow_label')]], ['v9', 'fear']);
  assert.deepEqual([records[2]![at('shadow_model_version')], records[2]![at('shadow_label')]], ['', '']);
});

test('probabilities are plain decimals, never exponent notation', () => {
  assert.equal(toPlainDecimal(1e-7), '0.0000001');
  assert.equal(toPlainDecimal(1.2345e-10), '0.00000000012345');
  assert.equal(toPlainDecimal(0.25), '0.25');
  assert.equal(toPlainDecimal(0), '0');
  assert.equal(toPlainDecimal(1), '1');
  assert.equal(toPlainDecimal(1e21), '1000000000000000000000');
  for (const value of [1e-7, 3.0000000000000004e-9, 0.1 + 0.2, 5e-324]) {
    assert.equal(Number(toPlainDecimal(value)), value);
    assert.doesNotMatch(toPlainDecimal(value), /e/i);
  }
});

test('an empty table exports the header only', async () => {
  const bytes = await csvOf([], 'comma');
  assert.equal(bytes.toString('utf8'), `\uFEFF${EXPORT_COLUMNS.join(',')}\r\n`);
});

test('the export query accepts comma, semicolon or nothing and the list filters, and rejects anything else with a 400', () => {
  assert.deepEqual(parseExportQuery(undefined), { delimiter: 'comma', filter: {} });
  assert.deepEqual(parseExportQuery({}), { delimiter: 'comma', filter: {} });
  assert.deepEqual(parseExportQuery({ delimiter: 'semicolon' }), { delimiter: 'semicolon', filter: {} });
  assert.deepEqual(parseExportQuery({ delimiter: 'comma' }), { delimiter: 'comma', filter: {} });
  assert.deepEqual(parseExportQuery({ label: 'joy', from: '2025-01-01', q: 'exam', maxConfidence: '0.5' }), {
    delimiter: 'comma',
    filter: { label: 'joy', from: '2025-01-01T00:00:00.000Z', q: 'exam', maxConfidence: 0.5 },
  });
  for (const query of [
    { label: 'happy' },
    { limit: '10' },
    { cursor: 'abc' },
    { from: '2025-02-01', to: '2025-01-01' },
    { delimiter: 'tab' },
    { delimiter: ';' },
    { delimiter: '' },
    { delimiter: 'comma,semicolon' },
    { delimiter: 'toString' },
    { format: 'csv' },
  ]) {
    assert.throws(
      () => parseExportQuery(query),
      (error: unknown) => error instanceof ClientError && error.status === 400 && error.code === 'invalid_field',
      JSON.stringify(query),
    );
  }
});
