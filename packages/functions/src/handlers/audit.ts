import { AuditListQuerySchema, parseOrThrow, type AuditListResponse } from '@sentiment/core';
import type { LambdaHandler } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';
import { operatorJsonHandler } from './operator-route.ts';

/**
 * `GET /api/audit?limit=&cursor=` — the operators' actions (correct, delete, export, sign-in, sign-out),
 * newest first: 200 {@link AuditListResponse}; never a review's text. Operators only: 401 `unauthorized`.
 * Errors: 400 `invalid_field` (bad limit or cursor, unknown parameter).
 */
export function createAuditHandler(deps: HandlerDeps): LambdaHandler {
  return operatorJsonHandler(deps, (event): Promise<AuditListResponse> =>
    deps.store.listAudit(parseOrThrow(AuditListQuerySchema, event.queryStringParameters ?? {})),
  );
}

export const handler = lambdaEntry(createAuditHandler);
