import { parseOrThrow, ReviseRequestSchema, type ReviewResponse } from '@sentiment/core';
import { jsonHandler, type LambdaHandler } from '../lambda/edge.ts';
import { lambdaEntry, type HandlerDeps } from './deps.ts';

/**
 * `POST /api/revise` — body {@link ReviseRequestSchema} (any final `label`); answers 200
 * `{"review": StoredReview}`, `action` `revised` when `label` ≠ `predictedLabel`, else `approved`.
 * Errors: 400 `invalid_field` / `malformed_json`, 409 `conflict`, 413, 415.
 */
export function createReviseHandler(deps: HandlerDeps): LambdaHandler {
  return jsonHandler(deps.logger, async (body): Promise<ReviewResponse> => ({
    review: await deps.store.saveReview(parseOrThrow(ReviseRequestSchema, body)),
  }));
}

export const handler = lambdaEntry(createReviseHandler);
