import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readDeployConfig } from './config.ts';

describe('readDeployConfig', () => {
  const models = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
  fs.mkdirSync(path.join(models, '2026-01-01-a'));
  fs.writeFileSync(path.join(models, '2026-01-01-a', 'model.onnx'), '');

  it('serves models/CURRENT when MODEL_VERSION is unset or blank', () => {
    assert.deepEqual(readDeployConfig({}, models), { modelVersion: undefined });
    assert.deepEqual(readDeployConfig({ MODEL_VERSION: '  ' }, models), { modelVersion: undefined });
  });

  it('accepts a committed version', () => {
    assert.deepEqual(readDeployConfig({ MODEL_VERSION: '2026-01-01-a' }, models), { modelVersion: '2026-01-01-a' });
  });

  it('rejects a version that is not committed, naming the file it looked for', () => {
    assert.throws(() => readDeployConfig({ MODEL_VERSION: '2025-12-31' }, models), /2025-12-31\/model\.onnx is not committed/);
  });

  it('rejects names that could leave the models folder', () => {
    assert.throws(() => readDeployConfig({ MODEL_VERSION: '../secrets' }, models), /not a version name/);
    assert.throws(() => readDeployConfig({ MODEL_VERSION: '/etc' }, models), /not a version name/);
  });
});
