import { performance } from 'node:perf_hooks';

/**
 * Dynamic batching of model calls: the calls made in one turn of the event loop share one run of
 * the model. Under load the service reads several requests per turn; one ONNX Runtime run (and one
 * featurizer pass, back to back) for all of them costs less per text than one run each, the way
 * Triton's or TorchServe's dynamic batching does, but with no waiting window: a batch closes at the
 * end of the turn that opened it, so an idle service answers as soon as it did without batching.
 */

/** Options of {@link batchCalls}. */
export interface BatchOptions {
  /**
   * Most texts one merged run takes (default {@link MAX_BATCH_TEXTS}). A call that would take a batch
   * over it waits for the next batch; a call larger than it runs on its own, as sent.
   */
  maxTexts?: number;
  /** Told the number of texts and the duration in seconds of each run, merged or not, when it ends (for the metrics). */
  onRun?: (texts: number, seconds: number) => void;
}

/** Default {@link BatchOptions.maxTexts}: the largest batch the bench measures (64 texts). */
export const MAX_BATCH_TEXTS = 64;

interface Pending<R> {
  texts: readonly string[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Wraps `run` (one result per text, in input order) so that calls made before the next
 * `setImmediate` are answered by one `run` over their texts, concatenated in call order; each caller
 * gets its own slice. When a merged run fails, each of its calls is run again on its own, so one
 * caller's text can never fail another caller's request; a call's own failure reaches only it.
 * An empty call resolves to `[]` without a run.
 * @throws {Error} (from the returned function) when `run` returns a different number of results than texts.
 */
export function batchCalls<R>(
  run: (texts: readonly string[]) => Promise<R[]>,
  options: BatchOptions = {},
): (texts: readonly string[]) => Promise<R[]> {
  const maxTexts = options.maxTexts ?? MAX_BATCH_TEXTS;
  const onRun = options.onRun;
  let queue: Pending<R>[] = [];
  let queuedTexts = 0;
  let scheduled = false;

  const runChecked = async (texts: readonly string[]): Promise<R[]> => {
    const start = performance.now();
    try {
      const results = await run(texts);
      if (results.length !== texts.length) throw new Error(`model returned ${results.length} results for ${texts.length} texts`);
      return results;
    } finally {
      onRun?.(texts.length, (performance.now() - start) / 1000);
    }
  };

  const runAlone = (call: Pending<R>): void => {
    runChecked(call.texts).then(call.resolve, call.reject);
  };

  const flush = (): void => {
    const calls = queue;
    if (calls.length === 0) return;
    queue = [];
    queuedTexts = 0;
    if (calls.length === 1) return runAlone(calls[0]!);
    const texts = calls.flatMap((call) => call.texts);
    runChecked(texts).then(
      (results) => {
        let offset = 0;
        for (const call of calls) {
          call.resolve(results.slice(offset, offset + call.texts.length));
          offset += call.texts.length;
        }
      },
      // Which call's text broke the run is unknown: each runs again alone and keeps its own outcome.
      () => calls.forEach(runAlone),
    );
  };

  return (texts) => {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const call: Pending<R> = { texts, resolve, reject };
      if (texts.length >= maxTexts) return runAlone(call);
      if (queuedTexts + texts.length > maxTexts) flush();
      queue.push(call);
      queuedTexts += texts.length;
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    });
  };
}
