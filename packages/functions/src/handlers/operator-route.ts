import { errorResponse, jsonResponse, type LambdaEvent, type LambdaHandler } from '../lambda/edge.ts';
import { eventContext, eventCredentials, requireOperator } from '../auth/operator.ts';
import { requestIdOf } from '../lambda/edge.ts';
import type { OperatorContext } from '../review/store.ts';
import type { HandlerDeps } from './deps.ts';

/**
 * Wraps an operator-only JSON route: checks the operator (401 `unauthorized` otherwise, logged without
 * the token), calls `route` with the operator's id and request id, and answers its result as JSON 200 —
 * or the error through `errorResponse` (4xx as JSON, anything else 500 with the request id).
 */
export function operatorJsonHandler(deps: HandlerDeps, route: (event: LambdaEvent, by: OperatorContext) => Promise<unknown>): LambdaHandler {
  return async (event) => {
    try {
      const operator = requireOperator(eventCredentials(event), deps.operatorToken, deps.logger, eventContext(event));
      return jsonResponse(200, await route(event, { operator, requestId: requestIdOf(event) }));
    } catch (error) {
      return errorResponse(error, event, deps.logger);
    }
  };
}
