import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import contentType from 'content-type';
import { ClientError, MAX_REQUEST_BODY_BYTES } from '@sentiment/core';

/**
 * How long a request body may take to arrive once a handler asks for it, in ms. A client that stalls
 * mid-body gets 408 instead of holding a socket and a handler until Node's 300 s request timeout.
 */
export const BODY_TIMEOUT_MS = 10_000;

/** Limits of one body read. */
export interface BodyLimits {
  /** Byte limit; default core's `MAX_REQUEST_BODY_BYTES` (64 KiB). */
  limitBytes?: number;
  /** Milliseconds allowed for the whole body; default {@link BODY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** The error for a body over `limit` bytes (413). */
export function payloadTooLarge(limit: number = MAX_REQUEST_BODY_BYTES): ClientError {
  return new ClientError('payload_too_large', `Request body is larger than the limit of ${limit} bytes (${limit / 1024} KiB)`);
}

/**
 * True when the request says it has a body: a `Transfer-Encoding`, or a numeric `Content-Length`
 * (0 included: an empty body is still a body, judged later), as RFC 9112 section 6.3 reads it.
 */
export function declaresBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && !Number.isNaN(Number(headers['content-length'])));
}

/**
 * Checks the headers of a JSON body: `Content-Type` `application/json` with no charset or UTF-8, and
 * no `Content-Encoding` other than `identity`.
 * @throws {ClientError} `unsupported_media_type` (415) naming what was sent.
 */
export function checkJsonHeaders(type: string | undefined, encoding: string | undefined): void {
  // What nearly every client sends: nothing to parse.
  if (type === 'application/json' && encoding === undefined) return;
  let parsed: contentType.ParsedMediaType | undefined;
  try {
    parsed = type ? contentType.parse(type) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.type !== 'application/json') {
    throw new ClientError('unsupported_media_type', `Content-Type must be application/json (got ${type ? JSON.stringify(type) : 'none'})`);
  }
  const charset = parsed.parameters.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ClientError('unsupported_media_type', `Only UTF-8 bodies are accepted (got charset=${charset})`);
  }
  const coding = encoding?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    throw new ClientError('unsupported_media_type', `Content-Encoding ${coding} is not accepted; send the body uncompressed`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses body bytes as JSON: UTF-8 (an initial byte-order mark is dropped) and any JSON value (the
 * caller's schema decides what is acceptable).
 * @throws {ClientError} `malformed_json` (400) for an empty body, invalid UTF-8 or invalid JSON.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new ClientError('malformed_json', 'Request body is empty: send a JSON object');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ClientError('malformed_json', 'Request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message.slice(0, 200) : '';
    throw new ClientError('malformed_json', `Request body is not valid JSON: ${detail}`);
  }
}

/**
 * Reads a request's body bytes, declared (`Content-Length`) and chunked alike, never buffering more
 * than the limit: a declared length above it is refused before reading, a chunked body as soon as it
 * crosses it. After a refusal the rest is left unread: answer with `Connection: close`.
 * (Hand-written rather than raw-body: that one costs an AsyncResource and an http-error per read,
 * a few µs on every prediction; Node's parser already enforces `Content-Length` itself.)
 * @throws {ClientError} `payload_too_large` (413), `request_timeout` (408) when the body has not
 *   arrived within the timeout, `malformed_json` (400) when the client aborts mid-body.
 */
export function readBodyBytes(req: IncomingMessage, limits: BodyLimits = {}): Promise<Buffer> {
  const limit = limits.limitBytes ?? MAX_REQUEST_BODY_BYTES;
  if (Number(req.headers['content-length']) > limit) return Promise.reject(payloadTooLarge(limit));
  return new Promise((resolve, reject) => {
    // A small body usually arrives in the same packet as the headers. Node's parser hands the headers
    // over (and runs the microtasks) before it parses that body, but has read it by the check phase
    // of the same loop turn: then it is taken from the stream's buffer at once, with no listener and no
    // timer. Only a body still on its way is awaited, with the timeout.
    if (takeBuffered(req, limit, resolve, reject)) return;
    setImmediate(() => {
      if (takeBuffered(req, limit, resolve, reject)) return;
      if (req.destroyed) return reject(cutOff());
      const read: BodyRead = {
        chunks: [],
        size: 0,
        limit,
        timeoutMs: limits.timeoutMs ?? BODY_TIMEOUT_MS,
        timer: undefined,
        settled: false,
        resolve,
        reject,
      };
      (req as ReadingRequest)[READ] = read;
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onAbort);
      req.on('close', onAbort);
      if (!req.complete) read.timer = setTimeout(onTimeout, read.timeoutMs, req);
    });
  });
}

