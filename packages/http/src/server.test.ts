import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { createHttpServer } from './server.ts';

function get(url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
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
