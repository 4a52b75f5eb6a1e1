import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barWidth, formatPercent } from './format.ts';

test('formatPercent shows one decimal', () => {
  assert.equal(formatPercent(0.4237), '42.4%');
  assert.equal(formatPercent(1), '100.0%');
  assert.equal(formatPercent(0), '0.0%');
  assert.equal(formatPercent(0.00049), '0.0%');
});

test('barWidth clamps to [0, 100] and treats non-numbers as 0', () => {
  assert.equal(barWidth(0.25), 25);
  assert.equal(barWidth(1.2), 100);
  assert.equal(barWidth(-0.1), 0);
  assert.equal(barWidth(Number.NaN), 0);
});
