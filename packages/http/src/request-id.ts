import { randomUUID } from 'node:crypto';

// An incoming id is reused only when it is a short token, so log lines stay parseable.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one request: the caller's `X-Request-Id` when it is a short token (letters, digits,
 * `._:-`, 1 to 128 characters; a load balancer's trace id), otherwise a new UUID v4.
 * Every response carries it as `X-Request-Id`, every error body as `error.requestId`.
 */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
