import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service instance, on their own registry (tests may build several). */
export interface Metrics {
  readonly registry: Registry;
  /** Records one finished request. `route` is the route pattern (never the raw URL), seconds ≥ 0. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /**
   * Records one run of the served model: how many texts it scored and how long it took, in seconds
   * (the prediction calls of one event-loop turn share a run).
   */
  observeModelRun(texts: number, seconds: number): void;
  /** Publishes the served model version as `model_info{model_version="…"} 1`. */
  setModelVersion(version: string): void;
  /** Publishes the shadow version as `model_shadow_info{model_version="…"} 1`; undefined clears it. */
  setShadowVersion(version: string | undefined): void;
  /** Counts one hot load of a version: `role` champion or shadow, `outcome` loaded or failed. */
  observeModelLoad(role: 'champion' | 'shadow', outcome: 'loaded' | 'failed'): void;
  /** Counts one call whose shadow answer was dropped (error or timeout); the prediction went out without it. */
  observeShadowFailure(): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  contentType: string;
}

/**
 * Creates the service metrics:
 * `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`
 * (histogram), `model_inference_duration_seconds` and `model_inference_texts_total`, `model_run_texts`
 * (histogram of texts per run of the served model: batched calls share a run),
 * `model_info{model_version}`, `model_shadow_info{model_version}`, `model_loads_total{role,outcome}`
 * (hot switches), `model_shadow_failures_total`, and with `defaultMetrics` prom-client's process metrics
 * (CPU, memory, event-loop lag).
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, from the first middleware to the response body being set',
    labelNames: ['method', 'route'] as const,
    // From sub-millisecond bare routes to batch predictions of 256 texts.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'model_inference_duration_seconds',
    help: 'Time of one run of the served model (tokenise and ONNX run of the texts batched into it) in seconds',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const texts = new Counter({
    name: 'model_inference_texts_total',
    help: 'Texts scored by the model',
    registers: [registry],
  });
  const runs = new Histogram({
    name: 'model_run_texts',
    help: 'Texts per run of the served model (calls made in the same event-loop turn share one run)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const modelInfo = new Gauge({
    name: 'model_info',
    help: 'The served model version (value is always 1)',
    labelNames: ['model_version'] as const,
    registers: [registry],
  });

  const shadowInfo = new Gauge({
    name: 'model_shadow_info',
    help: 'The shadow (challenger) model version, when one runs (value is always 1)',
    labelNames: ['model_version'] as const,
    registers: [registry],
  });
  const loads = new Counter({
    name: 'model_loads_total',
    help: 'Model versions loaded while serving (hot switches) by role (champion, shadow) and outcome (loaded, failed)',
    labelNames: ['role', 'outcome'] as const,
    registers: [registry],
  });
  const shadowFailures = new Counter({
    name: 'model_shadow_failures_total',
    help: 'Model calls whose shadow answer was dropped (shadow error or timeout); the predictions went out without it',
    registers: [registry],
  });

  const children = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(method, route, status, seconds) {
      // prom-client hashes the label object on every call; the bound children are looked up once.
      const key = `${method} ${route} ${status}`;
      let child = children.get(key);
      if (child === undefined) {
        child = { count: requests.labels(method, route, String(status)), duration: duration.labels(method, route) };
        children.set(key, child);
      }
      child.count.inc();
      child.duration.observe(seconds);
    },
    observeModelRun(count, seconds) {
      texts.inc(count);
      inference.observe(seconds);
      runs.observe(count);
    },
    setModelVersion(version) {
      modelInfo.reset();
      modelInfo.set({ model_version: version }, 1);
    },
    setShadowVersion(version) {
      shadowInfo.reset();
      if (version !== undefined) shadowInfo.set({ model_version: version }, 1);
    },
    observeModelLoad(role, outcome) {
      loads.inc({ role, outcome });
    },
    observeShadowFailure() {
      shadowFailures.inc();
    },
    render: () => registry.metrics(),
  };
}
