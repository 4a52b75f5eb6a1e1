/**
 * The files of one model version, `models/<version>/`: `model.onnx` (the graph), `tokenizer.json`
 * ({@link TokenizerConfig}: vocabularies, idf, block scales) and `model.json` ({@link ModelInfo}).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LabelSchema } from '@sentiment/core';
import type { TokenizerConfig } from '../features/features.ts';

export const MODEL_FILES = {
  onnx: 'model.onnx',
  tokenizer: 'tokenizer.json',
  info: 'model.json',
} as const;

/** File in `models/` that names the version served by default. */
export const CURRENT_FILE = 'CURRENT';

/** Names of the ONNX graph's inputs and output (see `training/onnx-export.ts`). */
export const ONNX_IO = {
  ids: 'featureIds',
  weights: 'featureWeights',
  probabilities: 'probabilities',
  logits: 'logits',
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
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

/** Reads and validates `model.json` and `tokenizer.json` of a model directory. */
export async function readModelFiles(modelDir: string): Promise<{ info: ModelInfo; tokenizer: TokenizerConfig }> {
  const info = ModelInfoSchema.parse(JSON.parse(await readFile(path.join(modelDir, MODEL_FILES.info), 'utf8')));
  const tokenizer = JSON.parse(await readFile(path.join(modelDir, MODEL_FILES.tokenizer), 'utf8')) as TokenizerConfig;
  if (tokenizer.format !== 1) throw new Error(`${modelDir}: unsupported tokenizer.json format ${String(tokenizer.format)}`);
  return { info, tokenizer };
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
