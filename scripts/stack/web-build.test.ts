import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { webBuildNeeded } from './web-build.ts';

describe('webBuildNeeded', () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'web-build-'));
    mkdirSync(join(root, 'web', 'src'), { recursive: true });
    mkdirSync(join(root, 'web', 'node_modules', 'x'), { recursive: true });
    mkdirSync(join(root, 'web', 'out'), { recursive: true });
    writeFileSync(join(root, 'web', 'src', 'page.tsx'), 'x');
    writeFileSync(join(root, 'web', 'node_modules', 'x', 'index.js'), 'x');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is needed when the export is missing', () => {
    assert.equal(webBuildNeeded(join(root, 'web', 'out'), [join(root, 'web')]), true);
  });

  it('is not needed when the export is newer than every source, whatever node_modules holds', () => {
    writeFileSync(join(root, 'web', 'out', 'index.html'), 'x');
    at(join(root, 'web', 'src', 'page.tsx'), 1_000);
    at(join(root, 'web', 'out', 'index.html'), 2_000);
    at(join(root, 'web', 'node_modules', 'x', 'index.js'), 3_000);
    assert.equal(webBuildNeeded(join(root, 'web', 'out'), [join(root, 'web')]), false);
  });

  it('is needed when a source is newer than the export', () => {
    at(join(root, 'web', 'src', 'page.tsx'), 2_500);
    assert.equal(webBuildNeeded(join(root, 'web', 'out'), [join(root, 'web')]), true);
  });
});
