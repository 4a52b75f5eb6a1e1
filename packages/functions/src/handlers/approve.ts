import { ApproveRequestSchema, parseOrThrow, type ReviewResponse } from '@sentiment/core';
import { jsonHandler, type LambdaHandler } from '../lambda/edge.ts';
import { verifiedReview } from '../review/verify.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/**
 * `POST /api/approve` — body {@link ApproveRequestSchema} (`predictionId`, `text`, `predictedLabel`,
 * `label` = `predictedLabel`, `modelVersion`, `probabilities`); answers 200 `{"review": StoredReview}`
 * with `action: "approved"`. Errors: 400 `invalid_field` / `malformed_json`, 400 `invalid_prediction_token` (see `verifiedReview`), 409 `conflict`, 413, 415.
 */
export function createApproveHandler(deps: HandlerDeps): LambdaHandler {
  return jsonHandler(deps.logger, async (body): Promise<ReviewResponse> => ({
    review: await deps.store.saveReview(verifiedReview(parseOrThrow(ApproveRequestSchema, body), deps)),
  }));
}

export const handler = lambdaEntry(createApproveHandler);
