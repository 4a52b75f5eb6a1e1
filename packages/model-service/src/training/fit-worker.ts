/**
 * Worker side of {@link FitPool}: runs one {@link trainModel} per message and posts back the
 * out-of-fold probabilities and/or the model. Started by `fit-pool.ts` only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gloveFromSlice, type FromWorker, type GloveSlice, type ToWorker } from './fit-pool.ts';
import { predictTrained, trainModel } from './pipeline.ts';

const port = parentPort;
if (!port) throw new Error('fit-worker.ts runs only as a worker thread (see fit-pool.ts)');
const { glove: slice } = workerData as { glove: GloveSlice | undefined };
const glove = slice ? gloveFromSlice(slice) : undefined;

port.on('message', ({ id, request }: ToWorker) => {
  try {
    const { texts, labels, options, predict, keepModel } = request;
    const trained = trainModel(texts, labels, options, glove, (iteration, objective) =>
      port.postMessage({ id, type: 'progress', iteration, objective } satisfies FromWorker),
    );
    const probabilities = predict ? predictTrained(trained, predict) : undefined;
    const message: FromWorker = {
      id,
      type: 'done',
      ...(probabilities ? { probabilities } : {}),
      ...(keepModel ? { trained: { config: trained.featurizer.config, model: trained.model, wordVectors: trained.wordVectors } } : {}),
    };
    port.postMessage(message);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ id, type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) } satisfies FromWorker);
  }
});
