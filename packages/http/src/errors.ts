import type { ServerResponse } from 'node:http';
import { ClientError, internalErrorMessage, type ErrorBody, type ErrorCode } from '@sentiment/core';

/** What every server answers for an error: the status and the JSON body. */
export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

// The code for an exposed 4xx http-error (Koa, body parsers) that carries only a status.
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'malformed_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'headers_too_large',
};

/**
 * The one place that turns an error into a response, for every server:
 * - a {@link ClientError} keeps its status, code, message and issues;
 * - an exposed 4xx http-error (`{status, expose: true}`, as Koa and body parsers throw) keeps its
 *   status and message, with the code of that status (a status without one becomes 400
 *   `malformed_request`);
 * - anything else is 500 `internal_error` with the one generic message (details belong in the log).
 * `requestId` goes into every body.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof ClientError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
    if (error.issues) body.error.issues = error.issues;
    return { status: error.status, body };
  }
  const http = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (
    http !== null &&
    typeof http === 'object' &&
    http.expose === true &&
    typeof http.status === 'number' &&
    http.status >= 400 &&
    http.status < 500
  ) {
    const code = CODE_OF_STATUS[http.status];
    const message = String(http.message);
    return code
      ? { status: http.status, body: { error: { code, message, requestId } } }
      : { status: 400, body: { error: { code: 'malformed_request', message, requestId } } };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: internalErrorMessage(requestId), requestId } } };
}

/** True when `response` is our fault (5xx other than 503, which is a known, temporary state): log it as an error. */
export function isServerFault(response: ErrorResponse): boolean {
  return response.status >= 500 && response.status !== 503;
}

/** Headers of every JSON response the servers write themselves (errors included): never cached. */
export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

/**
 * Answers `error` on a plain `node:http` response (one without a framework): JSON body, `X-Request-Id`,
 * `Cache-Control: no-store`. With `close`, also `Connection: close` (the rest of the request body may
 * still be on the wire and is never read).
 */
export function sendError(res: ServerResponse, error: unknown, requestId: string, options: { close?: boolean } = {}): ErrorResponse {
  const response = toErrorResponse(error, requestId);
  const body = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...JSON_HEADERS,
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(body);
  return response;
}
