import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './config.ts';
import { resolveLogFormat } from './logger.ts';

/** Runs a logger in a child process (its stdout is a pipe) and returns what it printed. */
function printed(format: 'pretty' | 'json'): string {
  const script = `
    import { createStackLogging } from './scripts/stack/logger.ts';
    const { logger } = createStackLogging('info', '${format}');
    logger.info({ url: 'http://localhost:3000' }, 'ready');
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('stack logging', () => {
  it('auto means readable lines in a terminal and JSON otherwise; an explicit format wins', () => {
    assert.equal(resolveLogFormat('auto', true), 'pretty');
    assert.equal(resolveLogFormat('auto', false), 'json');
    assert.equal(resolveLogFormat('json', true), 'json');
    assert.equal(resolveLogFormat('pretty', false), 'pretty');
  });

  it('json: one JSON object per line with name "stack"', () => {
    const entry = JSON.parse(printed('json').trim()) as { name: string; msg: string; url: string; level: number };
    assert.deepEqual([entry.name, entry.msg, entry.url, entry.level], ['stack', 'ready', 'http://localhost:3000', 30]);
  });

  it('pretty: one readable line with time, level, name and message, not JSON', () => {
    const line = printed('pretty').trim();
    assert.match(line, /^\[\d\d:\d\d:\d\d\] INFO \(stack\): ready \{"url":"http:\/\/localhost:3000"\}$/);
    assert.throws(() => JSON.parse(line) as unknown);
  });
});
