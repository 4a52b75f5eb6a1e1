import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from 'pino';
import { readJsonEventBody } from '@sentiment/http/body';
import { JSON_HEADERS, isServerFault, toErrorResponse } from '@sentiment/http/errors';

export type LambdaEvent = APIGatewayProxyEventV2;
export type LambdaResult = APIGatewayProxyStructuredResultV2;
/** A handler as API Gateway HTTP API (payload format 2.0) calls it. */
export type LambdaHandler = (event: LambdaEvent) => Promise<LambdaResult>;

/** A JSON response with `content-type: application/json; charset=utf-8` and `cache-control: no-store`. */
export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): LambdaResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** The request id API Gateway gave this call, or a placeholder when the event has none. */
export function requestIdOf(event: LambdaEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

/**
 * Answers an error through the one mapping of every server (`toErrorResponse` of `@sentiment/http`):
 * a `ClientError` becomes its 4xx (logged at info); anything else is logged with the request id and
 * answered 500 `internal_error` with the generic message. Never a stack trace in a response.
 */
export function errorResponse(error: unknown, event: LambdaEvent, logger: Logger): LambdaResult {
  const requestId = requestIdOf(event);
  const response = toErrorResponse(error, requestId);
  if (isServerFault(response)) logger.error({ requestId, err: error }, 'unhandled error');
  else logger.info({ requestId, code: response.body.error.code, status: response.status }, 'client error');
  return jsonResponse(response.status, response.body);
}

/**
 * Wraps a JSON route as a Lambda handler: reads the body with the checks every server applies
 * (`readJsonEventBody`: `application/json` in UTF-8, at most 64 KiB after base64 decoding, valid
 * JSON; else 415, 413 or 400), calls `route`, and answers its result as JSON 200 — or the error
 * through {@link errorResponse}.
 */
export function jsonHandler(logger: Logger, route: (body: unknown, event: LambdaEvent) => Promise<unknown>): LambdaHandler {
  return async (event) => {
    try {
      return jsonResponse(200, await route(readJsonEventBody(event), event));
    } catch (error) {
      return errorResponse(error, event, logger);
    }
  };
}
