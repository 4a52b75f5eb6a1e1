/**
 * The files of one model version, `models/<version>/`: `model.onnx` (the graph), `tokenizer.json`
 * ({@link TokenizerConfig}: text settings, vocabularies, idf, block scales) and `model.json`
 * ({@link ModelInfo}).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LabelSchema } from '@sentiment/core';
import { TokenizerConfigSchema, type TokenizerConfig } from '../features/featurizer.ts';

export const MODEL_FILES = {
  onnx: 'model.onnx',
  tokenizer: 'tokenizer.json',
  info: 'model.json',
} as const;

/** File in `models/` that names the version served by default. */
export const CURRENT_FILE = 'CURRENT';

/** File in `models/` naming the shadow (challenger) version, one line; absent or empty: no shadow. */
export const SHADOW_FILE = 'SHADOW';

/** Names of the ONNX graph's inputs and output (see `training/onnx-export.ts`). */
export const ONNX_IO = {
  ids: 'featureIds',
  weights: 'featureWeights',
  probabilities: 'probabilities',
  logits: 'logits',
  /** Joint models (isear-v4 on): the sentence encoder's vector [batch, 512] in, and its share of the logits [batch, 7] out. */
  encoderVector: 'encoderVector',
  encoderLogits: 'encoderLogits',
} as const;

const LabelMetricsSchema = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
});

/** Metrics as stored in `model.json` (see `metrics.ts`). */
export const MetricsSchema = z.object({
  count: z.number(),
  accuracy: z.number(),
  macroF1: z.number(),
  perLabel: z.record(z.string(), LabelMetricsSchema),
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number())) }),
});

/**
 * A sentence and the probabilities the model gave it through the serving path when the version
 * was written: a later change to the feature code or the runtime that moves them is caught by
 * `loadOnnxPredictor`'s start-up check and the shipped-model test.
 */
export const ReferencePredictionSchema = z.strictObject({
  /** As given to `predict` (already normalised). */
  text: z.string(),
  probabilities: z.record(LabelSchema, z.number()),
});
export type ReferencePrediction = z.infer<typeof ReferencePredictionSchema>;

/**
 * The sentence encoder a joint model was trained with (`model.json` `encoder`): its id, the int8 or
 * float32 graph, the sha256 of every weight file, and the block weight (already folded into the
 * graph; recorded for reading). Serving refuses to start when the installed weights differ.
 */
export const EncoderInfoSchema = z.looseObject({
  id: z.string(),
  quantize: z.enum(['none', 'int8']),
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  blockWeight: z.number(),
});
export type EncoderInfo = z.infer<typeof EncoderInfoSchema>;

/**
 * `model.json`. Required fields are what serving relies on; the rest (hyper-parameters, data
 * hashes, candidates) is kept as written so `GET /model` shows it.
 */
export const ModelInfoSchema = z.looseObject({
  version: z.string().min(1),
  createdAt: z.string(),
  /** Labels in the order of the graph's output columns. */
  labels: z.array(LabelSchema).length(7),
  evaluation: z.looseObject({
    method: z.string(),
    metrics: MetricsSchema,
  }),
  /** Written by training since format 2 of `tokenizer.json`; absent in older versions. */
  referencePredictions: z.array(ReferencePredictionSchema).optional(),
  /**
   * The low-confidence threshold chosen from the calibrated out-of-fold predictions
   * (`training/calibration.ts` `chooseLowConfidenceThreshold`); absent in versions trained before it.
   */
  lowConfidence: z.looseObject({ threshold: z.number().min(0).max(1), rule: z.string() }).optional(),
  /** Joint models only (graph input `encoderVector`). */
  encoder: EncoderInfoSchema.optional(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

/**
 * Reads and validates `model.json` and `tokenizer.json` of a model directory.
 * @throws when a file is missing, is not JSON, or does not match its schema (the message names
 *   the file and each problem); a format 1 `tokenizer.json` (no text settings) is refused.
 */
export async function readModelFiles(modelDir: string): Promise<{ info: ModelInfo; tokenizer: TokenizerConfig }> {
  const read = async <T>(file: string, schema: z.ZodType<T>): Promise<T> => {
    const where = path.join(modelDir, file);
    const json: unknown = JSON.parse(await readFile(where, 'utf8'));
    // Parsing and validating a large tokenizer.json each block the event loop; a tick between them keeps a hot switch's pauses shorter.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const result = schema.safeParse(json);
    if (!result.success) throw new Error(`${where} is not valid:\n${z.prettifyError(result.error)}`);
    return result.data;
  };
  return { info: await read(MODEL_FILES.info, ModelInfoSchema), tokenizer: await read(MODEL_FILES.tokenizer, TokenizerConfigSchema) };
}

/**
 * The directory of the version named in `<modelsDir>/CURRENT` (one line, the folder name).
 * @throws when CURRENT is missing or names something that is not a plain folder name.
 */
export async function currentModelDir(modelsDir: string): Promise<string> {
  const name = (await readFile(path.join(modelsDir, CURRENT_FILE), 'utf8')).trim();
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new Error(`${path.join(modelsDir, CURRENT_FILE)} must hold a version folder name, got ${JSON.stringify(name)}`);
  }
  return path.join(modelsDir, name);
}
