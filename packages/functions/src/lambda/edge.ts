import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import contentType from 'content-type';
import type { Logger } from 'pino';
import { ClientError, MAX_REQUEST_BODY_BYTES, type ErrorBody } from '@sentiment/core';

/** Largest accepted request body, in bytes after base64 decoding (a review body is well under 2 KiB). */
export const MAX_BODY_BYTES = MAX_REQUEST_BODY_BYTES;

export type LambdaEvent = APIGatewayProxyEventV2;
export type LambdaResult = APIGatewayProxyStructuredResultV2;
/** A handler as API Gateway HTTP API (payload format 2.0) calls it. */
export type LambdaHandler = (event: LambdaEvent) => Promise<LambdaResult>;

const NO_STORE = { 'cache-control': 'no-store' } as const;

/** A JSON response with `content-type: application/json; charset=utf-8` and `cache-control: no-store`. */
export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): LambdaResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** The request id API Gateway gave this call, or a placeholder when the event has none. */
export function requestIdOf(event: LambdaEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

/**
 * Maps an error to its response in one place: a {@link ClientError} becomes its 4xx/409 with code,
 * message and issues; anything else is logged (with the request id) and answered 500 `internal_error`
 * with a generic message and the request id. Never a stack trace in a response.
 */
export function errorResponse(error: unknown, event: LambdaEvent, logger: Logger): LambdaResult {
  const requestId = requestIdOf(event);
  if (error instanceof ClientError) {
    logger.info({ requestId, code: error.code, status: error.status }, 'client error');
    const body: ErrorBody = {
      error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}), requestId },
    };
    return jsonResponse(error.status, body);
  }
  logger.error({ requestId, err: error }, 'unhandled error');
  const body: ErrorBody = { error: { code: 'internal_error', message: 'Internal error; quote the request id when reporting it.', requestId } };
  return jsonResponse(500, body);
}

function header(event: LambdaEvent, name: string): string | undefined {
  // API Gateway lower-cases header names; be lenient with hand-made events.
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * Reads the JSON body of an event: `content-type` must be `application/json` (charset utf-8 or none),
 * the body at most {@link MAX_BODY_BYTES} after base64 decoding, valid UTF-8 and valid JSON.
 * @throws {ClientError} `unsupported_media_type` (415), `payload_too_large` (413), `malformed_json` (400).
 */
export function readJsonBody(event: LambdaEvent): unknown {
  const type = header(event, 'content-type');
  let parsedType: contentType.ParsedMediaType | undefined;
  try {
    parsedType = type ? contentType.parse(type) : undefined;
  } catch {
    parsedType = undefined;
  }
  const charset = parsedType?.parameters.charset?.toLowerCase();
  if (parsedType?.type !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new ClientError('unsupported_media_type', `content-type must be application/json (UTF-8); got ${type ? JSON.stringify(type) : 'none'}`);
  }
  const raw = event.body ?? '';
  // Cheap bound first, so a huge body is never decoded: base64 takes 4 characters per 3 bytes, and a
  // UTF-8 body has at least as many bytes as UTF-16 units.
  if (raw.length > (event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4 : MAX_BODY_BYTES)) {
    throw new ClientError('payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new ClientError('payload_too_large', `request body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ClientError('malformed_json', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ClientError('malformed_json', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Wraps a JSON route as a Lambda handler: reads the body with {@link readJsonBody}, calls `route`, and
 * answers its result as JSON 200 — or the error through {@link errorResponse}.
 */
export function jsonHandler(logger: Logger, route: (body: unknown, event: LambdaEvent) => Promise<unknown>): LambdaHandler {
  return async (event) => {
    try {
      return jsonResponse(200, await route(readJsonBody(event), event));
    } catch (error) {
      return errorResponse(error, event, logger);
    }
  };
}
