import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { pino } from 'pino';
import { ErrorBodySchema } from '@sentiment/core';
import { startApiServer, type ApiServer } from '../local/api-server.ts';
import type { LocalDynamo } from '../local/dynamo.ts';
import { OPERATOR_AUTH, TEST_TRUST } from '../testing/fixtures.ts';
import { testDynamo } from '../testing/fixtures.ts';
import { createDownloadLimits, RetryLaterError } from './download-limits.ts';

/** A raw GET that never reads its answer (the client of issue 7 that kept memory growing). */
async function silentClient(port: number, path = '/'): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${OPERATOR_AUTH.authorization}\r\n\r\n`);
  socket.pause();
  return socket;
}

describe('download limits (issue 7: export clients that never read)', () => {
  const limits = createDownloadLimits({ maxConcurrent: 2, stallMs: 300, retryAfterSeconds: 7 });
  let server: Server;
  let port: number;
  before(async () => {
    // Each download takes a slot, then streams 64 KiB chunks as fast as the client reads.
    server = createServer((_req, res) => {
      try {
        limits.enter(res);
      } catch (error) {
        assert.ok(error instanceof RetryLaterError);
        res.writeHead(429, { 'retry-after': String(error.retryAfterSeconds) });
        return void res.end();
      }
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('beyond maxConcurrent a download is refused with 429 and Retry-After; a silent client is cut after stallMs and frees its slot', async () => {
    const a = await silentClient(port);
    const b = await silentClient(port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(limits.active, 2);
    const refused = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '7');
    // Neither silent client reads: both are cut once their sockets stall, and the slots come back.
    const deadline = Date.now() + 5000;
    while (limits.active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(limits.active, 0);
    a.destroy();
    b.destroy();
    const reader = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(reader.status, 200);
    await reader.body?.cancel();
  });
});

describe('the local adapter applies the download limits to getcsv', () => {
  let dynamo: LocalDynamo;
  let api: ApiServer;
  before(async () => {
    dynamo = await testDynamo();
    api = await startApiServer({
      port: 0,
      tableName: 'reviews-limits',
      endpoint: dynamo.endpoint,
      logger: pino({ level: 'silent' }),
      ...TEST_TRUST,
      downloads: { maxConcurrent: 0 },
    });
  });
  after(async () => {
    await api.close();
    await dynamo.close();
  });

  test('no free slot → 429 too_many_requests JSON with Retry-After (after the operator check)', async () => {
    assert.equal((await fetch(`${api.url}/api/getcsv`)).status, 401);
    const response = await fetch(`${api.url}/api/getcsv`, { headers: OPERATOR_AUTH });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal(ErrorBodySchema.parse(await response.json()).error.code, 'too_many_requests');
  });

  test('the operator session works over HTTP: sign-in sets the cookie, which then opens getcsv', async () => {
    const signIn = await fetch(`${api.url}/api/operator/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TEST_TRUST.operatorToken }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^sentiment_operator=s1\.[^;]+; Max-Age=28800; Path=\/api; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const status = await fetch(`${api.url}/api/operator/session`, { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(status.status, 200);
    const put = await fetch(`${api.url}/api/operator/session`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
  });
});
