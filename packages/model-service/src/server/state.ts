import type { Predictor } from '../serving/predictor.ts';

/**
 * The service's life cycle as the HTTP layer sees it: `starting` (no model yet) → `ready` →
 * `draining` (shutdown began). `/readyz` answers 200 only while `ready`.
 */
export class ServiceState {
  #predictor: Predictor | undefined;
  #draining = false;

  /** The loaded model, or undefined while it is still loading. */
  get predictor(): Predictor | undefined {
    return this.#predictor;
  }

  /** True once shutdown began: readiness fails and responses carry `Connection: close`. */
  get draining(): boolean {
    return this.#draining;
  }

  /** True when the model is loaded and shutdown has not begun. */
  get ready(): boolean {
    return this.#predictor !== undefined && !this.#draining;
  }

  get phase(): 'starting' | 'ready' | 'draining' {
    if (this.#draining) return 'draining';
    return this.#predictor === undefined ? 'starting' : 'ready';
  }

  /** Makes the service ready to predict with `predictor` (once, at start). */
  setPredictor(predictor: Predictor): void {
    this.#predictor = predictor;
  }

  /** Marks the start of shutdown; there is no way back. */
  startDraining(): void {
    this.#draining = true;
  }
}
