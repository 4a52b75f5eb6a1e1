import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRequestSummary } from './request-summary.ts';
import { memoryLogger } from './test-support.ts';

it('the request summary logs one info line with counts by status class, mean and max ms, then starts over', () => {
  const { logger, lines } = memoryLogger('info');
  const summary = createRequestSummary(logger, 3_600_000);
  summary.flush();
  assert.equal(lines.length, 0, 'nothing to say without requests');
  summary.record(200, 1);
  summary.record(200, 3);
  summary.record(413, 2);
  summary.flush();
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.msg, 'requests');
  assert.equal(line.level, 30);
  assert.equal(line.requests, 3);
  assert.deepEqual(line.byClass, { '2xx': 2, '4xx': 1 });
  assert.equal(line.meanMs, 2);
  assert.equal(line.maxMs, 3);
  summary.flush();
  assert.equal(lines.length, 1, 'counts start over after each line');
});
