import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_REQUEST_BODY_BYTES } from '@sentiment/core';
import { pino } from 'pino';
import type { HttpServer } from '@sentiment/http/server';
import { createGateway, routeOf } from './gateway.ts';

const logger = pino({ level: 'silent' });

function listen(server: Server | HttpServer): Promise<string> {
  if ('listen' in server && 'server' in server) return server.listen(0, '127.0.0.1');
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server | HttpServer): Promise<void> {
  if ('server' in server) return server.close({ timeoutMs: 0 });
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One request over `agent`: its status, its `Connection` header and whether it reused a connection. */
function requestOver(agent: Agent, url: string, body?: string): Promise<{ status: number; connection: string | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('routeOf', () => {
  it('sends /api and /api/* to the API unchanged', () => {
    assert.deepEqual(routeOf('/api/getcsv?delimiter=semicolon'), { to: 'api', rest: '/api/getcsv?delimiter=semicolon' });
    assert.deepEqual(routeOf('/api'), { to: 'api', rest: '/api' });
  });
  it('strips /model from model paths, keeping the query', () => {
    assert.deepEqual(routeOf('/model/predict'), { to: 'model', rest: '/predict' });
    assert.deepEqual(routeOf('/model/model?x=1'), { to: 'model', rest: '/model?x=1' });
    assert.deepEqual(routeOf('/model'), { to: 'model', rest: '/' });
    assert.deepEqual(routeOf('/model?x=1'), { to: 'model', rest: '/?x=1' });
  });
  it('leaves look-alike prefixes to the static site', () => {
    assert.equal(routeOf('/models/x').to, 'static');
    assert.equal(routeOf('/apis').to, 'static');
    assert.equal(routeOf('/').to, 'static');
  });
});

describe('gateway', () => {
  let staticDir: string;
  let upstream: Server;
  let silent: Server;
  let gateway: HttpServer;
  let gatewayUrl: string;
  let downGateway: HttpServer;
  let downUrl: string;
  let dead: NetServer;
  const seen: Array<{ method: string; url: string; body: string }> = [];
  const seenHeaders: Array<Record<string, string | string[] | undefined>> = [];

  before(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'gateway-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(staticDir, '404.html'), '<h1>missing</h1>');
    writeFileSync(join(staticDir, '_not-found.html'), '<h1>missing too</h1>');
    writeFileSync(join(staticDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    mkdirSync(join(staticDir, '_next', 'static'), { recursive: true });
    writeFileSync(join(staticDir, '_next', 'static', 'app.js'), 'console.log(1)');
    // One upstream records what it receives and echoes it.
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        seenHeaders.push(req.headers);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, body }));
      });
    });
    const upstreamUrl = await listen(upstream);
    // A second one accepts requests and never answers.
    silent = createServer(() => {});
    const silentUrl = await listen(silent);
    gateway = createGateway({ staticDir, apiTarget: upstreamUrl, modelTarget: silentUrl, proxyTimeoutMs: 300, bodyTimeoutMs: 300, logger });
    gatewayUrl = await listen(gateway);
    // An upstream that drops every connection at once. (A port found free and released could be taken
    // by the gateway's own listen(0), which then proxied to itself until its headers overflowed.)
    dead = createNetServer((socket) => socket.destroy());
    const deadUrl = await new Promise<string>((resolve) =>
      dead.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(dead.address() as AddressInfo).port}`)),
    );
    const [deadApi, deadModel] = [deadUrl, deadUrl];
    downGateway = createGateway({ staticDir: join(staticDir, 'nope'), apiTarget: deadApi, modelTarget: deadModel, logger });
    downUrl = await listen(downGateway);
  });

  after(async () => {
    await Promise.all([close(gateway), close(downGateway), close(upstream), close(silent), new Promise((resolve) => dead.close(resolve))]);
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('proxies /api/* with method, path, query and body unchanged', async () => {
    const res = await fetch(`${gatewayUrl}/api/approve?x=1`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { url: '/api/approve?x=1', body: '{"a":1}' });
    assert.deepEqual(seen.at(-1), { method: 'POST', url: '/api/approve?x=1', body: '{"a":1}' });
  });

  it('keeps connections alive end to end: the caller and the upstream each reuse one connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let upstreamConnections = 0;
    const counted = (): void => void upstreamConnections++;
    upstream.on('connection', counted);
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await requestOver(agent, `${gatewayUrl}/api/keep?i=${i}`, i % 2 === 0 ? undefined : '{"a":1}'));
      assert.deepEqual(
        results.map((r) => [r.status, r.connection, r.reused]),
        [
          [201, 'keep-alive', false],
          [201, 'keep-alive', true],
          [201, 'keep-alive', true],
          [201, 'keep-alive', true],
        ],
      );
      assert.ok(upstreamConnections <= 1, `the gateway opened ${upstreamConnections} connections to the upstream for 4 requests`);
    } finally {
      upstream.off('connection', counted);
      agent.destroy();
    }
  });

  it('answers 413 JSON for a body over the limit on both upstreams, without forwarding it (was 502 on EPIPE)', async () => {
    const before = seen.length;
    for (const path of ['/api/approve', '/model/predict']) {
      const body = 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1);
      const res = await fetch(`${gatewayUrl}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(res.status, 413, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    }
    assert.equal(seen.length, before, 'the upstream never received the oversized body');
  });

  it('answers 413 JSON for an oversized chunked body (no Content-Length) on both upstreams, every time (was 502 "unreachable")', async () => {
    const before = seen.length;
    // A body sent as a stream goes chunked; 7 MB failed every time, 200 KB 2 times in 10 (issue 7).
    const chunked = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const piece = new Uint8Array(64 * 1024).fill(0x61);
          for (let sent = 0; sent < bytes; sent += piece.length) controller.enqueue(piece.subarray(0, Math.min(piece.length, bytes - sent)));
          controller.close();
        },
      });
    for (const bytes of [7 * 1024 * 1024, 200 * 1024]) {
      for (let i = 0; i < 10; i++) {
        for (const path of ['/api/revise', '/model/predict']) {
          const res = await fetch(`${gatewayUrl}${path}`, {
            method: 'POST',
            body: chunked(bytes),
            headers: { 'content-type': 'application/json' },
            duplex: 'half',
            signal: AbortSignal.timeout(5000),
          });
          assert.equal(res.status, 413, `${path}, ${bytes} bytes, try ${i + 1}`);
          assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload_too_large');
        }
      }
    }
    assert.equal(seen.length, before, 'the upstream never received an oversized body');
  });

  it('forwards a chunked body within the limit whole, with its length, and a request id', async () => {
    const res = await fetch(`${gatewayUrl}/api/approve`, {
      method: 'POST',
      body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"b":2}')), c.close()) }),
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-1' },
      duplex: 'half',
    });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { url: '/api/approve', body: '{"b":2}' });
    assert.equal(seenHeaders.at(-1)?.['content-length'], '7');
    assert.equal(seenHeaders.at(-1)?.['transfer-encoding'], undefined);
    assert.equal(seenHeaders.at(-1)?.['x-request-id'], 'trace-1');
  });

  it('answers 408 JSON when a body stalls, without bothering the upstream', async () => {
    const before = seen.length;
    const { port } = new URL(gatewayUrl);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('POST /api/revise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"request_timeout"/);
    assert.equal(seen.length, before);
  });

  it('answers malformed HTTP and oversized headers with a JSON error body', async () => {
    const { port } = new URL(gatewayUrl);
    const rawRequest = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const garbage = await rawRequest('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /"code":"malformed_request"/);
    const hugeHeader = await rawRequest(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(hugeHeader, /^HTTP\/1\.1 431 /);
    assert.match(hugeHeader, /"code":"headers_too_large"/);
  });

  it('serves static files, with immutable caching only for hashed assets', async () => {
    const home = await fetch(`${gatewayUrl}/`);
    assert.equal(home.status, 200);
    assert.equal(await home.text(), '<h1>home</h1>');
    assert.equal(home.headers.get('cache-control'), 'no-cache');
    const asset = await fetch(`${gatewayUrl}/_next/static/app.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  });

  it('serves favicon.ico as image/x-icon', async () => {
    const res = await fetch(`${gatewayUrl}/favicon.ico?v=1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/x-icon');
  });

  it('answers unknown pages with the 404 page and status 404', async () => {
    const res = await fetch(`${gatewayUrl}/no/such/page`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '<h1>missing</h1>');
  });

  it("answers the not-found page's own addresses with 404 too, not 200", async () => {
    for (const path of ['/404', '/404.html', '/404/', '/404?x=1', '/%34%30%34', '/_not-found', '/_not-found.html']) {
      const res = await fetch(`${gatewayUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(await res.text(), '<h1>missing</h1>', path);
    }
  });

  it('refuses writes to static pages with 405 JSON', async () => {
    const res = await fetch(`${gatewayUrl}/index.html`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
  });

  it('answers 504 JSON when the model service stays silent past the timeout', async () => {
    const started = Date.now();
    const res = await fetch(`${gatewayUrl}/model/predict`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'gateway_timeout');
    assert.ok(Date.now() - started < 3000, 'gave up near the 300 ms timeout, not much later');
  });

  it('answers 502 JSON naming the model service when it is down', async () => {
    const res = await fetch(`${downUrl}/model/predict`, { method: 'POST', body: '{"text":"hi"}', signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'bad_gateway');
    assert.match(body.error.message, /model service is unreachable/);
  });

  it('answers 502 JSON when the API is down', async () => {
    const res = await fetch(`${downUrl}/api/getcsv`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 502);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /API is unreachable/);
  });

  it('answers 503 JSON for pages when the web app is not built', async () => {
    const res = await fetch(`${downUrl}/`);
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /not built/);
  });
});
