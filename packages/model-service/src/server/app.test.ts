import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchPredictResponseSchema, ErrorBodySchema, LABELS, MAX_BATCH_TEXTS, MAX_TEXT_CODE_POINTS, PredictResponseSchema } from '@sentiment/core';
import { createApp } from './app.ts';
import { createMetrics } from './metrics.ts';
import { startServer } from './server.ts';
import { ServiceState } from './state.ts';
import { FakePredictor, memoryLogger, parseRawResponse, postJson, rawExchange, send, type RawResponse } from './test-support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts the status and the error body shape, and returns the error object. */
function assertError(res: RawResponse, status: number, code: string) {
  assert.equal(res.status, status, `status for ${res.text}`);
  const body = ErrorBodySchema.parse(res.json);
  assert.equal(body.error.code, code, res.text);
  assert.equal(body.error.requestId, res.headers['x-request-id']);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return body.error;
}

async function start(options: { predictor?: FakePredictor; state?: ServiceState; bodyTimeoutMs?: number } = {}) {
  const predictor = options.predictor ?? new FakePredictor();
  const metrics = createMetrics();
  // Wired as main.ts wires it: the state reports each model run to the metrics.
  const state = options.state ?? new ServiceState({ onModelRun: (texts, seconds) => metrics.observeModelRun(texts, seconds) });
  if (!options.state) state.setPredictor(predictor);
  const { logger, lines } = memoryLogger();
  const app = createApp({ state, logger, metrics, body: { timeoutMs: options.bodyTimeoutMs ?? 10_000 } });
  const running = await startServer({ app, state, logger, port: 0, host: '127.0.0.1', shutdownTimeoutMs: 2_000 });
  return { running, predictor, state, lines, url: running.url };
}

