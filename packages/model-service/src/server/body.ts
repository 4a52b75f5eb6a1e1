import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { ClientError, MAX_REQUEST_BODY_BYTES } from '@sentiment/core';

/** Largest accepted request body: core's {@link MAX_REQUEST_BODY_BYTES} (64 KiB). */
export const MAX_BODY_BYTES = MAX_REQUEST_BODY_BYTES;

/**
 * How long a request body may take to arrive once the handler asks for it. A client that stalls
 * mid-body gets 408 instead of holding a socket and a handler until Node's 300 s request timeout.
 */
export const BODY_TIMEOUT_MS = 10_000;

export interface BodyOptions {
  /** Byte limit; default {@link MAX_BODY_BYTES}. */
  limitBytes?: number;
  /** Milliseconds allowed for the whole body; default {@link BODY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the request body as JSON. Never buffers more than the limit: a `Content-Length` above it is
 * refused before reading, a chunked body as soon as it crosses it.
 * @returns the parsed JSON value (any JSON type; the caller's schema decides what is acceptable).
 * @throws {ClientError} `malformed_json` (400: no body, invalid UTF-8, invalid JSON),
 *   `unsupported_media_type` (415: not `application/json`, a charset other than UTF-8, or a
 *   `Content-Encoding`), `payload_too_large` (413), `request_timeout` (408).
 *   Each of them also marks the response `Connection: close`, since the rest of the body may still
 *   be on the wire.
 */
export async function readJsonBody(ctx: Context, options: BodyOptions = {}): Promise<unknown> {
  const limit = options.limitBytes ?? MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? BODY_TIMEOUT_MS;
  try {
    return await read(ctx, limit, timeoutMs);
  } catch (error) {
    ctx.set('Connection', 'close');
    throw error;
  }
}

async function read(ctx: Context, limit: number, timeoutMs: number): Promise<unknown> {
  const type = ctx.is('application/json');
  if (type === null) {
    throw new ClientError('malformed_json', 'Request body is missing: send a JSON object with Content-Type: application/json');
  }
  if (type === false) {
    const got = ctx.get('Content-Type') || 'none';
    throw new ClientError('unsupported_media_type', `Content-Type must be application/json (got ${got})`);
  }
  const charset = ctx.request.charset;
  if (charset !== '' && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new ClientError('unsupported_media_type', `Only UTF-8 bodies are accepted (got charset=${charset})`);
  }
  const encoding = ctx.get('Content-Encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new ClientError('unsupported_media_type', `Content-Encoding ${encoding} is not accepted; send the body uncompressed`);
  }

  const bytes = await withTimeout(
    getRawBody(ctx.req, { length: ctx.get('Content-Length') || null, limit }),
    timeoutMs,
    () => {
      // Stop reading; the response closes the connection.
      ctx.req.unpipe();
      ctx.req.pause();
    },
  ).catch((error: unknown) => {
    throw toBodyError(error, limit, timeoutMs);
  });

  if (bytes.length === 0) {
    throw new ClientError('malformed_json', 'Request body is empty: send a JSON object');
  }
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

class BodyTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new BodyTimeout());
    }, ms);
  });
  // The losing promise may still settle later; keep it from becoming an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Maps raw-body's errors (http-errors with a `type`) to the caller's mistakes. */
function toBodyError(error: unknown, limit: number, timeoutMs: number): unknown {
  if (error instanceof BodyTimeout) {
    return new ClientError('request_timeout', `Request body did not arrive within ${timeoutMs} ms`);
  }
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new ClientError('payload_too_large', `Request body is larger than the limit of ${limit} bytes (${limit / 1024} KiB)`);
    case 'request.size.invalid':
      return new ClientError('malformed_json', 'Request body length does not match Content-Length');
    case 'request.aborted':
      return new ClientError('malformed_json', 'Request body was cut off before it was complete');
    default:
      return error;
  }
}
