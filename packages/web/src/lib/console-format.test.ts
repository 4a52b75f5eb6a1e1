import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatInterval, formatRate, formatScore, formatTime, rowShare } from './console-format.ts';

test('rates, scores and intervals; null (nothing to divide by) is a dash', () => {
  assert.equal(formatRate(0.8123), '81.2%');
  assert.equal(formatRate(null), '—');
  assert.equal(formatScore(0.5), '0.500');
  assert.equal(formatScore(undefined), '—');
  assert.equal(formatInterval(0.7012, 0.9), '70.1–90.0%');
  assert.equal(formatInterval(null, 0.9), '');
  assert.equal(formatCount(123456), '123,456');
});

test('times are shown in UTC to the minute; an unreadable one as given', () => {
  assert.equal(formatTime('2026-12-02T17:04:59.999Z'), '2026-12-02 17:04 UTC');
  assert.equal(formatTime('2026-12-02T18:04:00+01:00'), '2026-12-02 17:04 UTC');
  assert.equal(formatTime('soon'), 'soon');
});

test('rowShare is the count over its row, 0 for an empty row, clamped', () => {
  assert.equal(rowShare(3, 4), 0.75);
  assert.equal(rowShare(0, 0), 0);
  assert.equal(rowShare(5, 4), 1);
});
