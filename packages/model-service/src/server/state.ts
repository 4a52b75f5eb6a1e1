import { ClientError, type Confidence, type Explanation, type Label, type Probabilities } from '@sentiment/core';
import { batchCalls } from '../serving/batcher.ts';
import type { Predictor, ScoredText } from '../serving/predictor.ts';

/**
 * A loaded model and the calls running on it. Once replaced (retired), its session is released
 * as soon as the last call that started on it has finished, never under a running call.
 */
class Slot {
  readonly predictor: Predictor;
  /** `predictor.score`, with the calls of one event-loop turn merged into one run (`serving/batcher.ts`). */
  readonly score: (texts: readonly string[]) => Promise<ScoredText[]>;
  #running = 0;
  #released: Promise<void> | undefined;
  #onReleased: (() => void) | undefined;

  constructor(predictor: Predictor, onRun: ((texts: number, seconds: number) => void) | undefined) {
    this.predictor = predictor;
    this.score = batchCalls((texts) => predictor.score(texts), { onRun });
  }

  enter(): void {
    this.#running++;
  }

  leave(): void {
    this.#running--;
    if (this.#running === 0) this.#release();
  }

  /** Takes the slot out of service; resolves once the session is released (at once when nothing runs on it). */
  retire(): Promise<void> {
    this.#released ??= new Promise((resolve) => (this.#onReleased = resolve));
    if (this.#running === 0) this.#release();
    return this.#released;
  }

  #release(): void {
    const resolve = this.#onReleased;
    if (resolve === undefined) return; // not retired, or already released
    this.#onReleased = undefined;
    // A failed release leaves nothing to undo: the slot is out of service either way.
    void this.predictor
      .close()
      .catch(() => undefined)
      .then(resolve);
  }
}

/** The shadow's answers to a batch, or why there are none. */
export type ShadowScores =
  { modelVersion: string; probabilities: Probabilities[]; error?: undefined } | { modelVersion: string; probabilities?: undefined; error: unknown };

/** What {@link ServiceState.score} returns: the champion's answers, and the shadow's when one runs. */
export interface Scores {
  /** The champion's model version (the one that answered this call, even if a switch happened since). */
  modelVersion: string;
  /** One per text, in input order. */
  probabilities: Probabilities[];
  /** The champion's confidence in each answer, in input order (see `Predictor.score`). */
  confidence: Confidence[];
  /**
   * The champion's explanation of each text's chosen label, in input order: present only when the call
   * asked for them and the champion can explain (computed before the call leaves the model, so a switch
   * never releases the session under it).
   */
  explanations?: Explanation[];
  /** Absent when no shadow runs, or when it is the champion's own version. */
  shadow?: ShadowScores;
}

/**
 * The service's life cycle as the HTTP layer sees it: `starting` (no model yet) → `ready` →
 * `draining` (shutdown began). `/readyz` answers 200 only while `ready`.
 *
 * It holds the served model (the champion) and optionally a shadow (challenger). Either can be
 * replaced at any time ({@link switchPredictor}, {@link switchShadow}): calls already running finish on
 * the model they started with, new calls take the new one, and the old session is released after
 * its last call. Nothing waits or fails during a switch.
 */
export class ServiceState {
  #champion: Slot | undefined;
  #shadow: Slot | undefined;
  #draining = false;
  readonly #shadowTimeoutMs: number;
  readonly #onModelRun: ((texts: number, seconds: number) => void) | undefined;

  /**
   * @param options.shadowTimeoutMs longest wait for the shadow's answer in {@link score}, ms (default 1000).
   * @param options.onModelRun told the number of texts and the duration in seconds of each run of the
   *   champion when it ends (calls merged into one run count once).
   */
  constructor(options: { shadowTimeoutMs?: number; onModelRun?: (texts: number, seconds: number) => void } = {}) {
    this.#shadowTimeoutMs = options.shadowTimeoutMs ?? 1000;
    this.#onModelRun = options.onModelRun;
  }

  /** The served model, or undefined while it is still loading. */
  get predictor(): Predictor | undefined {
    return this.#champion?.predictor;
  }

  /** The shadow model, or undefined when none runs. */
  get shadow(): Predictor | undefined {
    return this.#shadow?.predictor;
  }

