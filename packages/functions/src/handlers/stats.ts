import { parseOrThrow, StatsQuerySchema, type StatsResponse } from '@sentiment/core';
import type { LambdaHandler } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';
import { operatorJsonHandler } from './operator-route.ts';

/**
 * `GET /api/stats?modelVersion=&from=&to=` — the model measured on live feedback (see `StatsResponseSchema`):
 * counts by action, agreement, blind accuracy with its Wilson 95 % interval and n, per-label precision,
 * recall and F1, the 7×7 confusion matrix, label-gap and revision-pair alerts, shadow versions.
 * Exact: whole days come from the counters written in the same transaction as each review, the partial
 * days at the range's edges are recounted. Operators only: 401 `unauthorized`. Errors: 400 `invalid_field`.
 */
export function createStatsHandler(deps: HandlerDeps): LambdaHandler {
  return operatorJsonHandler(deps, (event): Promise<StatsResponse> =>
    deps.store.stats(parseOrThrow(StatsQuerySchema, event.queryStringParameters ?? {})),
  );
}

export const handler = lambdaEntry(createStatsHandler);
