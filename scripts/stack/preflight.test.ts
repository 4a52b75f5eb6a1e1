import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadStackConfig, type StackConfig } from './config.ts';
import { MODEL_FILES, preflight, PreflightError } from './preflight.ts';

/** A fake repository root with a complete model version `v1` named in models/CURRENT. */
function fakeRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'preflight-'));
  const models = join(root, 'packages', 'model-service', 'models');
  mkdirSync(join(models, 'v1'), { recursive: true });
  for (const file of MODEL_FILES) writeFileSync(join(models, 'v1', file), 'x');
  writeFileSync(join(models, 'CURRENT'), 'v1\n');
  return root;
}

function rejectsWith(promise: Promise<unknown>, code: PreflightError['code'], message: RegExp) {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PreflightError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    // One sentence: no line breaks, ends with a full stop.
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, /\.$/);
    return true;
  });
}

describe('preflight', () => {
  let root: string;
  let config: (env?: Record<string, string>) => StackConfig;
  let busy: Server;
  let busyPort: number;

  before(async () => {
    root = fakeRepo();
    config = (env = {}) => loadStackConfig({ PORT: '0', ...env }, root);
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => {
    busy.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses to start without a Java runtime, naming the fix in one sentence', async () => {
    await rejectsWith(
      preflight(config({ JAVA: join(root, 'no-such-java'), DYNAMO_IN_MEMORY: '1' })),
      'java_missing',
      /^Java 17\+ runtime not found: install it \(Debian\/Ubuntu: apt-get install -y default-jre-headless; macOS: brew install openjdk\)\.$/,
    );
  });

  it('passes with the model named in models/CURRENT, claims the data folder, and releases it', async () => {
    const result = await preflight(config());
    assert.equal(result.modelDir, join(root, 'packages', 'model-service', 'models', 'v1'));
    const lock = join(root, '.data', 'dynamodb-local.lock');
    assert.equal(readFileSync(lock, 'utf8'), String(process.pid));
    result.releaseDataLock();
    assert.equal(existsSync(lock), false);
  });

  it('refuses a port in use, names the port and another one to use, and leaves the data folder free', async () => {
    await rejectsWith(
      preflight(config({ PORT: String(busyPort) })),
      'port_in_use',
      new RegExp(`^Port ${busyPort} on 127\\.0\\.0\\.1 is already in use.*PORT=3000 npm start\\.$`),
    );
    assert.equal(existsSync(join(root, '.data', 'dynamodb-local.lock')), false);
  });

  it('refuses a data folder held by another live process, naming it and the fix', async () => {
    mkdirSync(join(root, 'held'), { recursive: true });
    writeFileSync(join(root, 'held', 'dynamodb-local.lock'), String(process.ppid));
    await rejectsWith(
      preflight(config({ DATA_DIR: 'held' })),
      'data_folder_locked',
      new RegExp(`^The data folder held/dynamodb-local is in use by another npm start \\(process ${process.ppid}\\).*DYNAMO_IN_MEMORY=1\\.$`),
    );
  });

  it('refuses a MODEL_DIR without the model files, naming what is missing', async () => {
    mkdirSync(join(root, 'half'), { recursive: true });
    writeFileSync(join(root, 'half', 'model.onnx'), 'x');
    await rejectsWith(
      preflight(config({ MODEL_DIR: 'half', DYNAMO_IN_MEMORY: '1' })),
      'model_missing',
      /^MODEL_DIR=half lacks model\.json, tokenizer\.json; set MODEL_DIR/,
    );
  });

  it('refuses a missing models/CURRENT and suggests training', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'preflight-bare-'));
    try {
      await rejectsWith(
        preflight(loadStackConfig({ PORT: '0', DYNAMO_IN_MEMORY: '1' }, bare)),
        'model_missing',
        /^No model to serve: packages\/model-service\/models\/CURRENT is missing or empty; train one with `npm run train/,
      );
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('checks the model before the data folder: a missing model leaves no lock behind', async () => {
    await assert.rejects(preflight(config({ MODEL_DIR: 'nowhere', DATA_DIR: 'other' })), PreflightError);
    assert.equal(existsSync(join(root, 'other', 'dynamodb-local.lock')), false);
  });
});
