/**
 * Pure helpers of the review step: the body sent to `/api/approve` and `/api/revise`, and the
 * words shown when a request fails.
 */
import type { Label, Prediction, ReviseRequest } from '@sentiment/core';
import { ApiError } from './api.ts';

/** A prediction together with the exact (normalised) text it was made for. */
export interface PredictedText {
  text: string;
  prediction: Prediction;
}

/**
 * The review body for `label`: the prediction as the model returned it and the text it was made
 * for. With `label` = `prediction.label` it is also a valid approve body.
 */
export function reviewOf({ text, prediction }: PredictedText, label: Label): ReviseRequest {
  return {
    predictionId: prediction.predictionId,
    text,
    predictedLabel: prediction.label,
    label,
    modelVersion: prediction.modelVersion,
    probabilities: prediction.probabilities,
    // The model service's signature: the review functions store only predictions it really made.
    predictionToken: prediction.predictionToken,
    // Signed with the prediction (token v2): sent back exactly as the model service gave them.
    ...(prediction.blind === undefined ? {} : { blind: prediction.blind }),
    ...(prediction.shadow === undefined ? {} : { shadow: prediction.shadow }),
  };
}

/** The message of a failed request, in words, never empty: the API's own words, or a generic one for a bug. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong on this page. Please try again.';
}
