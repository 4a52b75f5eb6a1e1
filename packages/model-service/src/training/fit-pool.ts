/**
 * Parallel fits: the cross-validation fits and the final fit are independent of one another, so
 * `npm run train` runs them in `worker_threads`, one fit per worker at a time. Each worker runs the
 * same {@link trainModel} on the rows it is given (vocabulary, idf and weights fit on those rows
 * only), so a fit gives the same bits whichever worker runs it and however many run at once.
 *
 * GloVe is parsed once, in the main thread; workers get only the slice of it that fits on this
 * data can look up ({@link gloveSlice}), not the 307 MB file.
 */
import { Worker } from 'node:worker_threads';
import type { Label } from '@sentiment/core';
import { Featurizer, type TokenizerConfig } from '../features/featurizer.ts';
import type { Tokenize } from '../features/tokenizer.ts';
import type { LinearModel, WordVectors } from './linear.ts';
import { GLOVE_EXTRA_WORD, type Glove, type Trained, type TrainOptions } from './pipeline.ts';

/** The part of GloVe a set of texts can reach, in a form `postMessage` copies cheaply. */
export interface GloveSlice {
  dim: number;
  /** A subsequence of GloVe's words, in GloVe's frequency order. */
  words: string[];
  /** Row-major [words, dim]. */
  vectors: Float32Array;
}

/**
 * The GloVe words any fit on a subset of `texts` can look up through {@link gloveSubset}: every
 * token of `texts` that has a vector, plus GloVe's first `topWords + (those tokens)` words that
 * can be extras, all in GloVe's order. `gloveSubset(gloveFromSlice(slice), …)` therefore picks the
 * same words with the same vectors as `gloveSubset(glove, …)` for any subset of `texts`.
 */
export function gloveSlice(glove: Glove, texts: readonly string[], topWords: number, tokenize: Tokenize): GloveSlice {
  const known = new Set<string>();
  for (const text of texts) for (const token of tokenize(text)) if (glove.vector(token)) known.add(token);
  // Extras skip words a fit already chose (at most `known.size` of them), so this many suffice.
  let extrasLeft = topWords + known.size;
  const words: string[] = [];
  for (const word of glove.words) {
    if (known.has(word)) words.push(word);
    else if (extrasLeft > 0 && GLOVE_EXTRA_WORD.test(word)) {
      words.push(word);
      extrasLeft--;
    }
  }
  const vectors = new Float32Array(words.length * glove.dim);
  words.forEach((word, i) => vectors.set(glove.vector(word) ?? new Float32Array(glove.dim), i * glove.dim));
  return { dim: glove.dim, words, vectors };
}

/** A {@link Glove} over a {@link GloveSlice}. */
export function gloveFromSlice(slice: GloveSlice): Glove {
  const index = new Map(slice.words.map((word, i) => [word, i]));
  return {
    dim: slice.dim,
    words: slice.words,
    vector(word) {
      const i = index.get(word);
      return i === undefined ? undefined : slice.vectors.slice(i * slice.dim, (i + 1) * slice.dim);
    },
  };
}

/** One fit for a worker: train on `texts`/`labels`, then predict `predict` and/or return the model. */
export interface FitRequest {
  texts: string[];
  labels: Label[];
  options: TrainOptions;
  /** Texts to score with the fitted model (probabilities [texts, 7] come back). */
  predict?: string[];
  /** Send the fitted model back (the final fit; CV folds need only their probabilities). */
  keepModel: boolean;
}

/** What a worker sends back for a {@link FitRequest}. */
export interface FitResult {
  probabilities?: Float64Array;
  trained?: Trained;
}

/** Messages between the main thread and `fit-worker.ts`. */
export type ToWorker = { id: number; request: FitRequest };
export type FromWorker =
  | { id: number; type: 'progress'; iteration: number; objective: number }
  | { id: number; type: 'done'; probabilities?: Float64Array; trained?: { config: TokenizerConfig; model: LinearModel; wordVectors?: WordVectors } }
  | { id: number; type: 'failed'; message: string; stack?: string };

interface Job {
  id: number;
  request: FitRequest;
  onProgress: ((iteration: number, objective: number) => void) | undefined;
  onStart: (() => void) | undefined;
  resolve: (result: FitResult) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of fit workers with a first-in first-out queue. `size` workers start at once; each
 * holds its own copy of the GloVe slice (about 20 MB) and the rows of the fit it runs.
 */
export class FitPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;
  private failure: Error | undefined;

  /** @param size number of workers (≥ 1); @param glove what workers may look up (undefined: no word vectors). */
  constructor(size: number, glove: GloveSlice | undefined) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./fit-worker.ts', import.meta.url), { workerData: { glove } });
      worker.on('message', (message: FromWorker) => this.onMessage(worker, message));
      worker.on('error', (error: Error) => this.fail(worker, error));
      worker.on('exit', (code) => {
        if (this.running.has(worker)) this.fail(worker, new Error(`fit worker exited with code ${code}`));
      });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /**
   * Queues a fit; resolves with its result, rejects if the worker fails.
   * @param onProgress after each L-BFGS iteration; @param onStart when a worker takes the fit up.
   */
  fit(request: FitRequest, onProgress?: (iteration: number, objective: number) => void, onStart?: () => void): Promise<FitResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<FitResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, onProgress, onStart, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker (queued fits are rejected). */
  async close(): Promise<void> {
    this.failAll(new Error('fit pool closed'));
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage({ id: job.id, request: job.request } satisfies ToWorker);
      job.onStart?.();
    }
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    const job = this.running.get(worker);
    if (!job || job.id !== message.id) return;
    if (message.type === 'progress') {
      job.onProgress?.(message.iteration, message.objective);
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if (message.type === 'failed') {
      const error = new Error(message.message);
      if (message.stack) error.stack = message.stack;
      job.reject(error);
    } else {
      const t = message.trained;
      job.resolve({
        ...(message.probabilities ? { probabilities: message.probabilities } : {}),
        ...(t ? { trained: { featurizer: new Featurizer(t.config), model: t.model, wordVectors: t.wordVectors } } : {}),
      });
    }
    this.dispatch();
  }

  private fail(worker: Worker, error: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    job?.reject(error);
    // A broken worker leaves the pool short; fail the rest rather than hang on them.
    this.failAll(error);
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const [worker, job] of this.running) {
      this.running.delete(worker);
      job.reject(error);
    }
  }
}
