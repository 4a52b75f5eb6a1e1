import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { Explanation, Label, Probabilities } from '@sentiment/core';
import { Featurizer, packBatch, type SparseFeatures } from '../features/featurizer.ts';
import { ENCODER_DIM, loadSentenceEncoder, type SentenceEncoder } from '../encoder/encoder.ts';
import { MODEL_FILES, ONNX_IO, readModelFiles, type ModelInfo, type ReferencePrediction } from './artifacts.ts';
import { createExplainer, type Explainer } from './explain.ts';
import { readLinearWeights } from './onnx-weights.ts';
import type { Predictor, ScoredText } from './predictor.ts';

/** Options of {@link loadOnnxPredictor}. */
export interface OnnxPredictorOptions {
  /** ONNX Runtime intra-op threads (from configuration, never the host's core count). */
  threads: number;
  /**
   * Largest |difference| allowed between a `model.json` reference probability and what this
   * process computes for the same text (default {@link REFERENCE_TOLERANCE}); `Infinity` skips
   * the check.
   */
  referenceTolerance?: number;
}

/**
 * Default start-up tolerance for reference probabilities. Float32 sums over a few hundred
 * features move by ~1e-7 between CPUs; any change in tokens or features moves them by far more.
 */
export const REFERENCE_TOLERANCE = 1e-5;

/** Resolves after the requests already waiting have had their turn (a `setImmediate` tick). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Largest |difference| between the references' probabilities and `predictor`'s for the same
 * texts, with the text where it occurs (0 and undefined for an empty list).
 */
export async function referenceDifference(
  predictor: Pick<Predictor, 'predict' | 'labels'>,
  references: readonly ReferencePrediction[],
): Promise<{ max: number; text: string | undefined }> {
  if (references.length === 0) return { max: 0, text: undefined };
  const results = await predictor.predict(references.map((r) => r.text));
  let max = 0;
  let text: string | undefined;
  references.forEach((reference, i) => {
    for (const label of predictor.labels) {
      const diff = Math.abs(reference.probabilities[label] - (results[i]?.[label] ?? Number.NaN));
      if (!(diff <= max)) {
        max = diff;
        text = reference.text;
      }
    }
  });
  return { max, text };
}

/**
 * The sentence encoder a joint model names in `model.json` `encoder`, built from the installed
 * weights package; refuses weights whose sha256 differ from those the model was trained with.
 */
async function loadModelEncoder(modelDir: string, info: ModelInfo, threads: number): Promise<SentenceEncoder> {
  if (!info.encoder) throw new Error(`${modelDir}/${MODEL_FILES.onnx} takes ${ONNX_IO.encoderVector} but ${MODEL_FILES.info} names no encoder`);
  const encoder = await loadSentenceEncoder({ threads, quantize: info.encoder.quantize });
  const { id, files } = encoder.reference;
  const mismatch = [...new Set([...Object.keys(files), ...Object.keys(info.encoder.files)])].filter((f) => files[f] !== info.encoder!.files[f]);
  if (id !== info.encoder.id || mismatch.length > 0) {
    await encoder.close();
    throw new Error(
      `${modelDir}: the installed encoder ${id} differs from the one the model was trained with (${info.encoder.id}; files ${mismatch.join(', ') || 'none'})`,
    );
  }
  return encoder;
}

/**
 * Below this share of known words (`Featurizer.knownWordShare`) an answer is `low` confidence
 * whatever its probability: the sentence encoder gives text in another language a confident-looking
 * vector (isear-v5 answered a Finnish sentence with 0.64). Of ISEAR `train.csv`'s 6,315 texts one is
 * below 0.6 (the lowest is 0.50, the 1st percentile 0.91); German, French, Spanish, Italian and
 * Finnish test sentences are at 0.14–0.50 (`explain.test.ts`).
 */
export const MIN_KNOWN_WORD_SHARE = 0.6;

/**
 * Loads `models/<version>/` (`model.onnx`, `tokenizer.json`, `model.json`) and creates the one
 * ONNX Runtime session of the process (`intraOpNumThreads: threads`, `interOpNumThreads: 1`).
 * When `model.json` carries `referencePredictions`, they are recomputed and must match within
 * `referenceTolerance`, so code that would change a committed model's answers fails at start.
 *
 * A joint model (graph input `encoderVector`, `model.json` `encoder`) also gets the sentence
 * encoder, built from the pinned weights package (about 1 s) and run before the classifier.
 *
 * `predict(texts)` featurises the (already normalised) texts, runs them as one batch and returns
 * one {@link Probabilities} per text in input order, keyed by label; `score(texts)` adds each
 * answer's confidence (`low` below `model.json` `lowConfidence.threshold`, 0 when absent, when
 * no feature of the text is known, or when under {@link MIN_KNOWN_WORD_SHARE} of its words are known). `explain(text, label)` reads the weight table out of
 * `model.onnx` once at load (~2.2 MB for isear-v3) and computes the words' shares in TypeScript, off
 * the plain predict path; a joint model adds the encoder block's share (`encoderLogits`, one more run
 * of the graph for that text) as one whole-sentence entry. `describe()` is `model.json` (it holds no vocabulary or weights; those
 * are in `tokenizer.json` and `model.onnx`).
 *
 * @throws when a file is missing or invalid, the graph does not have the expected inputs, or the
 *   reference probabilities do not match.
 */
