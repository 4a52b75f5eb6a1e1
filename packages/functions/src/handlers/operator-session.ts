import { ClientError, OperatorSignInSchema, parseOrThrow, type OperatorSession } from '@sentiment/core';
import {
  clearedOperatorCookie,
  eventContext,
  eventCredentials,
  isHttps,
  isOperator,
  operatorIdOf,
  operatorSessionCookie,
  presentedCredential,
  requireOperator,
} from '../auth/operator.ts';
import { readJsonEventBody } from '@sentiment/http/body';
import { errorResponse, jsonResponse, requestIdOf, type LambdaEvent, type LambdaHandler, type LambdaResult } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/** Methods of `/api/operator/session`. */
export const OPERATOR_SESSION_METHODS = ['GET', 'POST', 'DELETE'] as const;

/**
 * `/api/operator/session` — the operator sign-in of the web app (issue 7):
 * - `POST {"token"}`: the right operator token → 200 `{"operator": true}` and `Set-Cookie` of the
 *   HttpOnly, SameSite=Strict session cookie (a signed 8-hour session, not the token); a wrong one → 401 `unauthorized` (logged, without the token).
 * - `GET`: 200 `{"operator": true}` when the request carries the token or a live session, else 401.
 * Sign-in and an operator's sign-out are written to the audit trail.
 * - `DELETE` (sign-out): 200 `{"operator": false}` and a `Set-Cookie` that deletes the cookie.
 * Errors of the POST body as every JSON route: 400, 413, 415.
 */
export function createOperatorSessionHandler(deps: HandlerDeps): LambdaHandler {
  return (event) => operatorSessionResponse(event, deps);
}

/** The response of {@link createOperatorSessionHandler}'s handler; sign-in and sign-out are audited. */
async function operatorSessionResponse(event: LambdaEvent, deps: HandlerDeps): Promise<LambdaResult> {
  const secure = isHttps(event);
  try {
    switch (event.requestContext.http.method) {
      case 'POST': {
        const { token } = parseOrThrow(OperatorSignInSchema, readJsonEventBody(event));
        const operator = requireOperator({ authorization: `Bearer ${token}` }, deps.operatorToken, deps.logger, eventContext(event));
        await deps.store.appendAudit({ operator, action: 'sign_in', requestId: requestIdOf(event) });
        return {
          ...jsonResponse(200, { operator: true } satisfies OperatorSession),
          cookies: [operatorSessionCookie(deps.operatorToken, { secure })],
        };
      }
      case 'DELETE': {
        // Only an operator's sign-out is an operator action; anyone may clear a cookie.
        if (isOperator(eventCredentials(event), deps.operatorToken)) {
          await deps.store.appendAudit({ operator: operatorIdOf(deps.operatorToken), action: 'sign_out', requestId: requestIdOf(event) });
        }
        return { ...jsonResponse(200, { operator: false } satisfies OperatorSession), cookies: [clearedOperatorCookie({ secure })] };
      }
      default:
        // The operator page asks this on every visit: no credential at all is "signed out", not an attempt to log.
        if (presentedCredential(eventCredentials(event)) === undefined) throw new ClientError('unauthorized', 'not signed in as an operator');
        requireOperator(eventCredentials(event), deps.operatorToken, deps.logger, eventContext(event));
        return jsonResponse(200, { operator: true } satisfies OperatorSession);
    }
  } catch (error) {
    return errorResponse(error, event, deps.logger);
  }
}

export const handler = lambdaEntry(createOperatorSessionHandler);