describe('model service routes', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start();
  });
  after(() => s.running.close());

  it('POST /predict answers a prediction for the normalised text', async () => {
    const res = await postJson(s.url, '/predict', { text: '  I felt\u0000 afraid\u200B  in\r\nthe dark ' });
    assert.equal(res.status, 200, res.text);
    const prediction = PredictResponseSchema.parse(res.json);
    const normalised = 'I felt afraid in the dark';
    assert.deepEqual(s.predictor.calls.at(-1), [normalised]);
    assert.match(prediction.predictionId, UUID);
    assert.equal(prediction.label, FakePredictor.expectedLabel(normalised));
    assert.deepEqual(prediction.probabilities, FakePredictor.expected(normalised));
    assert.deepEqual(Object.keys(prediction.probabilities), [...LABELS]);
    assert.equal(prediction.modelVersion, 'test-model-1');
    assert.match(String(res.headers['x-request-id']), UUID);
  });

  it('POST /predict gives each prediction its own id', async () => {
    const [a, b] = await Promise.all([postJson(s.url, '/predict', { text: 'same' }), postJson(s.url, '/predict', { text: 'same' })]);
    assert.notEqual(PredictResponseSchema.parse(a.json).predictionId, PredictResponseSchema.parse(b.json).predictionId);
  });

  it('POST /predict counts length in code points: 1000 emoji pass', async () => {
    const res = await postJson(s.url, '/predict', { text: '😀'.repeat(MAX_TEXT_CODE_POINTS) });
    assert.equal(res.status, 200, res.text);
  });

  it('POST /batch-predict answers in input order with one model call', async () => {
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'ggggggg', 'hhhhhhhh'];
    const before = s.predictor.calls.length;
    const res = await postJson(s.url, '/batch-predict', { texts });
    assert.equal(res.status, 200, res.text);
    const { predictions } = BatchPredictResponseSchema.parse(res.json);
    assert.deepEqual(
      predictions.map((p) => p.label),
      texts.map((t) => FakePredictor.expectedLabel(t)),
    );
    assert.equal(new Set(predictions.map((p) => p.predictionId)).size, texts.length);
    assert.equal(s.predictor.calls.length, before + 1);
  });

  it(`POST /batch-predict accepts exactly ${MAX_BATCH_TEXTS} texts`, async () => {
    const res = await postJson(s.url, '/batch-predict', { texts: Array.from({ length: MAX_BATCH_TEXTS }, (_, i) => `text ${i}`) });
    assert.equal(res.status, 200, res.text);
    assert.equal(BatchPredictResponseSchema.parse(res.json).predictions.length, MAX_BATCH_TEXTS);
  });

  it('GET /healthz, /readyz and /model answer while ready', async () => {
    const health = await send(s.url, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    const ready = await send(s.url, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready', modelVersion: 'test-model-1' });
    const model = await send(s.url, '/model');
    assert.equal(model.status, 200);
    assert.deepEqual(model.json, s.predictor.describe());
  });

  it('GET /metrics exposes request counts by route and status, latency and the model version', async () => {
    await postJson(s.url, '/predict', { text: 'metrics please' });
    await send(s.url, '/no-such-route');
    const res = await send(s.url, '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.text, /http_requests_total\{method="POST",route="\/predict",status="200"\} [1-9]/);
    assert.match(res.text, /http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    assert.match(res.text, /http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/predict"\}/);
    assert.match(res.text, /model_info\{model_version="test-model-1"\} 1/);
    assert.match(res.text, /model_inference_texts_total [1-9]/);
    assert.match(res.text, /model_inference_duration_seconds_count [1-9]/);
    assert.match(res.text, /model_run_texts_count [1-9]/);
  });

  it('reuses a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await send(s.url, '/healthz', { headers: { 'x-request-id': 'lb-trace.42:abc' } });
    assert.equal(kept.headers['x-request-id'], 'lb-trace.42:abc');
    const replaced = await send(s.url, '/healthz', { headers: { 'x-request-id': 'has spaces and {json}' } });
    assert.match(String(replaced.headers['x-request-id']), UUID);
  });

  it('logs one JSON line per request at debug level with request id, method, path, status and ms', async () => {
    const res = await postJson(s.url, '/predict', { text: 'log me' }, { 'x-request-id': 'log-test-1' });
    assert.equal(res.status, 200);
    const line = s.lines.find((l) => l.requestId === 'log-test-1');
    assert.ok(line, 'request log line');
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/predict');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.equal(line.msg, 'request');
    assert.equal(line.level, 20, 'debug: a line per request at info costs more than the rest of the request path');
  });
});

describe('model service errors: bad input is a 4xx with a JSON body, never a 5xx or a hang', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start({ bodyTimeoutMs: 300 });
  });
  after(() => s.running.close());

  const post = (body: string | Buffer, contentType = 'application/json', path = '/predict', headers: Record<string, string> = {}) =>
    send(s.url, path, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  it('malformed JSON → 400 malformed_json', async () => {
    const error = assertError(await post('{"text": "unterminated'), 400, 'malformed_json');
    assert.match(error.message, /not valid JSON/);
  });

  it('wrong content type → 415 unsupported_media_type', async () => {
    assertError(await post('{"text":"hi"}', 'text/plain'), 415, 'unsupported_media_type');
    assertError(await post('text=hi', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
  });

  it('no content type → 415', async () => {
    const res = await send(s.url, '/predict', { method: 'POST', body: '{"text":"hi"}' });
    assertError(res, 415, 'unsupported_media_type');
  });

  it('a charset other than UTF-8 → 415; charset=utf-8 is fine', async () => {
    assertError(await post('{"text":"hi"}', 'application/json; charset=latin1'), 415, 'unsupported_media_type');
    assert.equal((await post('{"text":"hi"}', 'application/json; charset=UTF-8')).status, 200);
  });

  it('a compressed body → 415', async () => {
    assertError(await post('{"text":"hi"}', 'application/json', '/predict', { 'content-encoding': 'gzip' }), 415, 'unsupported_media_type');
  });

  it('missing body → 400 malformed_json', async () => {
    const error = assertError(
      await send(s.url, '/predict', { method: 'POST', headers: { 'content-type': 'application/json' } }),
      400,
      'malformed_json',
    );
    assert.match(error.message, /missing|empty/);
    assertError(await post(''), 400, 'malformed_json');
  });

  it('invalid UTF-8 bytes → 400 malformed_json', async () => {
    const body = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const error = assertError(await post(body), 400, 'malformed_json');
    assert.match(error.message, /UTF-8/);
  });

  it('a body over 64 KiB (Content-Length) → 413 without reading it', async () => {
    const big = JSON.stringify({ text: 'a'.repeat(70 * 1024) });
    const res = await post(big);
    assertError(res, 413, 'payload_too_large');
    assert.equal(res.headers.connection, 'close');
  });

  it('exactly 64 KiB is read (and then judged by the text rules); one byte more is 413', async () => {
    const sized = (bytes: number) => {
      const shell = JSON.stringify({ text: '' });
      return JSON.stringify({ text: 'a'.repeat(bytes - shell.length) });
    };
    assert.equal(Buffer.byteLength(sized(64 * 1024)), 64 * 1024);
    const atLimit = assertError(await post(sized(64 * 1024)), 400, 'invalid_field');
    assert.match(atLimit.message, /limit is 1000/);
    assertError(await post(sized(64 * 1024 + 1)), 413, 'payload_too_large');
  });

  it('a slow chunked body that grows past 64 KiB → 413 before the upload ends', async () => {
    const chunk = Buffer.from(`1000\r\n${'a'.repeat(0x1000)}\r\n`); // 4 KiB chunks
    const chunks = Array.from({ length: 64 }, () => chunk); // 256 KiB if all were sent
    const head = 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { response, chunksWritten } = await rawExchange(s.url, head, [Buffer.from('b\r\n{"text": "a\r\n'), ...chunks], { intervalMs: 5 });
    const parsed = parseRawResponse(response);
    assert.equal(parsed.status, 413, response);
    assert.equal(ErrorBodySchema.parse(parsed.json).error.code, 'payload_too_large');
    assert.ok(chunksWritten < 40, `server answered after ${chunksWritten} chunks, not at the end of the stream`);
  });

  it('a body that stalls → 408 request_timeout, and the connection closes', async () => {
    const head = 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text": "wai';
    const { response, closedByServer } = await rawExchange(s.url, head, [], { timeoutMs: 3_000 });
    const parsed = parseRawResponse(response);
    assert.equal(parsed.status, 408, response);
    assert.equal(ErrorBodySchema.parse(parsed.json).error.code, 'request_timeout');
    assert.ok(closedByServer);
  });

  it('a body shorter than its Content-Length, then a closed socket, does not crash the server', async () => {
    const head = 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te';
    const { port, hostname } = new URL(s.url);
    const { connect } = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.end(head);
        socket.on('close', () => resolve());
        socket.resume();
      });
    });
    assert.equal((await send(s.url, '/healthz')).status, 200);
  });

  for (const [name, body] of [
    ['an array', '[]'],
    ['a string', '"text"'],
    ['null', 'null'],
    ['a number', '42'],
  ] as const) {
    it(`JSON that is ${name}, not an object → 400 invalid_field`, async () => {
      assertError(await post(body), 400, 'invalid_field');
    });
  }

  it('an extra field → 400 invalid_field naming it', async () => {
    const error = assertError(await post(JSON.stringify({ text: 'hi', label: 'joy' })), 400, 'invalid_field');
    assert.match(error.message, /label/);
  });

  it('a number instead of a string → 400 invalid_field on text', async () => {
    const error = assertError(await post('{"text": 42}'), 400, 'invalid_field');
    assert.equal(error.issues?.[0]?.path, 'text');
  });

  it('a missing text → 400 invalid_field', async () => {
    assertError(await post('{}'), 400, 'invalid_field');
  });

  it('empty and whitespace-only text → 400 naming the empty rule', async () => {
    for (const text of ['', '   ', '\u00A0\t\r\n', '\u200B\u200D']) {
      const error = assertError(await post(JSON.stringify({ text })), 400, 'invalid_field');
      assert.match(error.message, /empty/, JSON.stringify(text));
    }
  });

  it('text of NUL characters only → 400 empty; NUL inside text is dropped', async () => {
    assert.match(assertError(await post('{"text": "\\u0000\\u0000"}'), 400, 'invalid_field').message, /empty/);
    const ok = await post('{"text": "a\\u0000b"}');
    assert.equal(ok.status, 200);
    assert.deepEqual(s.predictor.calls.at(-1), ['ab']);
  });

  it('a lone surrogate (raw \\ud800 escape in JSON) → 400 naming the rule', async () => {
    const error = assertError(await post(Buffer.from('{"text": "bad \\ud800 half"}', 'latin1')), 400, 'invalid_field');
    assert.match(error.message, /lone surrogate/);
    const low = assertError(await post('{"texts": ["fine", "\\udc00"]}', 'application/json', '/batch-predict'), 400, 'invalid_field');
    assert.equal(low.issues?.[0]?.path, 'texts.1');
  });

  it(`text over ${MAX_TEXT_CODE_POINTS} code points → 400 that names the limit`, async () => {
    const error = assertError(await post(JSON.stringify({ text: 'é'.repeat(MAX_TEXT_CODE_POINTS + 1) })), 400, 'invalid_field');
    assert.match(error.message, new RegExp(`limit is ${MAX_TEXT_CODE_POINTS}`));
  });

  it(`${MAX_BATCH_TEXTS + 1} texts → 400; an empty array → 400; texts not an array → 400`, async () => {
    const tooMany = Array.from({ length: MAX_BATCH_TEXTS + 1 }, () => 'x');
    assert.match(
      assertError(await post(JSON.stringify({ texts: tooMany }), 'application/json', '/batch-predict'), 400, 'invalid_field').message,
      /256/,
    );
    assertError(await post('{"texts": []}', 'application/json', '/batch-predict'), 400, 'invalid_field');
    assertError(await post('{"texts": "one"}', 'application/json', '/batch-predict'), 400, 'invalid_field');
    assertError(await post('{"texts": [1, 2]}', 'application/json', '/batch-predict'), 400, 'invalid_field');
    assertError(await post('{"text": "single"}', 'application/json', '/batch-predict'), 400, 'invalid_field');
  });

  it('unknown route → 404 not_found', async () => {
    assertError(await send(s.url, '/nope'), 404, 'not_found');
    assertError(
      await send(s.url, '/model/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' }),
      404,
      'not_found',
    );
  });

  it('wrong method → 405 method_not_allowed with Allow', async () => {
    const res = await send(s.url, '/predict');
    assertError(res, 405, 'method_not_allowed');
    assert.match(String(res.headers.allow), /POST/);
    assertError(await send(s.url, '/healthz', { method: 'DELETE' }), 405, 'method_not_allowed');
    // A method the router does not implement at all (it would say 501) is still the caller's mistake.
    assertError(await send(s.url, '/predict', { method: 'PROPFIND' }), 405, 'method_not_allowed');
  });

  it('a request that is not HTTP → 400 JSON, connection closed', async () => {
    const { response, closedByServer } = await rawExchange(s.url, 'HELLO THERE\r\n\r\n');
    assert.ok(closedByServer);
    const parsed = parseRawResponse(response);
    assert.equal(parsed.status, 400, response);
    const error = ErrorBodySchema.parse(parsed.json).error;
    assert.equal(error.code, 'malformed_request');
    assert.match(parsed.headers, new RegExp(`X-Request-Id: ${error.requestId}`));
  });

  it('headers over 16 KiB → 431 JSON', async () => {
    const { response } = await rawExchange(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    const parsed = parseRawResponse(response);
    assert.equal(parsed.status, 431, response);
    assert.equal(ErrorBodySchema.parse(parsed.json).error.code, 'headers_too_large');
  });

  it('the server still serves after all of the above', async () => {
    assert.equal((await postJson(s.url, '/predict', { text: 'still alive' })).status, 200);
  });
});

