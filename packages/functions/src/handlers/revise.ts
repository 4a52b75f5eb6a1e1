import { parseOrThrow, ReviseRequestSchema, type ReviewResponse } from '@sentiment/core';
import { jsonHandler, type LambdaHandler } from '../lambda/edge.ts';
import { verifiedReview } from '../review/verify.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/**
 * `POST /api/revise` — body {@link ReviseRequestSchema} (any final `label`); answers 200
 * `{"review": StoredReview}`, `action` `revised` when `label` ≠ `predictedLabel`, else `approved`.
 * Errors: 400 `invalid_field` / `malformed_json`, 400 `invalid_prediction_token` (see `verifiedReview`), 409 `conflict`, 413, 415.
 */
export function createReviseHandler(deps: HandlerDeps): LambdaHandler {
  return jsonHandler(deps.logger, async (body): Promise<ReviewResponse> => ({
    review: await deps.store.saveReview(verifiedReview(parseOrThrow(ReviseRequestSchema, body), deps)),
  }));
}

export const handler = lambdaEntry(createReviseHandler);
