import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReviewListQuerySchema, StatsQuerySchema } from '@sentiment/core';
import { apiQuery, cellFilters, consoleHref, csvHref, filtersFromSearch, searchFromFilters, statsQuery, withFilters } from './console-filters.ts';

test('filtersFromSearch reads every filter and searchFromFilters writes them back in one order', () => {
  const search = 'q=dog&label=joy&predictedLabel=fear&action=corrected&modelVersion=isear-v3&from=2026-11-01&to=2026-11-30&maxConfidence=0.6';
  const { filters, ignored } = filtersFromSearch(new URLSearchParams(search));
  assert.deepEqual(ignored, []);
  assert.deepEqual(filters, {
    q: 'dog',
    label: 'joy',
    predictedLabel: 'fear',
    action: 'corrected',
    modelVersion: 'isear-v3',
    from: '2026-11-01',
    to: '2026-11-30',
    maxConfidence: 0.6,
  });
  assert.equal(searchFromFilters(filters), search);
  // Any order in, one order out: the same view has one URL.
  const shuffled = new URLSearchParams(
    'maxConfidence=0.6&to=2026-11-30&q=dog&action=corrected&label=joy&from=2026-11-01&modelVersion=isear-v3&predictedLabel=fear',
  );
  assert.equal(searchFromFilters(filtersFromSearch(shuffled).filters), search);
});

test('a bad parameter is dropped and named, the others stay; empty values are no filter', () => {
  const { filters, ignored } = filtersFromSearch(
    new URLSearchParams('label=happy&q=%20%20&maxConfidence=1.5&from=yesterday&action=blind&page=2&predictedLabel='),
  );
  assert.deepEqual(filters, { action: 'blind' });
  assert.deepEqual(ignored, [
    'label=happy (not one of the seven labels)',
    'maxConfidence=1.5 (must be a number from 0 to 1)',
    'from=yesterday (not a date)',
    'page=2 (not a filter)',
  ]);
});

test('q is trimmed; a text search with reserved characters survives the round trip', () => {
  const filters = { q: 'café & co? 100% #1' };
  const back = filtersFromSearch(new URLSearchParams(searchFromFilters(filters))).filters;
  assert.deepEqual(back, filters);
  assert.equal(filtersFromSearch(new URLSearchParams('q=%20dog%20')).filters.q, 'dog');
});

test('a range whose "through" day is before its start is dropped (the start stays)', () => {
  const { filters, ignored } = filtersFromSearch(new URLSearchParams('from=2026-11-05&to=2026-11-04'));
  assert.deepEqual(filters, { from: '2026-11-05' });
  assert.deepEqual(ignored, ['to=2026-11-04 (before from=2026-11-05)']);
  // One day: from = through is a valid range.
  assert.deepEqual(filtersFromSearch(new URLSearchParams('from=2026-11-05&to=2026-11-05')).ignored, []);
});

test('apiQuery makes a date "to" exclusive (next UTC day) and passes datetimes through; the API schema accepts it', () => {
  const params = apiQuery({ q: 'dog', from: '2026-11-01', to: '2026-11-30', maxConfidence: 0.5 });
  assert.equal(params.toString(), 'q=dog&from=2026-11-01&to=2026-12-01T00%3A00%3A00.000Z&maxConfidence=0.5');
  assert.equal(apiQuery({ to: '2026-12-31' }).get('to'), '2027-01-01T00:00:00.000Z');
  assert.equal(apiQuery({ to: '2026-11-30T12:00:00Z' }).get('to'), '2026-11-30T12:00:00.000Z');
  const parsed = ReviewListQuerySchema.safeParse(Object.fromEntries(apiQuery({ label: 'joy', from: '2026-11-05', to: '2026-11-05' })));
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.equal(parsed.data.to, '2026-11-06T00:00:00.000Z');
});

test('statsQuery keeps only the model version and the range; the stats schema accepts it', () => {
  const params = statsQuery({ q: 'dog', label: 'joy', from: '2026-11-01', to: '2026-11-02' }, 'isear-v3');
  assert.deepEqual(Object.fromEntries(params), { from: '2026-11-01', to: '2026-11-03T00:00:00.000Z', modelVersion: 'isear-v3' });
  assert.ok(StatsQuerySchema.safeParse(Object.fromEntries(params)).success);
  assert.equal(statsQuery({}, undefined).toString(), '');
});

test('csvHref carries the view filters to the export, and the delimiter', () => {
  assert.equal(csvHref({}, 'comma'), '/api/getcsv');
  assert.equal(csvHref({}, 'semicolon'), '/api/getcsv?delimiter=semicolon');
  assert.equal(csvHref({ label: 'joy', q: 'dog' }, 'semicolon'), '/api/getcsv?q=dog&label=joy&delimiter=semicolon');
});

test('a confusion-matrix cell opens exactly its reviews: version, both labels, the range, nothing else', () => {
  const view = { q: 'dog', action: 'approved' as const, maxConfidence: 0.4, from: '2026-11-01', label: 'fear' as const };
  assert.deepEqual(cellFilters(view, 'isear-v3', 'joy', 'sadness'), {
    from: '2026-11-01',
    modelVersion: 'isear-v3',
    label: 'joy',
    predictedLabel: 'sadness',
  });
  assert.equal(consoleHref(cellFilters({}, 'isear-v3', 'joy', 'sadness')), '/console?label=joy&predictedLabel=sadness&modelVersion=isear-v3');
  assert.equal(consoleHref({}), '/console');
});

test('withFilters sets and removes keys without touching the input', () => {
  const base = { q: 'dog', label: 'joy' as const };
  assert.deepEqual(withFilters(base, { q: undefined, modelVersion: 'v1' }), { label: 'joy', modelVersion: 'v1' });
  assert.deepEqual(withFilters(base, { label: '' }), { q: 'dog' });
  assert.deepEqual(base, { q: 'dog', label: 'joy' });
});
