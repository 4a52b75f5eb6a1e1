import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ENCODER_FILES, encoderPackageDir, loadEncoderWeights } from './use-lite.ts';

describe('encoder weight files', () => {
  it('loads the pinned package: every file matches its recorded sha256, 7.0M parameters', async () => {
    const { files, weights, vocabulary } = await loadEncoderWeights();
    assert.deepEqual(files, ENCODER_FILES);
    let floats = 0;
    for (const w of weights.values()) if (w.data instanceof Float32Array) floats += w.data.length;
    assert.ok(floats > 6.9e6 && floats < 7.1e6, `${floats} parameters`);
    assert.equal(vocabulary.length, 8000);
  });

  it('refuses a folder where one byte of a shard differs, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'encoder-'));
    try {
      for (const name of Object.keys(ENCODER_FILES)) await copyFile(path.join(encoderPackageDir(), name), path.join(dir, name));
      const shard = path.join(dir, 'group1-shard3of7');
      const bytes = await readFile(shard);
      bytes[1000] = bytes[1000]! ^ 1;
      await writeFile(shard, bytes);
      await assert.rejects(loadEncoderWeights(dir), /group1-shard3of7: sha256 [0-9a-f]{64} differs from the pinned/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
