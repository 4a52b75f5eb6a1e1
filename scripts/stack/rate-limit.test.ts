import { newOperatorSession } from '../../packages/functions/src/auth/operator.ts';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorBodySchema } from '@sentiment/core';
import { pino } from 'pino';
import type { HttpServer } from '@sentiment/http/server';
import { createGateway } from './gateway.ts';
import { bucketOf, clientAddress, createRateLimit, DEFAULT_PER_MINUTE } from './rate-limit.ts';

const OPERATOR_TOKEN = 'operator-token-of-the-rate-limit-test-dddddddddddddd';
const logger = pino({ level: 'silent' });

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe('bucketOf', () => {
  it('counts predictions and reviews (POST only) and nothing else', () => {
    assert.equal(bucketOf('POST', '/model/predict'), 'predictions');
    assert.equal(bucketOf('POST', '/model/batch-predict?x=1'), 'predictions');
    assert.equal(bucketOf('POST', '/api/approve'), 'reviews');
    assert.equal(bucketOf('POST', '/api/revise'), 'reviews');
    for (const [method, path] of [
      ['GET', '/model/readyz'],
      ['GET', '/api/getcsv'],
      ['POST', '/api/operator/session'],
      ['GET', '/'],
      ['GET', '/model/predict'],
    ] as const) {
      assert.equal(bucketOf(method, path), undefined, `${method} ${path}`);
    }
  });

  it('defaults allow one person typing: at least a prediction and a review every 2 s', () => {
    assert.ok(DEFAULT_PER_MINUTE.predictions >= 30 && DEFAULT_PER_MINUTE.reviews >= 30);
    assert.equal(clientAddress({ socket: { remoteAddress: '::ffff:10.1.2.3' } } as never), '10.1.2.3');
  });
});

describe('gateway rate limits (issue 7)', () => {
  const LIMIT = 3;
  let upstream: Server;
  let gateway: HttpServer;
  let url: string;
  let staticDir: string;
  let proxied = 0;

  before(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'rate-limit-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<h1>home</h1>');
    upstream = createServer((req, res) => {
      proxied++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    const target = await listen(upstream);
    gateway = createGateway({
      staticDir,
      apiTarget: target,
      modelTarget: target,
      logger,
      rateLimit: createRateLimit({ perMinute: LIMIT, operatorToken: OPERATOR_TOKEN, logger }),
    });
    url = await gateway.listen(0, '127.0.0.1');
  });
  after(async () => {
    upstream.closeAllConnections();
    await gateway.close({ timeoutMs: 0 });
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(staticDir, { recursive: true, force: true });
  });

  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"text":"hi"}' });

  it(`answers 429 JSON with Retry-After after ${LIMIT} predictions a minute, without proxying it`, async () => {
    for (let i = 0; i < LIMIT; i++) assert.equal((await post('/model/predict')).status, 200);
    const before = proxied;
    const limited = await post('/model/batch-predict');
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = ErrorBodySchema.parse(await limited.json());
    assert.equal(body.error.code, 'too_many_requests');
    assert.match(body.error.message, /predictions.*3 a minute/);
    assert.equal(proxied, before, 'the limited request never reached the model service');
  });

  it('keeps a separate bucket for reviews, and pages and health checks are never counted', async () => {
    for (let i = 0; i < LIMIT; i++) assert.equal((await post('/api/approve')).status, 200);
    assert.equal((await post('/api/revise')).status, 429);
    for (let i = 0; i < LIMIT + 2; i++) {
      assert.equal((await fetch(`${url}/model/readyz`)).status, 200);
      assert.equal((await fetch(`${url}/`)).status, 200);
    }
  });

  it('never limits an operator, by bearer token or by session cookie; a wrong token is limited', async () => {
    for (let i = 0; i < LIMIT + 2; i++) {
      assert.equal((await post('/model/predict', { authorization: `Bearer ${OPERATOR_TOKEN}` })).status, 200);
      assert.equal((await post('/api/approve', { cookie: `other=1; sentiment_operator=${newOperatorSession(OPERATOR_TOKEN).value}` })).status, 200);
    }
    assert.equal((await post('/model/predict', { authorization: `Bearer ${OPERATOR_TOKEN}x` })).status, 429);
  });
});
