import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig } from './config.ts';

describe('loadStackConfig', () => {
  it('defaults to port 3000 on 127.0.0.1 with DynamoDB Local data under <repo>/.data/dynamodb-local', () => {
    const config = loadStackConfig({}, '/repo');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dynamoPath, '/repo/.data/dynamodb-local');
    assert.equal(config.webBuild, 'auto');
    assert.equal(config.tableName, 'reviews');
  });

  it('reads PORT, DATA_DIR relative to the repo and absolute, and DYNAMO_IN_MEMORY', () => {
    assert.equal(loadStackConfig({ PORT: '4123' }, '/repo').port, 4123);
    assert.equal(loadStackConfig({ DATA_DIR: 'var' }, '/repo').dynamoPath, '/repo/var/dynamodb-local');
    assert.equal(loadStackConfig({ DATA_DIR: '/srv/data' }, '/repo').dynamoPath, '/srv/data/dynamodb-local');
    assert.equal(loadStackConfig({ DYNAMO_IN_MEMORY: '1' }, '/repo').dynamoPath, undefined);
    assert.equal(loadStackConfig({ DYNAMO_IN_MEMORY: '0' }, '/repo').dynamoPath, '/repo/.data/dynamodb-local');
  });

  it('rejects a bad port, flag or table name, naming each variable', () => {
    assert.throws(() => loadStackConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadStackConfig({ PORT: '70000' }), /PORT/);
    assert.throws(() => loadStackConfig({ DYNAMO_IN_MEMORY: 'yes' }), /DYNAMO_IN_MEMORY/);
    assert.throws(() => loadStackConfig({ REVIEWS_TABLE: 'a b' }), /REVIEWS_TABLE/);
    assert.throws(() => loadStackConfig({ PORT: 'x', WEB_BUILD: 'sometimes' }), /PORT[\s\S]*WEB_BUILD/);
  });
});
