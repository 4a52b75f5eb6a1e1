import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readOrCreateSecret, resolveStackSecrets, SECRET_FILES } from './secrets.ts';

describe('local stack secrets (issue 7)', () => {
  const root = mkdtempSync(join(tmpdir(), 'stack-secrets-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('creates both secrets under DATA_DIR on first start (mode 0600, 32 random bytes) and reuses them after', () => {
    const dataDir = join(root, 'fresh', 'data');
    const first = resolveStackSecrets({ dataDir });
    assert.equal(first.operatorTokenFile, join(dataDir, SECRET_FILES.operatorToken));
    for (const name of Object.values(SECRET_FILES)) {
      assert.equal(statSync(join(dataDir, name)).mode & 0o777, 0o600, name);
    }
    assert.match(first.operatorToken, /^[A-Za-z0-9_-]{43}$/);
    assert.match(first.predictionSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(first.operatorToken, first.predictionSecret);
    assert.equal(readFileSync(join(dataDir, SECRET_FILES.operatorToken), 'utf8').trim(), first.operatorToken);
    assert.deepEqual(resolveStackSecrets({ dataDir }), first);
  });

  it('uses OPERATOR_TOKEN / PREDICTION_SECRET when given, and then writes no file', () => {
    const dataDir = join(root, 'from-env');
    const secrets = resolveStackSecrets({ dataDir, operatorToken: 'o'.repeat(43), predictionSecret: 'p'.repeat(43) });
    assert.deepEqual(secrets, { operatorToken: 'o'.repeat(43), predictionSecret: 'p'.repeat(43), operatorTokenFile: undefined });
    assert.throws(() => statSync(dataDir), /ENOENT/);
  });

  it('tightens a readable token file to 0600 and refuses a file without a valid secret, naming the file only', () => {
    const file = join(root, 'loose');
    writeFileSync(file, `${'x'.repeat(43)}\n`);
    chmodSync(file, 0o644);
    assert.equal(readOrCreateSecret(file), 'x'.repeat(43));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const bad = join(root, 'bad');
    writeFileSync(bad, 'short secret value');
    assert.throws(
      () => readOrCreateSecret(bad),
      (error: Error) => error.message.includes(bad) && !error.message.includes('short secret value'),
    );
  });
});