  /** True once shutdown began: readiness fails and responses carry `Connection: close`. */
  get draining(): boolean {
    return this.#draining;
  }

  /** True when the model is loaded and shutdown has not begun. */
  get ready(): boolean {
    return this.#champion !== undefined && !this.#draining;
  }

  get phase(): 'starting' | 'ready' | 'draining' {
    if (this.#draining) return 'draining';
    return this.#champion === undefined ? 'starting' : 'ready';
  }

  /** Serves `predictor` from the next call on (at start; a later call is a {@link switchPredictor} that does not wait). */
  setPredictor(predictor: Predictor): void {
    void this.switchPredictor(predictor);
  }

  /**
   * Serves `predictor` from the next call on. The one it replaces is released once its running
   * calls have finished; the promise resolves then (at once for the first model).
   */
  switchPredictor(predictor: Predictor): Promise<void> {
    const old = this.#champion;
    this.#champion = new Slot(predictor, this.#onModelRun);
    return old ? old.retire() : Promise.resolve();
  }

  /** Runs `predictor` as the shadow from the next call on (undefined: no shadow); releases the old one as {@link switchPredictor} does. */
  switchShadow(predictor: Predictor | undefined): Promise<void> {
    const old = this.#shadow;
    this.#shadow = predictor ? new Slot(predictor, undefined) : undefined;
    return old ? old.retire() : Promise.resolve();
  }

  /**
   * Scores `texts` (already normalised) with the champion and, at the same time, the shadow.
   * Calls made in the same event-loop turn share one run of the champion (dynamic batching); each
   * gets exactly its own texts' answers, and a failed shared run is retried call by call.
   * The shadow never fails the call: its error, or its not answering within the shadow timeout,
   * comes back as `shadow.error`.
   * @param options.explainLabel when given (and the champion can explain), each text's explanation is
   *   computed for the label this picks from its probabilities (the label the answer will carry).
   * @throws {ClientError} `service_unavailable` while no model is loaded; the champion's own error as is.
   */
  async score(texts: readonly string[], options: { explainLabel?: (probabilities: Probabilities) => Label } = {}): Promise<Scores> {
    const champion = this.#champion;
    if (champion === undefined) throw new ClientError('service_unavailable', 'The model is still loading; retry shortly');
    const shadow = this.#shadow;
    const shadowRuns = shadow !== undefined && shadow.predictor.modelVersion !== champion.predictor.modelVersion;
    const shadowScores = shadowRuns ? this.#scoreShadow(shadow, texts) : undefined;
    champion.enter();
    try {
      const predictor = champion.predictor;
      const scored = await champion.score(texts);
      const scores: Scores = {
        modelVersion: predictor.modelVersion,
        probabilities: scored.map((s) => s.probabilities),
        confidence: scored.map((s) => s.confidence),
      };
      const { explainLabel } = options;
      if (explainLabel && predictor.explain) {
        const explain = predictor.explain.bind(predictor);
        scores.explanations = await Promise.all(texts.map(async (text, i) => explain(text, explainLabel(scored[i]!.probabilities))));
      }
      if (shadowScores) scores.shadow = await shadowScores;
      return scores;
    } finally {
      champion.leave();
    }
  }

  async #scoreShadow(slot: Slot, texts: readonly string[]): Promise<ShadowScores> {
    const modelVersion = slot.predictor.modelVersion;
    slot.enter();
    let timer: NodeJS.Timeout | undefined;
    // The slot is left when the shadow's call ends, even after a timeout, so its session is never released under it.
    const run = slot.predictor.predict(texts).finally(() => slot.leave());
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the shadow did not answer within ${this.#shadowTimeoutMs} ms`)), this.#shadowTimeoutMs);
    });
    try {
      return { modelVersion, probabilities: await Promise.race([run, timeout]) };
    } catch (error) {
      run.catch(() => undefined);
      return { modelVersion, error };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Marks the start of shutdown; there is no way back. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Releases both models once their running calls have finished (at shutdown, after the server closed). */
  async close(): Promise<void> {
    const slots = [this.#champion, this.#shadow];
    this.#champion = undefined;
    this.#shadow = undefined;
    await Promise.all(slots.flatMap((slot) => (slot ? [slot.retire()] : [])));
  }
}
