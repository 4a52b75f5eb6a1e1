import {
  ClientError,
  parseOrThrow,
  PredictionIdSchema,
  ReviewCorrectionSchema,
  type ReviewDeletedResponse,
  type ReviewResponse,
} from '@sentiment/core';
import { readJsonEventBody } from '@sentiment/http/body';
import type { LambdaEvent, LambdaHandler } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';
import { operatorJsonHandler } from './operator-route.ts';

/** The `{id}` of the path, checked to be a prediction id. */
function reviewIdOf(event: LambdaEvent): string {
  const id = event.pathParameters?.id;
  const result = PredictionIdSchema.safeParse(id);
  if (!result.success)
    throw new ClientError('invalid_field', 'the review id in the path must be a UUID', [{ path: 'id', message: 'must be a UUID' }]);
  return result.data;
}

/**
 * `/api/reviews/{id}` — one stored review, for operators (401 `unauthorized` otherwise):
 * - `GET`: 200 `{"review"}`; 404 `not_found`.
 * - `PATCH {"label"}`: the operator's label: 200 `{"review"}` with `action: "corrected"`, `correctedBy`,
 *   `correctedAt`, `updatedAt`; the stats move and an audit record is written in the same transaction.
 *   The label already stored: 200 unchanged, nothing written (a double click is safe). 404 `not_found`.
 * - `DELETE`: 200 `{"deleted": {"id", "at"}}`: the review is gone from the list, the stats and every later
 *   export; the audit record keeps no text. 404 `not_found` when missing (also a retried delete).
 * Errors: 400 `invalid_field` (id not a UUID, bad label), `malformed_json`; 413; 415.
 */
export function createReviewHandler(deps: HandlerDeps): LambdaHandler {
  return operatorJsonHandler(deps, async (event, by): Promise<ReviewResponse | ReviewDeletedResponse> => {
    const id = reviewIdOf(event);
    switch (event.requestContext.http.method) {
      case 'PATCH': {
        const { label } = parseOrThrow(ReviewCorrectionSchema, readJsonEventBody(event));
        return { review: await deps.store.correctReview(id, label, by) };
      }
      case 'DELETE':
        return { deleted: await deps.store.deleteReview(id, by) };
      default: {
        const review = await deps.store.getReview(id);
        if (!review) throw new ClientError('not_found', `no review ${id}`);
        return { review };
      }
    }
  });
}

export const handler = lambdaEntry(createReviewHandler);
