import { z } from 'zod';

/**
 * The seven ISEAR emotions in the original app's display order.
 * Source: ISEAR (Scherer & Wallbott 1994); the order is the original UI's, not the model's output
 * order (each model lists its own output order in `model.json`).
 */
export const LABELS = ['fear', 'guilt', 'joy', 'anger', 'disgust', 'sadness', 'shame'] as const;

export const LabelSchema = z.enum(LABELS);
export type Label = z.infer<typeof LabelSchema>;

/** True when `value` is one of {@link LABELS}. */
export function isLabel(value: unknown): value is Label {
  return typeof value === 'string' && (LABELS as readonly string[]).includes(value);
}

/** Largest allowed |sum of probabilities - 1|; float32 softmax output over 7 classes stays far inside it. */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/**
 * One probability per label, each in [0, 1], summing to 1 within {@link PROBABILITY_SUM_TOLERANCE}.
 * Unknown keys are rejected so a typo never goes unnoticed.
 */
export const ProbabilitiesSchema = z
  .strictObject({
    fear: z.number().min(0).max(1),
    guilt: z.number().min(0).max(1),
    joy: z.number().min(0).max(1),
    anger: z.number().min(0).max(1),
    disgust: z.number().min(0).max(1),
    sadness: z.number().min(0).max(1),
    shame: z.number().min(0).max(1),
  })
  .refine((p) => Math.abs(LABELS.reduce((sum, label) => sum + p[label], 0) - 1) <= PROBABILITY_SUM_TOLERANCE, {
    message: `probabilities must sum to 1 (±${PROBABILITY_SUM_TOLERANCE})`,
  });
export type Probabilities = z.infer<typeof ProbabilitiesSchema>;