/**
 * Settles the read from the stream's buffer when the whole body is there (and nobody reads it yet);
 * false when it is not, and the body has to be awaited.
 */
function takeBuffered(req: IncomingMessage, limit: number, resolve: (bytes: Buffer) => void, reject: (error: unknown) => void): boolean {
  if (!req.complete || req.readableFlowing || req.readableEnded) return false;
  const bytes = (req.read() as Buffer | null) ?? Buffer.alloc(0);
  if (req.readableLength !== 0) {
    // Not all of it was buffered after all (cannot happen with Node's parser): read the rest as a stream.
    req.unshift(bytes);
    return false;
  }
  if (bytes.length > limit) reject(payloadTooLarge(limit));
  else resolve(bytes);
  return true;
}

function cutOff(): ClientError {
  return new ClientError('malformed_json', 'Request body was cut off before it was complete');
}

// The state of one body read lives on the request, so the listeners below are created once, not per request.
const READ = Symbol('body read');
interface BodyRead {
  chunks: Buffer[];
  size: number;
  limit: number;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  resolve(bytes: Buffer): void;
  reject(error: unknown): void;
}
type ReadingRequest = IncomingMessage & { [READ]?: BodyRead };

function finish(req: ReadingRequest, error: ClientError | undefined): void {
  const read = req[READ];
  if (read === undefined || read.settled) return;
  read.settled = true;
  req[READ] = undefined;
  clearTimeout(read.timer);
  req.off('data', onData);
  req.off('end', onEnd);
  req.off('error', onAbort);
  req.off('close', onAbort);
  if (error === undefined) return read.resolve(read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks, read.size));
  // Leave the rest unread; the response closes the connection.
  req.pause();
  read.reject(error);
}

function onData(this: ReadingRequest, chunk: Buffer): void {
  const read = this[READ];
  if (read === undefined) return;
  read.size += chunk.length;
  if (read.size > read.limit) return finish(this, payloadTooLarge(read.limit));
  read.chunks.push(chunk);
}

function onEnd(this: ReadingRequest): void {
  finish(this, undefined);
}

function onAbort(this: ReadingRequest): void {
  finish(this, cutOff());
}

function onTimeout(req: ReadingRequest): void {
  finish(req, new ClientError('request_timeout', `Request body did not arrive within ${req[READ]?.timeoutMs} ms`));
}

/**
 * Reads a Node request's body as JSON: a body must be declared, then {@link checkJsonHeaders},
 * {@link readBodyBytes}, {@link parseJsonBytes}.
 * @throws {ClientError} 400 `malformed_json` (no body, empty, not UTF-8, not JSON), 415, 413, 408.
 */
export async function readJsonBody(req: IncomingMessage, limits: BodyLimits = {}): Promise<unknown> {
  const { headers } = req;
  if (!declaresBody(headers)) {
    throw new ClientError('malformed_json', 'Request body is missing: send a JSON object with Content-Type: application/json');
  }
  checkJsonHeaders(headers['content-type'], headers['content-encoding']);
  return parseJsonBytes(await readBodyBytes(req, limits));
}

/** The parts of an API Gateway (HTTP API, payload 2.0) event that carry a body. */
export interface EventBody {
  /** Header names as API Gateway gives them (lower case); other cases are found too. */
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

function eventHeader(event: EventBody, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * The same checks as {@link readJsonBody} over a Lambda event, whose body API Gateway has already read:
 * headers, the byte limit after base64 decoding, UTF-8, JSON. An absent body counts as missing.
 * @throws {ClientError} 400 `malformed_json`, 415 `unsupported_media_type`, 413 `payload_too_large`.
 */
export function readJsonEventBody(event: EventBody, limitBytes: number = MAX_REQUEST_BODY_BYTES): unknown {
  checkJsonHeaders(eventHeader(event, 'content-type'), eventHeader(event, 'content-encoding'));
  const raw = event.body ?? '';
  // A cheap bound first, so a huge body is never decoded: base64 takes 4 characters per 3 bytes, and
  // UTF-8 takes at least one byte per UTF-16 unit.
  if (raw.length > (event.isBase64Encoded ? Math.ceil(limitBytes / 3) * 4 + 4 : limitBytes)) throw payloadTooLarge(limitBytes);
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > limitBytes) throw payloadTooLarge(limitBytes);
  return parseJsonBytes(bytes);
}