export async function loadOnnxPredictor(modelDir: string, options: OnnxPredictorOptions): Promise<Predictor> {
  const { info, tokenizer } = await readModelFiles(modelDir);
  // Each step below blocks the event loop for up to a few hundred ms; yielding between them lets a
  // service that loads a version while serving (a hot switch) answer requests in the gaps.
  await yieldToEventLoop();
  const featurizer = new Featurizer(tokenizer);
  await yieldToEventLoop();
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
  const K = labels.length;
  const description: Record<string, unknown> = { ...info };
  const threshold = info.lowConfidence?.threshold ?? 0;
  let encoder: SentenceEncoder | undefined;
  let explainer: Explainer | undefined;
  try {
    encoder = session.inputNames.includes(ONNX_IO.encoderVector) ? await loadModelEncoder(modelDir, info, options.threads) : undefined;
    // The bag's weight table and bias explain the words exactly; a joint model adds its encoder block's
    // share of the logit (the graph's `encoderLogits` output) as one whole-sentence entry.
    explainer = createExplainer(featurizer, readLinearWeights(await readFile(path.join(modelDir, MODEL_FILES.onnx))), labels);
  } catch (error) {
    await session.release();
    throw error;
  }

  // One batch: `outputName`'s values and, per text, its features (how many the model knows, the share of known words).
  const run = async (texts: readonly string[], outputName: string): Promise<{ results: Record<Label, number>[]; rows: SparseFeatures[] }> => {
    if (texts.length === 0) return { results: [], rows: [] };
    const rows = texts.map((text) => featurizer.features(text));
    const batch = packBatch(rows);
    const dims = [texts.length, batch.width];
    const feeds: Record<string, ort.Tensor> = {
      [ONNX_IO.ids]: new ort.Tensor('int64', batch.ids, dims),
      [ONNX_IO.weights]: new ort.Tensor('float32', batch.weights, dims),
    };
    if (encoder) feeds[ONNX_IO.encoderVector] = new ort.Tensor('float32', await encoder.encode(texts), [texts.length, ENCODER_DIM]);
    // Only the output asked for: a joint model's other output is neither computed to the end nor copied out.
    const output = await session.run(feeds, [outputName]);
    const values = output[outputName]?.data as Float32Array | undefined;
    if (!values || values.length !== texts.length * K) {
      throw new Error(`model returned ${values?.length ?? 0} values for ${texts.length} texts`);
    }
    const results = new Array<Record<Label, number>>(texts.length);
    for (let r = 0; r < texts.length; r++) {
      const result = {} as Record<Label, number>;
      for (let c = 0; c < K; c++) result[labels[c]!] = values[r * K + c]!;
      results[r] = result;
    }
    return { results, rows };
  };

  const predictor: Predictor = {
    modelVersion: info.version,
    labels,
    predict: async (texts: readonly string[]): Promise<Probabilities[]> => (await run(texts, ONNX_IO.probabilities)).results,
    async score(texts: readonly string[]): Promise<ScoredText[]> {
      const { results, rows } = await run(texts, ONNX_IO.probabilities);
      return results.map((probabilities, i) => {
        let top = 0;
        for (const label of labels) top = Math.max(top, probabilities[label]);
        const row = rows[i]!;
        const unknown = row.ids.length === 0 || row.knownWordShare < MIN_KNOWN_WORD_SHARE;
        return { probabilities, confidence: unknown || top < threshold ? 'low' : 'high' };
      });
    },
    explain: encoder
      ? async (text: string, label: Label) => {
          const words = explainer(text, label).explanation;
          const [share] = (await run([text], ONNX_IO.encoderLogits)).results;
          return withSentenceShare(words, text, share![label]);
        }
      : (text: string, label: Label) => explainer(text, label).explanation,
    ...(encoder ? { encoderLogits: async (texts: readonly string[]) => (await run(texts, ONNX_IO.encoderLogits)).results } : {}),
    describe: () => structuredClone(description),
    close: async () => {
      await session.release();
      await encoder?.close();
    },
  };

  const tolerance = options.referenceTolerance ?? REFERENCE_TOLERANCE;
  if (info.referencePredictions && tolerance !== Infinity) {
    const { max, text } = await referenceDifference(predictor, info.referencePredictions);
    if (!(max <= tolerance)) {
      await predictor.close();
      throw new Error(
        `${modelDir}: probabilities differ from model.json referencePredictions by ${max.toExponential(2)} ` +
          `(allowed ${tolerance}) on ${JSON.stringify(text)}; the feature code or runtime no longer reproduces this model`,
      );
    }
  }
  return predictor;
}

/** The words' explanation plus the whole-sentence entry of a joint model, largest |weight| first. */
export function withSentenceShare(words: Explanation, text: string, weight: number): Explanation {
  if (weight === 0) return words;
  return [...words, { text, weight, sentence: true as const }].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
}
