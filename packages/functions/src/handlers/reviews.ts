import { parseOrThrow, ReviewListQuerySchema, type ReviewListResponse } from '@sentiment/core';
import type { LambdaHandler } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';
import { operatorJsonHandler } from './operator-route.ts';

/**
 * `GET /api/reviews?limit=&cursor=&label=&predictedLabel=&action=&modelVersion=&from=&to=&q=&maxConfidence=`
 * — one page of stored reviews, newest first: 200 {@link ReviewListResponse} (`ReviewListQuerySchema`).
 * One DynamoDB Query of the `byTime` index (or `byVersion` with `modelVersion`); other filters are applied
 * by DynamoDB while it reads. Operators only: 401 `unauthorized`. Errors: 400 `invalid_field` (any bad or
 * unknown parameter, a malformed cursor or one of other filters).
 */
export function createReviewsHandler(deps: HandlerDeps): LambdaHandler {
  return operatorJsonHandler(deps, (event): Promise<ReviewListResponse> =>
    deps.store.listReviews(parseOrThrow(ReviewListQuerySchema, event.queryStringParameters ?? {})),
  );
}

export const handler = lambdaEntry(createReviewsHandler);
