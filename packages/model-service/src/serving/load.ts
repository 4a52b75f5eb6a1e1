import { LABELS } from '@sentiment/core';
import { loadOnnxPredictor } from './onnx-predictor.ts';
import type { Predictor } from './predictor.ts';

/**
 * Loads a version folder for serving: {@link loadOnnxPredictor} (files, graph inputs, reference
 * probabilities) and then checks that its outputs are exactly the seven labels. Used at start and
 * for every hot switch, so a version that would fail at start also fails a switch.
 * @throws when loading fails or the labels differ (the session is released first).
 */
export async function loadServingPredictor(modelDir: string, options: { threads: number }): Promise<Predictor> {
  const predictor = await loadOnnxPredictor(modelDir, { threads: options.threads });
  const outputs = [...predictor.labels].sort().join(',');
  if (outputs !== [...LABELS].sort().join(',')) {
    await predictor.close();
    throw new Error(`model labels ${predictor.labels.join(',')} are not the seven labels ${LABELS.join(',')}`);
  }
  return predictor;
}
