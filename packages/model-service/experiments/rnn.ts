/**
 * The recurrent candidate for the model comparison (not shipped): a bidirectional GRU over the
 * GloVe 100d vectors of the tokens, trained with tfjs on the WebAssembly backend.
 *
 * The word vectors are fed as fixed inputs ([batch, seq, 100]) instead of a trainable embedding:
 * that keeps ~1M embedding weights out of a fit on ~5,000 sentences, and avoids the gradient of
 * a trainable embedding, which needs the `UnsortedSegmentSum` kernel tfjs-backend-wasm lacks.
 */
import type { Label } from '@sentiment/core';
import { LABELS } from '@sentiment/core';
import { createTokenizer } from '../src/features/tokenizer.ts';
import { DEFAULT_TEXT_SETTINGS } from '../src/training/fit-tokenizer.ts';
import type { Glove } from '../src/training/pipeline.ts';
import { labelIndexes } from '../src/training/pipeline.ts';

// The tokens the shipped recipe's tokenizer gives, so both candidates see the same words.
const tokenize = createTokenizer(DEFAULT_TEXT_SETTINGS);

/** Hyper-parameters of the BiGRU candidate. */
export interface RnnOptions {
  units: number;
  maxTokens: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  dropout: number;
  seed: number;
}

export const DEFAULT_RNN_OPTIONS: RnnOptions = {
  units: 64,
  maxTokens: 40,
  epochs: 6,
  batchSize: 32,
  learningRate: 0.003,
  dropout: 0.3,
  seed: 7,
};

type Tf = typeof import('@tensorflow/tfjs');

let tfReady: Promise<Tf> | undefined;

/** tfjs with the wasm backend (SIMD, single-threaded in Node), loaded once. */
async function loadTf(): Promise<Tf> {
  tfReady ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = new URL('.', import.meta.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')).pathname;
    wasm.setWasmPaths(dist);
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return tfReady;
}

/** [texts, maxTokens, dim] float32: the vector of each known token, zeros after the last (masked). */
function encode(texts: readonly string[], glove: Glove, maxTokens: number): Float32Array {
  const dim = glove.dim;
  const out = new Float32Array(texts.length * maxTokens * dim);
  texts.forEach((text, r) => {
    let t = 0;
    for (const token of tokenize(text)) {
      if (t >= maxTokens) break;
      const v = glove.vector(token);
      if (!v) continue;
      out.set(v, (r * maxTokens + t) * dim);
      t++;
    }
  });
  return out;
}

/**
 * Trains the BiGRU on the texts and returns a function giving probabilities [texts, 7] in
 * {@link LABELS} order.
 * @param onEpoch called after each epoch with (epoch, loss).
 */
export async function fitBiGru(
  texts: readonly string[],
  labels: readonly Label[],
  glove: Glove,
  options: RnnOptions,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<(texts: string[]) => Promise<Float64Array>> {
  const tf = await loadTf();
  const { maxTokens, units } = options;
  const dim = glove.dim;
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: options.seed + offset });
  const model = tf.sequential();
  // Zero vectors (padding after the tokens) are masked, so the GRUs stop at the last token.
  model.add(tf.layers.masking({ maskValue: 0, inputShape: [maxTokens, dim] }));
  model.add(
    tf.layers.bidirectional({
      layer: tf.layers.gru({
        units,
        recurrentActivation: 'sigmoid',
        kernelInitializer: init(1),
        recurrentInitializer: tf.initializers.orthogonal({ seed: options.seed + 2 }),
      }),
      mergeMode: 'concat',
    }),
  );
  model.add(tf.layers.dropout({ rate: options.dropout, seed: options.seed + 3 }));
  model.add(tf.layers.dense({ units: LABELS.length, activation: 'softmax', kernelInitializer: init(4) }));
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'sparseCategoricalCrossentropy' });

  const x = tf.tensor3d(encode(texts, glove, maxTokens), [texts.length, maxTokens, dim]);
  const y = tf.tensor1d(labelIndexes(labels), 'float32');
  try {
    await model.fit(x, y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: true,
      verbose: 0,
      callbacks: { onEpochEnd: (epoch, logs) => onEpoch?.(epoch + 1, Number(logs?.loss ?? NaN)) },
    });
  } finally {
    x.dispose();
    y.dispose();
  }
  return async (batch) => {
    const input = tf.tensor3d(encode(batch, glove, maxTokens), [batch.length, maxTokens, dim]);
    const output = model.predict(input) as import('@tensorflow/tfjs').Tensor;
    const values = Float64Array.from(await output.data());
    input.dispose();
    output.dispose();
    return values;
  };
}
