import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig, PACKAGE_DIR } from './config.ts';

describe('loadConfig', () => {
  const pkg = mkdtempSync(join(tmpdir(), 'model-service-config-'));
  mkdirSync(join(pkg, 'models'));
  writeFileSync(join(pkg, 'models', 'CURRENT'), 'v-test-3\n');
  after(() => rmSync(pkg, { recursive: true, force: true }));

  it('uses the defaults, with MODEL_DIR from models/CURRENT relative to the package, not the cwd', () => {
    const config = loadConfig({}, { packageDir: pkg, cwd: '/somewhere/else' });
    assert.deepEqual(config, {
      port: 8080,
      host: '127.0.0.1',
      modelDir: join(pkg, 'models', 'v-test-3'),
      modelDirPinned: false,
      modelsDir: join(pkg, 'models'),
      candidatesDir: join(pkg, '.data', 'candidates'),
      shadowVersion: undefined,
      watchIntervalMs: 2000,
      shadowTimeoutMs: 1000,
      ortThreads: 1,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      predictionSecret: undefined,
      blindAuditRate: 0.1,
    });
  });

  it('reads BLIND_AUDIT_RATE as a share from 0 to 1', () => {
    for (const [value, rate] of [
      ['0', 0],
      ['0.25', 0.25],
      ['.5', 0.5],
      ['1', 1],
      ['1.0', 1],
      ['', 0.1],
    ] as const) {
      assert.equal(loadConfig({ BLIND_AUDIT_RATE: value }, { packageDir: pkg }).blindAuditRate, rate, value);
    }
  });

  it('MODELS_DIR moves CURRENT and the candidates; MODEL_DIR pins the version; the shadow and watch settings are read', () => {
    const other = join(pkg, 'elsewhere', 'models');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'CURRENT'), 'v-other\n');
    const config = loadConfig(
      { MODELS_DIR: 'elsewhere/models', SHADOW_MODEL_VERSION: 'cand-1', MODEL_WATCH_MS: '0', SHADOW_TIMEOUT_MS: '250' },
      { packageDir: pkg, cwd: pkg },
    );
    assert.equal(config.modelsDir, other);
    assert.equal(config.modelDir, join(other, 'v-other'));
    assert.equal(config.modelDirPinned, false);
    assert.equal(config.candidatesDir, join(pkg, 'elsewhere', '.data', 'candidates'));
    assert.equal(config.shadowVersion, 'cand-1');
    assert.equal(config.watchIntervalMs, 0);
    assert.equal(config.shadowTimeoutMs, 250);
    assert.equal(loadConfig({ MODEL_DIR: '/abs/model' }, { packageDir: pkg }).modelDirPinned, true);
    assert.throws(() => loadConfig({ SHADOW_MODEL_VERSION: '../etc' }, { packageDir: pkg }), /SHADOW_MODEL_VERSION: must be a version folder name/);
    assert.throws(() => loadConfig({ SHADOW_TIMEOUT_MS: '0' }, { packageDir: pkg }), /SHADOW_TIMEOUT_MS/);
  });

  it('reads the prediction secret from PREDICTION_SECRET, else from the linked SST secret; a short one is refused unprinted', () => {
    const secret = 'p'.repeat(43);
    const linked = JSON.stringify({ value: 'l'.repeat(43) });
    assert.equal(loadConfig({ PREDICTION_SECRET: secret, SST_RESOURCE_PredictionSecret: linked }, { packageDir: pkg }).predictionSecret, secret);
    assert.equal(loadConfig({ SST_RESOURCE_PredictionSecret: linked }, { packageDir: pkg }).predictionSecret, 'l'.repeat(43));
    assert.throws(
      () => loadConfig({ PREDICTION_SECRET: 'too-short-secret' }, { packageDir: pkg }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PREDICTION_SECRET: must be at least 43 characters/);
        assert.doesNotMatch(error.message, /too-short-secret/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ SST_RESOURCE_PredictionSecret: 'not json' }, { packageDir: pkg }), /SST_RESOURCE_PredictionSecret/);
  });

  it('reads every variable; empty ones mean the default', () => {
    const config = loadConfig(
      { PORT: '0', HOST: '0.0.0.0', MODEL_DIR: 'models/x', ORT_THREADS: '4', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '', OTHER: 'ignored' },
      { packageDir: pkg, cwd: '/srv/app' },
    );
    assert.equal(config.port, 0);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.modelDir, resolve('/srv/app', 'models/x'));
    assert.equal(config.ortThreads, 4);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.shutdownTimeoutMs, 10_000);
    assert.equal(loadConfig({ MODEL_DIR: '/abs/model' }, { packageDir: pkg }).modelDir, '/abs/model');
  });

  for (const [name, env, pattern] of [
    ['a port that is not a number', { PORT: 'eighty' }, /PORT: must be a whole number/],
    ['a port out of range', { PORT: '70000' }, /PORT/],
    ['zero threads', { ORT_THREADS: '0' }, /ORT_THREADS/],
    ['fractional threads', { ORT_THREADS: '1.5' }, /ORT_THREADS: must be a whole number/],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, /LOG_LEVEL/],
    [
      'a blind audit rate above 1',
      { BLIND_AUDIT_RATE: '1.5' },
      /^Invalid configuration:\nBLIND_AUDIT_RATE: must be a decimal number from 0 to 1[^\n]*$/,
    ],
    ['a negative blind audit rate', { BLIND_AUDIT_RATE: '-0.1' }, /BLIND_AUDIT_RATE: must be a decimal number from 0 to 1/],
    ['a blind audit rate as a percentage', { BLIND_AUDIT_RATE: '10%' }, /BLIND_AUDIT_RATE: must be a decimal number from 0 to 1/],
    ['a blind audit rate that is not a number', { BLIND_AUDIT_RATE: 'often' }, /BLIND_AUDIT_RATE: must be a decimal number from 0 to 1/],
  ] as const) {
    it(`rejects ${name} with a message naming the variable`, () => {
      assert.throws(
        () => loadConfig(env, { packageDir: pkg }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, pattern);
          return true;
        },
      );
    });
  }

  it('lists every invalid variable at once', () => {
    assert.throws(() => loadConfig({ PORT: '-1', ORT_THREADS: 'many' }, { packageDir: pkg }), /PORT[\s\S]*ORT_THREADS/);
  });

  it('without MODEL_DIR and without models/CURRENT, says which file is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'model-service-empty-'));
    try {
      assert.throws(() => loadConfig({}, { packageDir: empty }), /MODEL_DIR is not set and .*CURRENT cannot be read/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('PACKAGE_DIR is the model-service package folder', () => {
    assert.match(PACKAGE_DIR, /model-service\/?$/);
  });
});
