import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientError, MAX_REQUEST_BODY_BYTES } from '@sentiment/core';
import { checkJsonHeaders, parseJsonBytes, readJsonBody, readJsonEventBody } from './body.ts';
import { sendError } from './errors.ts';
import { listen } from './server.ts';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ClientError, String(error));
    return error.code;
  }
  return 'none';
};

describe('JSON body checks shared by every server', () => {
  it('accepts application/json with no charset or UTF-8; refuses other types, charsets and encodings with 415', () => {
    assert.equal(
      codeOf(() => checkJsonHeaders('application/json', undefined)),
      'none',
    );
    assert.equal(
      codeOf(() => checkJsonHeaders('Application/JSON; charset="UTF-8"', 'identity')),
      'none',
    );
    for (const [type, encoding] of [
      [undefined, undefined],
      ['text/plain', undefined],
      ['application/json; charset=latin1', undefined],
      ['application/json;;;=', undefined],
      ['application/json', 'gzip'],
    ]) {
      assert.equal(
        codeOf(() => checkJsonHeaders(type, encoding)),
        'unsupported_media_type',
        `${type} ${encoding}`,
      );
    }
  });

  it('parses UTF-8 JSON (a byte-order mark is dropped); empty, broken UTF-8 and broken JSON are 400 malformed_json', () => {
    assert.deepEqual(parseJsonBytes(Buffer.from('\uFEFF{"a":"é"}')), { a: 'é' });
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x22, 0xc3, 0x28, 0x22]), Buffer.from('{"a":')]) {
      assert.equal(
        codeOf(() => parseJsonBytes(bytes)),
        'malformed_json',
      );
    }
  });

  it('an event body: base64 or text, 413 past 64 KiB after decoding, 415 before anything else', () => {
    const json = { 'content-type': 'application/json' };
    assert.deepEqual(readJsonEventBody({ headers: json, body: Buffer.from('{"x":1}').toString('base64'), isBase64Encoded: true }), { x: 1 });
    assert.deepEqual(readJsonEventBody({ headers: { 'Content-Type': 'application/json' }, body: '{"x":2}' }), { x: 2 });
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_REQUEST_BODY_BYTES) });
    assert.equal(
      codeOf(() => readJsonEventBody({ headers: json, body: big })),
      'payload_too_large',
    );
    assert.equal(
      codeOf(() => readJsonEventBody({ headers: json, body: Buffer.from(big).toString('base64'), isBase64Encoded: true })),
      'payload_too_large',
    );
    assert.equal(
      codeOf(() => readJsonEventBody({ headers: {}, body: big })),
      'unsupported_media_type',
    );
    assert.equal(
      codeOf(() => readJsonEventBody({ headers: json })),
      'malformed_json',
    );
  });
});

describe('readJsonBody over a real connection', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      // Records whether the body was awaited as a stream ('data' listener) or taken from the buffer.
      let streamed = false;
      const on = req.on.bind(req);
      req.on = ((...args: Parameters<typeof on>) => {
        if (args[0] === 'data') streamed = true;
        return on(...args);
      }) as typeof req.on;
      readJsonBody(req, { timeoutMs: 300 }).then(
        (value) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-body-read': streamed ? 'stream' : 'buffer' });
          res.end(JSON.stringify(value));
        },
        (error: unknown) => sendError(res, error, 'test', { close: true }),
      );
    });
    url = await listen(server, 0, '127.0.0.1');
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Writes `head` then `chunks` on a raw socket; resolves with the status line's code and how many chunks went out before the answer. */
  function exchange(head: string, chunks: string[] = [], intervalMs = 5): Promise<{ status: number; code: string; written: number }> {
    const { port } = new URL(url);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      let written = 0;
      let timer: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (written < chunks.length && !socket.destroyed) socket.write(chunks[written++]!);
        }, intervalMs);
      });
      socket.on('data', (data: Buffer) => (text += data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), code: /"code":"([a-z_]+)"/.exec(text)?.[1] ?? '', written });
      });
    });
  }

  it('reads a declared and a chunked body', async () => {
    const declared = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await declared.json(), { a: 1 });
    const chunked = await exchange(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      ['3\r\n{"a\r\n', '4\r\n":2}\r\n', '0\r\n\r\n'],
    );
    assert.equal(chunked.status, 200);
  });

  it('takes a body that came with its headers from the buffer (no listener, no timer), and awaits one that did not', async () => {
    /** Sends `head` and `body` in one write, or with `Expect: 100-continue` the body only once the server has read the head. */
    const bodyRead = (body: string, together: boolean): Promise<string> => {
      const { port } = new URL(url);
      const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`;
      return new Promise((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        let sent = together;
        socket.on('connect', () => socket.write(together ? `${head}\r\n${body}` : `${head}Expect: 100-continue\r\n\r\n`));
        socket.on('data', (data: Buffer) => {
          text += data.toString();
          if (!sent && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
            sent = true;
            socket.write(body);
          }
        });
        socket.on('close', () =>
          resolve(`${/HTTP\/1\.1 (2\d\d|[3-5]\d\d)/.exec(text)?.[1]} ${/x-body-read: (\w+)/i.exec(text)?.[1]} ${/\{.*\}/.exec(text)?.[0]}`),
        );
      });
    };
    assert.equal(await bodyRead('{"a":1}', true), '200 buffer {"a":1}');
    assert.equal(await bodyRead('{"a":2}', false), '200 stream {"a":2}');
  });

  it('refuses a declared length over 64 KiB at once with 413, without reading the body', async () => {
    const result = await exchange(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MAX_REQUEST_BODY_BYTES + 1}\r\n\r\n{"a":`,
    );
    assert.deepEqual([result.status, result.code], [413, 'payload_too_large']);
  });

  it('refuses a chunked body with 413 as soon as it crosses 64 KiB, long before it ends', async () => {
    const chunk = `1000\r\n${'a'.repeat(0x1000)}\r\n`;
    const result = await exchange(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      Array<string>(100).fill(chunk),
      2,
    );
    assert.deepEqual([result.status, result.code], [413, 'payload_too_large']);
    assert.ok(result.written < 40, `answered after ${result.written} of 100 chunks`);
  });

  it('answers 408 when the body stalls, and 400 when a body is declared but missing', async () => {
    const stalled = await exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a":');
    assert.deepEqual([stalled.status, stalled.code], [408, 'request_timeout']);
    const missing = await exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n');
    assert.deepEqual([missing.status, missing.code], [400, 'malformed_json']);
  });
});
