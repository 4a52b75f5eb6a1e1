// Helpers for the server tests: a deterministic in-memory Predictor, a log sink and a raw HTTP client.
import { request } from 'node:http';
import { connect } from 'node:net';
import { pino, type Logger } from 'pino';
import { LABELS, type Explanation, type Label, type Probabilities } from '@sentiment/core';
import type { Predictor, ScoredText } from '../serving/predictor.ts';

/**
 * A Predictor whose answer depends only on the text: the label at index (code points mod 7) gets
 * 0.4, the others 0.1 each; confidence `low` when the text has no ASCII letter. Its explanation
 * gives each whitespace-separated word of the text the weight 1 / (its position + 1).
 * Records every call; `gate` (when set) holds each call until resolved.
 */
export class FakePredictor implements Predictor {
  readonly modelVersion = 'test-model-1';
  // A different output order from LABELS, as a real model may have.
  readonly labels = [...LABELS].reverse();
  readonly calls: string[][] = [];
  gate: Promise<void> | undefined;
  failWith: Error | undefined;
  closed = false;

  async predict(texts: readonly string[]): Promise<Probabilities[]> {
    this.calls.push([...texts]);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return texts.map((text) => FakePredictor.expected(text));
  }

  readonly explained: Array<{ text: string; label: Label }> = [];

  async score(texts: readonly string[]): Promise<ScoredText[]> {
    const probabilities = await this.predict(texts);
    return probabilities.map((p, i) => ({ probabilities: p, confidence: /[a-z]/i.test(texts[i]!) ? 'high' : 'low' }));
  }

  explain(text: string, label: Label): Explanation {
    this.explained.push({ text, label });
    return text.split(/\s+/).map((word, i) => ({ text: word, weight: 1 / (i + 1) }));
  }

  /** The probabilities this predictor gives `text`. */
  static expected(text: string): Probabilities {
    const winner = LABELS[[...text].length % LABELS.length]!;
    return Object.fromEntries(LABELS.map((l) => [l, l === winner ? 0.4 : 0.1])) as Probabilities;
  }

  static expectedLabel(text: string): string {
    return LABELS[[...text].length % LABELS.length]!;
  }

  describe(): Record<string, unknown> {
    return { version: this.modelVersion, labels: this.labels, metrics: { accuracy: 0.5 } };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/**
 * A predictor of a given version that gives every text the same answer (its `favourite` label at
 * 0.7, the others 0.05), for tests that tell versions apart; `gate` holds calls, `failWith` fails them.
 */
export class StubPredictor implements Predictor {
  readonly modelVersion: string;
  readonly labels = LABELS;
  readonly favourite: (typeof LABELS)[number];
  gate: Promise<void> | undefined;
  failWith: Error | undefined;
  calls = 0;
  closed = false;

  constructor(modelVersion: string, favourite: (typeof LABELS)[number] = 'joy') {
    this.modelVersion = modelVersion;
    this.favourite = favourite;
  }

  answer(): Probabilities {
    return Object.fromEntries(LABELS.map((l) => [l, l === this.favourite ? 0.7 : 0.05])) as Probabilities;
  }

  async predict(texts: readonly string[]): Promise<Probabilities[]> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return texts.map(() => this.answer());
  }

  /** Always sure: its answer's top probability is 0.7. */
  async score(texts: readonly string[]): Promise<ScoredText[]> {
    return (await this.predict(texts)).map((probabilities) => ({ probabilities, confidence: 'high' }));
  }

  describe(): Record<string, unknown> {
    return { version: this.modelVersion };
  }

  close(): Promise<void> {
    if (this.closed) throw new Error(`${this.modelVersion} closed twice`);
    this.closed = true;
    return Promise.resolve();
  }
}

/** A pino logger that keeps every line as parsed JSON in `lines`. */
export function memoryLogger(level: pino.LevelWithSilent = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/**
 * One HTTP request on a fresh connection (no agent, so keep-alive never mixes tests).
 * `body` is sent as given: a Buffer keeps raw bytes (invalid UTF-8, lone-surrogate escapes).
 */
export function send(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(toRaw(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs `value` as JSON. */
export function postJson(baseUrl: string, path: string, value: unknown, headers: Record<string, string> = {}) {
  return send(baseUrl, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  });
}

function toRaw(status: number, headers: RawResponse['headers'], text: string): RawResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}

/**
 * Writes `head` on a raw TCP socket, then each chunk in `chunks` every `intervalMs`, and resolves
 * with everything the server sent back once it closes the connection (or after `timeoutMs`).
 * Write errors after the server answered (EPIPE/ECONNRESET) are expected and ignored.
 */
export function rawExchange(
  baseUrl: string,
  head: string,
  chunks: Buffer[] = [],
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<{ response: string; chunksWritten: number; closedByServer: boolean }> {
  const { port, hostname } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let written = 0;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ response: Buffer.concat(received).toString('utf8'), chunksWritten: written, closedByServer });
    };
    const deadline = setTimeout(() => finish(false), options.timeoutMs ?? 5_000);
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        const chunk = chunks[written];
        if (chunk === undefined || socket.destroyed) {
          clearInterval(timer);
          return;
        }
        socket.write(chunk);
        written++;
      }, options.intervalMs ?? 10);
    });
  });
}

/** Status code and parsed JSON body of a raw HTTP/1.1 response text. */
export function parseRawResponse(response: string): { status: number; headers: string; json: unknown } {
  const [head = '', ...rest] = response.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  let body = rest.join('\r\n\r\n');
  if (/transfer-encoding: chunked/i.test(head)) {
    // A single-chunk body: "<hex>\r\n<data>\r\n0\r\n\r\n".
    body = body.split('\r\n')[1] ?? '';
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers: head, json };
}
