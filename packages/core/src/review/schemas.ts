import { z } from 'zod';
import { LABELS, LabelSchema, ProbabilitiesSchema, type Label, type Probabilities } from '../labels/labels.ts';
import { TextSchema } from '../text/schema.ts';
import { checkStorableNumbers } from './number-range.ts';

/** A model version name: the folder name under `packages/model-service/models/`. */
export const ModelVersionSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'modelVersion may hold letters, digits, ".", "_" and "-"');

export const PredictionIdSchema = z.uuid();

/**
 * The model service's signature over a prediction (see `@sentiment/core/trust`): a review must send
 * back the token of the prediction it reviews. Its format is checked where it is verified.
 */
export const PredictionTokenSchema = z.string().min(1).max(200);

/** `POST /model/predict` body. */
export const PredictRequestSchema = z.strictObject({ text: TextSchema });
export type PredictRequest = z.input<typeof PredictRequestSchema>;

/** Largest `texts` array accepted by `POST /model/batch-predict`. */
export const MAX_BATCH_TEXTS = 256;

/** `POST /model/batch-predict` body: 1 to {@link MAX_BATCH_TEXTS} texts. */
export const BatchPredictRequestSchema = z.strictObject({
  texts: z.array(TextSchema).min(1).max(MAX_BATCH_TEXTS),
});
export type BatchPredictRequest = z.input<typeof BatchPredictRequestSchema>;

/** One prediction: the most probable label and all seven probabilities, signed by `predictionToken`. */
export const PredictionSchema = z.strictObject({
  predictionId: PredictionIdSchema,
  label: LabelSchema,
  probabilities: ProbabilitiesSchema,
  modelVersion: ModelVersionSchema,
  predictionToken: PredictionTokenSchema,
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** `POST /model/predict` response. */
export const PredictResponseSchema = PredictionSchema;
export type PredictResponse = Prediction;

/** `POST /model/batch-predict` response: predictions in input order. */
export const BatchPredictResponseSchema = z.strictObject({ predictions: z.array(PredictionSchema) });
export type BatchPredictResponse = z.infer<typeof BatchPredictResponseSchema>;

const reviewFields = {
  predictionId: PredictionIdSchema,
  text: TextSchema,
  predictedLabel: LabelSchema,
  label: LabelSchema,
  modelVersion: ModelVersionSchema,
  probabilities: ProbabilitiesSchema,
  predictionToken: PredictionTokenSchema,
};

/**
 * The model names the most probable label, so a review whose `predictedLabel` is not (one of) the
 * most probable is not a prediction the model made; ties within 1e-9 count as most probable.
 */
function predictedLabelIsMostProbable(review: { predictedLabel: Label; probabilities: Probabilities }): boolean {
  const top = Math.max(...LABELS.map((label) => review.probabilities[label]));
  return review.probabilities[review.predictedLabel] >= top - 1e-9;
}
const MOST_PROBABLE = {
  message: 'predictedLabel must be the label with the highest probability, as the model returned it',
  path: ['predictedLabel'],
};

/**
 * `POST /api/approve` body: the person accepts the prediction, so `label` must equal
 * `predictedLabel`. Every number must fit the store's range (`isStorableNumber`), as for revise.
 */
export const ApproveRequestSchema = z
  .strictObject(reviewFields)
  .superRefine(checkStorableNumbers)
  .refine(predictedLabelIsMostProbable, MOST_PROBABLE)
  .refine((r) => r.label === r.predictedLabel, {
    message: 'label must equal predictedLabel when approving; use /api/revise to pick another label',
    path: ['label'],
  });
export type ApproveRequest = z.input<typeof ApproveRequestSchema>;

/** `POST /api/revise` body: the person picks the final `label` (any of the seven). */
export const ReviseRequestSchema = z.strictObject(reviewFields).superRefine(checkStorableNumbers).refine(predictedLabelIsMostProbable, MOST_PROBABLE);
export type ReviseRequest = z.input<typeof ReviseRequestSchema>;

/** A review after parsing: text normalised, every field checked. */
export type ReviewInput = z.output<typeof ReviseRequestSchema>;

export const ReviewActionSchema = z.enum(['approved', 'revised']);
export type ReviewAction = z.infer<typeof ReviewActionSchema>;

/**
 * The stored review (one DynamoDB item per prediction, `id` = predictionId).
 * `createdAt` is when it was first stored; `updatedAt` when its label or action last changed
 * (ISO 8601 UTC, millisecond precision).
 */
export const StoredReviewSchema = z.strictObject({
  id: PredictionIdSchema,
  text: z.string(),
  predictedLabel: LabelSchema,
  label: LabelSchema,
  action: ReviewActionSchema,
  modelVersion: ModelVersionSchema,
  probabilities: ProbabilitiesSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type StoredReview = z.infer<typeof StoredReviewSchema>;

/** `POST /api/approve` and `/api/revise` response: the review as stored. */
export const ReviewResponseSchema = z.strictObject({ review: StoredReviewSchema });
export type ReviewResponse = z.infer<typeof ReviewResponseSchema>;
