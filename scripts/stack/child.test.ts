import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startChild, waitForReady } from './child.ts';
import { freePort } from './free-port.ts';

const node = process.execPath;

describe('startChild', () => {
  it('stop() ends a child that exits on SIGTERM', async () => {
    const child = startChild(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await child.stop({ graceMs: 5000 });
    assert.equal(await child.exited, 'SIGTERM');
  });

  it('stop() kills a child that ignores SIGTERM once the grace time is over', async () => {
    const child = startChild(node, ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise((r) => child.process.stdout!.once('data', r));
    const started = Date.now();
    await child.stop({ graceMs: 300 });
    assert.equal(await child.exited, 'SIGKILL');
    assert.ok(Date.now() - started < 3000);
  });

  it('stop() with selfStopMs lets a child that is already stopping finish without a signal', async () => {
    const child = startChild(node, ['-e', 'setTimeout(() => process.exit(0), 200)'], { stdio: 'ignore' });
    await child.stop({ selfStopMs: 5000 });
    assert.equal(await child.exited, 0);
  });
});

describe('waitForReady', () => {
  it('fails fast when the process exits before it is ready', async () => {
    const child = startChild(node, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(waitForReady(`http://127.0.0.1:${port}/readyz`, child, 30_000), /exited before/);
    assert.ok(Date.now() - started < 5000);
  });

  it('gives up after the timeout when nothing answers', async () => {
    const port = await freePort();
    await assert.rejects(waitForReady(`http://127.0.0.1:${port}/readyz`, undefined, 1000), /not ready within 1000 ms/);
  });
});
