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

/**
 * `POST /model/predict` body. `explain: true` asks for {@link PredictionSchema}'s `explanation`
 * (the words that pushed the prediction towards its label and away from it).
 */
export const PredictRequestSchema = z.strictObject({ text: TextSchema, explain: z.boolean().optional() });
export type PredictRequest = z.input<typeof PredictRequestSchema>;

/** Largest `texts` array accepted by `POST /model/batch-predict`. */
export const MAX_BATCH_TEXTS = 256;

/** `POST /model/batch-predict` body: 1 to {@link MAX_BATCH_TEXTS} texts. */
export const BatchPredictRequestSchema = z.strictObject({
  texts: z.array(TextSchema).min(1).max(MAX_BATCH_TEXTS),
});
export type BatchPredictRequest = z.input<typeof BatchPredictRequestSchema>;

/**
 * How sure the model is: `low` when the top probability is under the threshold chosen from the
 * calibration of the served model version, or when the text has no feature the model knows.
 */
export const ConfidenceSchema = z.enum(['high', 'low']);
export type Confidence = z.infer<typeof ConfidenceSchema>;

/**
 * Why the model chose its label: words or phrases of the sentence with their share of the predicted
 * label's logit (positive pushed towards it, negative away from it), largest |weight| first. A model
 * with a sentence encoder adds one entry `sentence: true` whose `text` is the whole sentence: the
 * share of the encoder's sentence vector, which no single word owns.
 */
export const ExplanationSchema = z.array(
  z.strictObject({
    text: z.string(),
    weight: z.number(),
    sentence: z.literal(true).optional().describe('true on the one entry that is the sentence encoder share of the whole sentence, not a word'),
  }),
);
export type Explanation = z.infer<typeof ExplanationSchema>;

/**
 * The shadow (challenger) version's answer to the same sentence, when the service runs one: it is
 * signed with the prediction and stored with the review, but never shown to the person.
 */
export const ShadowPredictionSchema = z.strictObject({
  modelVersion: ModelVersionSchema,
  label: LabelSchema,
  probabilities: ProbabilitiesSchema,
});
export type ShadowPrediction = z.infer<typeof ShadowPredictionSchema>;

/**
 * One prediction: the most probable label and all seven probabilities, signed by `predictionToken`.
 * - `confidence`: always present; see {@link ConfidenceSchema}.
 * - `explanation`: only when the request asked for it (`explain: true`).
 * - `blind: true`: this prediction was drawn for the blind audit (`BLIND_AUDIT_RATE`): the page asks the
 *   person for the emotion before it reveals the model's answer. Signed, so it cannot be added or removed.
 * - `shadow`: the shadow version's answer (signed; see {@link ShadowPredictionSchema}).
 */
export const PredictionSchema = z.strictObject({
  predictionId: PredictionIdSchema,
  label: LabelSchema,
  probabilities: ProbabilitiesSchema,
  modelVersion: ModelVersionSchema,
  predictionToken: PredictionTokenSchema,
  confidence: ConfidenceSchema,
  explanation: ExplanationSchema.optional(),
  blind: z.boolean().optional(),
  shadow: ShadowPredictionSchema.optional(),
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
  /** The prediction's `blind` flag, sent back unchanged (the token covers it). */
  blind: z.boolean().optional(),
  /** The prediction's `shadow`, sent back unchanged (the token covers it). */
  shadow: ShadowPredictionSchema.optional(),
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

/**
 * How the stored label came about: `approved` (the person kept the model's label), `revised` (the
 * person picked another), `blind` (the person picked before seeing the model's answer: the blind audit),
 * `corrected` (an operator set the label afterwards).
 */
export const ReviewActionSchema = z.enum(['approved', 'revised', 'blind', 'corrected']);
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
  /** True when the person labelled it blind (kept after an operator's correction). */
  blind: z.boolean().optional(),
  /** The shadow version's answer to the same sentence, when one ran. */
  shadow: ShadowPredictionSchema.optional(),
  /** Who corrected the label (the operator's id) and when; only after a correction. */
  correctedBy: z.string().optional(),
  correctedAt: z.iso.datetime().optional(),
});
export type StoredReview = z.infer<typeof StoredReviewSchema>;

/** `POST /api/approve` and `/api/revise` response: the review as stored. */
export const ReviewResponseSchema = z.strictObject({ review: StoredReviewSchema });
export type ReviewResponse = z.infer<typeof ReviewResponseSchema>;
