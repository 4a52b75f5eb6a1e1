/** Worker thread of `joint-fit-pool.ts`: one joint fit, progress at most every 2 s. */
import { parentPort, workerData } from 'node:worker_threads';
import { runJointFit, type JointFitJob } from './encoder-block.ts';
import type { WorkerMessage } from './joint-fit-pool.ts';

const post = (message: WorkerMessage) => parentPort!.postMessage(message);
let last = 0;
try {
  const trained = await runJointFit(workerData as JointFitJob, (iteration, objective) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    post({ type: 'progress', iteration, objective });
  });
  post({ type: 'done', config: trained.featurizer.config, model: trained.model });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
