/**
 * The blind audit on the public page (issue 8): when the model service drew a prediction for it
 * (`blind: true`, signed), the page asks for the emotion before it shows the model's answer, so the
 * stored label is not anchored on the prediction. Pure helpers of that flow.
 */
import type { StoredReview } from '@sentiment/core';
import type { PredictedText } from './review.ts';

/**
 * Where the flow stands for the prediction shown:
 * - `off`: not a blind prediction (the usual result card and review panels);
 * - `ask`: blind, not yet answered: the model's label and probabilities stay hidden;
 * - `revealed`: the person's label is stored; the model's answer is shown, nothing more can be sent.
 */
export type BlindPhase = 'off' | 'ask' | 'revealed';

/** The {@link BlindPhase} of `current`, given the review the store answered with (if any). */
export function blindPhase(current: PredictedText | undefined, saved: StoredReview | undefined): BlindPhase {
  if (current?.prediction.blind !== true) return 'off';
  return saved !== undefined && saved.id === current.prediction.predictionId ? 'revealed' : 'ask';
}

/** The reveal sentence: "You said sadness; the model said sadness too." / "…; the model said joy." */
export function revealMessage(saved: Pick<StoredReview, 'label' | 'predictedLabel'>): string {
  return saved.label === saved.predictedLabel
    ? `You said ${saved.label}; the model said ${saved.predictedLabel} too.`
    : `You said ${saved.label}; the model said ${saved.predictedLabel}.`;
}
