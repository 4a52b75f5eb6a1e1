import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { describe, it } from 'node:test';
import { createHttpServer } from './server.ts';

function get(url: string, agent: Agent | false = false): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

describe('createHttpServer', () => {
  it('close(): the in-flight response finishes with Connection: close, then the server is closed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const http = createHttpServer((_req, res) => void gate.then(() => res.end('done')));
    const url = await http.listen(0, '127.0.0.1');
    const inFlight = get(url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = http.close({ timeoutMs: 5000 });
    release();
    assert.deepEqual(await inFlight, { status: 200, connection: 'close' });
    await closed;
    await assert.rejects(get(url));
  });

  it('keeps connections alive while serving; a keep-alive response in flight at close() goes out with Connection: close', async () => {
    const agent = new Agent({ keepAlive: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const http = createHttpServer((_req, res) => {
      if (++calls === 1) res.end('first');
      else void gate.then(() => res.end('done'));
    });
    const url = await http.listen(0, '127.0.0.1');
    try {
      assert.deepEqual(await get(url, agent), { status: 200, connection: 'keep-alive' });
      const inFlight = get(url, agent);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = http.close({ timeoutMs: 5000 });
      release();
      assert.deepEqual(await inFlight, { status: 200, connection: 'close' });
      await closed;
    } finally {
      release();
      agent.destroy();
      await http.close({ timeoutMs: 0 });
    }
  });

  it('while the service drains, every response says Connection: close, whichever way its head is written', async () => {
    const agent = new Agent({ keepAlive: true });
    let draining = false;
    const http = createHttpServer(
      (req, res) => {
        if (req.url === '/implicit') res.end('implicit');
        else if (req.url === '/message') res.writeHead(200, 'Fine', { 'content-type': 'text/plain' }).end('message');
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('headers');
      },
      { isDraining: () => draining },
    );
    const url = await http.listen(0, '127.0.0.1');
    try {
      for (const path of ['/implicit', '/message', '/headers']) {
        assert.deepEqual(await get(url + path, agent), { status: 200, connection: 'keep-alive' }, path);
      }
      draining = true;
      for (const path of ['/implicit', '/message', '/headers']) {
        assert.deepEqual(await get(url + path, agent), { status: 200, connection: 'close' }, path);
      }
    } finally {
      agent.destroy();
      await http.close({ timeoutMs: 0 });
    }
  });

  it('close() cuts a request that never finishes once the bound passes', async () => {
    const http = createHttpServer(() => undefined);
    const url = await http.listen(0, '127.0.0.1');
    const stuck = get(url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await http.close({ timeoutMs: 200 });
    assert.ok(Date.now() - started < 3000);
    await assert.rejects(stuck, /socket hang up|ECONNRESET/);
  });

  it('listen() rejects when the port is taken', async () => {
    const first = createHttpServer(() => undefined);
    const url = await first.listen(0, '127.0.0.1');
    const second = createHttpServer(() => undefined);
    await assert.rejects(second.listen(Number(new URL(url).port), '127.0.0.1'), /EADDRINUSE/);
    await first.close({ timeoutMs: 0 });
  });
});
