import path from 'node:path';
import ort from 'onnxruntime-node';
import type { Label, Probabilities } from '@sentiment/core';
import { MODEL_FILES, ONNX_IO, readModelFiles } from './artifacts.ts';
import { Featurizer, packBatch } from '../features/features.ts';
import type { Predictor } from './predictor.ts';

/** Options of {@link loadOnnxPredictor}. */
export interface OnnxPredictorOptions {
  /** ONNX Runtime intra-op threads (from configuration, never the host's core count). */
  threads: number;
}

/**
 * Loads `models/<version>/` (`model.onnx`, `tokenizer.json`, `model.json`) and creates the one
 * ONNX Runtime session of the process (`intraOpNumThreads: threads`, `interOpNumThreads: 1`).
 *
 * `predict(texts)` featurises the (already normalised) texts, runs them as one batch and returns
 * one {@link Probabilities} per text in input order, keyed by label. `describe()` is `model.json`
 * (it holds no vocabulary or weights; those are in `tokenizer.json` and `model.onnx`).
 *
 * @throws when a file is missing or invalid, or the graph does not have the expected inputs.
 */
export async function loadOnnxPredictor(modelDir: string, options: OnnxPredictorOptions): Promise<Predictor> {
  const { info, tokenizer } = await readModelFiles(modelDir);
  const featurizer = new Featurizer(tokenizer);
  const session = await ort.InferenceSession.create(path.join(modelDir, MODEL_FILES.onnx), {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  for (const name of [ONNX_IO.ids, ONNX_IO.weights]) {
    if (!session.inputNames.includes(name)) {
      await session.release();
      throw new Error(`${modelDir}/${MODEL_FILES.onnx} has no input ${name}`);
    }
  }
  const labels: readonly Label[] = info.labels;
  const description: Record<string, unknown> = { ...info };

  return {
    modelVersion: info.version,
    labels,
    async predict(texts: readonly string[]): Promise<Probabilities[]> {
      if (texts.length === 0) return [];
      const batch = packBatch(texts.map((text) => featurizer.features(text)));
      const dims = [texts.length, batch.width];
      const output = await session.run({
        [ONNX_IO.ids]: new ort.Tensor('int64', batch.ids, dims),
        [ONNX_IO.weights]: new ort.Tensor('float32', batch.weights, dims),
      });
      const probs = output[ONNX_IO.probabilities]?.data as Float32Array | undefined;
      if (!probs || probs.length !== texts.length * labels.length) {
        throw new Error(`model returned ${probs?.length ?? 0} values for ${texts.length} texts`);
      }
      return texts.map((_, r) => {
        const result = {} as Record<Label, number>;
        labels.forEach((label, c) => {
          result[label] = probs[r * labels.length + c] ?? 0;
        });
        return result as Probabilities;
      });
    },
    describe: () => structuredClone(description),
    close: () => session.release(),
  };
}
