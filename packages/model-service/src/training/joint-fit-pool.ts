/**
 * Joint fits on worker threads, at most `jobs` at a time: cross-validation folds and the final fit
 * are independent, so `train` runs them side by side (issue 11's retrain-time target). Each worker
 * runs {@link runJointFit} on a {@link JointFitJob} and sends back the fitted tokenizer settings and
 * weights; results are identical to fitting on the main thread (same code, same data, no randomness).
 */
import { Worker } from 'node:worker_threads';
import { Featurizer, type TokenizerConfig } from '../features/featurizer.ts';
import type { JointFitJob, JointTrained } from './encoder-block.ts';
import type { LinearModel } from './linear.ts';

/** Messages a fit worker sends. */
export type WorkerMessage =
  | { type: 'progress'; iteration: number; objective: number }
  | { type: 'done'; config: TokenizerConfig; model: LinearModel }
  | { type: 'error'; message: string };

/** Runs jobs on worker threads, `jobs` at a time. */
export class JointFitPool {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(jobs: number) {
    if (!(Number.isInteger(jobs) && jobs >= 1)) throw new RangeError(`jobs must be a whole number ≥ 1, got ${jobs}`);
    this.#limit = jobs;
  }

  /** Fits `job` on a worker thread once a slot is free; `onProgress` gets the L-BFGS iterations. */
  async fit(job: JointFitJob, onProgress?: (iteration: number, objective: number) => void): Promise<JointTrained> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      const { config, model } = await runWorker(job, onProgress);
      const featurizer = new Featurizer(config);
      return { featurizer, model, wordVectors: config.glove ? job.subset?.vectors : undefined, block: job.block };
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

function runWorker(
  job: JointFitJob,
  onProgress?: (iteration: number, objective: number) => void,
): Promise<{ config: TokenizerConfig; model: LinearModel }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./joint-fit-worker.ts', import.meta.url), { workerData: job });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.iteration, message.objective);
      else if (message.type === 'done') {
        settled = true;
        resolve({ config: message.config, model: message.model });
      } else {
        settled = true;
        reject(new Error(message.message));
      }
    });
    worker.on('error', (error: Error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`joint fit worker exited with code ${code} before finishing`));
    });
  });
}
