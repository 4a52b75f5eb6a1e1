// The real process: `node src/main.ts`, as `npm start` and the container run it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { ErrorBodySchema, PredictResponseSchema } from '@sentiment/core';
import { PACKAGE_DIR } from './config.ts';
import { parseRawResponse, postJson, send } from './server/test-support.ts';
import { SERVICE_NODE_FLAGS } from './node-flags.ts';

// The process reads the model as configured: MODEL_DIR when the test run sets it, else models/CURRENT.
const HAS_MODEL = Boolean(process.env.MODEL_DIR) || existsSync(join(PACKAGE_DIR, 'models', 'CURRENT'));
const NO_MODEL = HAS_MODEL ? false : 'no model to serve: packages/model-service/models/CURRENT is missing and MODEL_DIR is unset';

interface Service {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line for which `match` is true (rejects when the process exits first). */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function spawnService(env: Record<string, string>): Service {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { raw: text };
    }
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor(match, timeoutMs = 60_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; log so far: ${JSON.stringify(lines)} ${stderr}`)), timeoutMs);
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`process exited with ${code} first; log: ${JSON.stringify(lines)} ${stderr}`));
        });
      });
    },
  };
}

describe('the service process', () => {
  it('exits 1 with a message naming the variable when the config is invalid', async () => {
    const service = spawnService({ PORT: 'eighty', ORT_THREADS: '0' });
    assert.equal(await service.exited, 1);
    assert.match(service.stderr(), /PORT: must be a whole number/);
    assert.match(service.stderr(), /ORT_THREADS/);
  });

  it('exits 1 with a fatal log line when the model folder cannot be loaded', async () => {
    const service = spawnService({ MODEL_DIR: join(PACKAGE_DIR, 'models', 'no-such-version') });
    assert.equal(await service.exited, 1);
    const fatal = service.lines.find((l) => l.msg === 'model failed to load');
    assert.ok(fatal, `fatal line in ${JSON.stringify(service.lines)}`);
    assert.equal(fatal.level, 60);
  });

  it('serves the committed model, and on SIGTERM finishes the in-flight request and exits 0', { skip: NO_MODEL, timeout: 120_000 }, async () => {
    const service = spawnService({});
    try {
      const listening = await service.waitFor((l) => l.msg === 'listening');
      const url = String(listening.url);
      await service.waitFor((l) => l.msg === 'ready');
      const ready = await send(url, '/readyz');
      assert.equal(ready.status, 200, ready.text);

      const predicted = await postJson(url, '/predict', { text: 'I was terrified when the car skidded on the ice.' });
      assert.equal(predicted.status, 200, predicted.text);
      const prediction = PredictResponseSchema.parse(predicted.json);
      assert.equal(prediction.modelVersion, (ready.json as { modelVersion: string }).modelVersion);

      // An in-flight request: headers and half the body sent, the rest only after SIGTERM.
      const body = JSON.stringify({ text: 'My friend lied to me and I felt so angry.' });
      const half = Math.floor(body.length / 2);
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      let response = '';
      socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
      const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(
        `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
      );
      await new Promise((r) => setTimeout(r, 200));

      service.child.kill('SIGTERM');
      await service.waitFor((l) => l.msg === 'shutting down: readiness fails, in-flight requests finish');
      // The listener is closed: a new connection is refused.
      await assert.rejects(send(url, '/readyz'));

      socket.write(body.slice(half));
      await socketClosed;
      const parsed = parseRawResponse(response);
      assert.equal(parsed.status, 200, response);
      assert.match(parsed.headers, /connection: close/i);
      assert.equal(PredictResponseSchema.parse(parsed.json).modelVersion, prediction.modelVersion);

      assert.equal(await service.exited, 0);
      assert.ok(service.lines.some((l) => l.msg === 'stopped'));
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  it('answers bad input from the real process with 4xx JSON', { skip: NO_MODEL, timeout: 120_000 }, async () => {
    const service = spawnService({});
    try {
      const url = String((await service.waitFor((l) => l.msg === 'listening')).url);
      await service.waitFor((l) => l.msg === 'ready');
      const res = await send(url, '/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": "\\ud800"}' });
      assert.equal(res.status, 400);
      assert.equal(ErrorBodySchema.parse(res.json).error.code, 'invalid_field');
      service.child.kill('SIGINT');
      assert.equal(await service.exited, 0);
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});