describe('model service faults and life cycle', () => {
  it('a failing model → 500 internal_error with a generic message, logged with the request id', async () => {
    const predictor = new FakePredictor();
    predictor.failWith = new Error('onnx exploded: secret detail');
    const s = await start({ predictor });
    try {
      const res = await postJson(s.url, '/predict', { text: 'boom' });
      const error = assertError(res, 500, 'internal_error');
      assert.doesNotMatch(error.message, /secret/);
      const logged = s.lines.find((l) => l.msg === 'request failed');
      assert.ok(logged, 'error logged');
      assert.equal(logged.requestId, error.requestId);
      assert.match(JSON.stringify(logged.err), /secret detail/);
    } finally {
      await s.running.close();
    }
  });

  it('before the model loads: /healthz 200, /readyz and /predict 503; after load: 200', async () => {
    const state = new ServiceState();
    const s = await start({ state });
    try {
      assert.equal((await send(s.url, '/healthz')).status, 200);
      assertError(await send(s.url, '/readyz'), 503, 'service_unavailable');
      assertError(await postJson(s.url, '/predict', { text: 'early' }), 503, 'service_unavailable');
      assertError(await send(s.url, '/model'), 503, 'service_unavailable');
      state.setPredictor(s.predictor);
      assert.equal((await send(s.url, '/readyz')).status, 200);
      assert.equal((await postJson(s.url, '/predict', { text: 'now' })).status, 200);
    } finally {
      await s.running.close();
    }
  });

  it('close(): readiness fails, idle keep-alive sockets close, the in-flight request finishes with Connection: close, then the server closes', async () => {
    const predictor = new FakePredictor();
    let release!: () => void;
    predictor.gate = new Promise<void>((resolve) => (release = resolve));
    const s = await start({ predictor });
    const { Agent } = await import('node:http');
    // A keep-alive connection opened before shutdown, as a load balancer would hold.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = (path: string) =>
      new Promise<RawResponse>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request(`${s.url}${path}`, { agent }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) }));
          });
          req.on('error', reject);
          req.end();
        }, reject);
      });
    try {
      assert.equal((await viaAgent('/readyz')).status, 200);
      const inFlight = postJson(s.url, '/predict', { text: 'in flight' });
      while (predictor.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      let closed = false;
      const closing = s.running.close().then(() => (closed = true));
      // The kept-alive socket was idle, so shutdown closed it; a new connection is refused.
      await assert.rejects(viaAgent('/readyz'));
      assert.equal(s.state.ready, false);
      assert.equal(closed, false, 'server waits for the in-flight request');
      release();
      const res = await inFlight;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.connection, 'close');
      await closing;
      assert.equal(closed, true);
    } finally {
      agent.destroy();
      await s.running.close();
    }
  });

  it('while draining, every response says Connection: close and /readyz says 503', async () => {
    const s = await start();
    try {
      // Draining without closing the listener: what a request on an already-open socket sees.
      s.state.startDraining();
      const ready = await send(s.url, '/readyz');
      assert.match(assertError(ready, 503, 'service_unavailable').message, /shutting down/);
      assert.equal(ready.headers.connection, 'close');
      const health = await send(s.url, '/healthz');
      assert.equal(health.status, 200);
      assert.equal(health.headers.connection, 'close');
      const predicted = await postJson(s.url, '/predict', { text: 'late but served' });
      assert.equal(predicted.status, 200);
      assert.equal(predicted.headers.connection, 'close');
    } finally {
      await s.running.close();
    }
  });
});
