import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { claimDataLock } from './data-lock.ts';

describe('claimDataLock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'data-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a folder held by a live process, naming it', () => {
    const file = join(dir, 'held.lock');
    writeFileSync(file, String(process.ppid));
    assert.throws(() => claimDataLock(file), new RegExp(`in use by another npm start \\(process ${process.ppid}\\)`));
  });

  it('takes over a lock left by a process that is gone, and releases it', () => {
    const file = join(dir, 'stale.lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(file, gone);
    const release = claimDataLock(file);
    release();
    assert.equal(existsSync(file), false);
  });
});
