import type { ReviewInput } from '@sentiment/core';
import { verifyPredictionToken } from '@sentiment/core/trust';

/** What verifying a review needs. */
export interface ReviewTrust {
  /** HMAC secret shared with the model service. */
  predictionSecret: string;
  /** How long after the prediction it may be reviewed, in ms (default 24 h). */
  predictionTokenMaxAgeMs?: number | undefined;
  now?: (() => Date) | undefined;
}

/**
 * Returns `review` when its `predictionToken` is the model service's signature over exactly this
 * prediction (id, normalised text, predicted label, probabilities, model version, blind flag, shadow answer) and is not expired.
 * @throws {ClientError} `invalid_prediction_token` (400) otherwise; the caller stores nothing.
 */
export function verifiedReview<R extends ReviewInput>(review: R, trust: ReviewTrust): R {
  verifyPredictionToken(
    review.predictionToken,
    {
      predictionId: review.predictionId,
      text: review.text,
      label: review.predictedLabel,
      probabilities: review.probabilities,
      modelVersion: review.modelVersion,
      blind: review.blind,
      shadow: review.shadow,
    },
    trust.predictionSecret,
    { now: (trust.now ?? (() => new Date()))(), maxAgeMs: trust.predictionTokenMaxAgeMs },
  );
  return review;
}
