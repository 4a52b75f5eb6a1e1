import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import {
  BatchPredictRequestSchema,
  ClientError,
  LABELS,
  PredictRequestSchema,
  parseOrThrow,
  type ErrorBody,
  type Prediction,
  type Probabilities,
} from '@sentiment/core';
import { generateSecret, signPrediction } from '@sentiment/core/trust';
import type { Predictor } from '../serving/predictor.ts';
import { readJsonBody, type BodyOptions } from './body.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { ServiceState } from './state.ts';

export interface AppOptions {
  /** Life cycle shared with the server (readiness, draining). Created when omitted. */
  state?: ServiceState;
  /** A loaded model; sets `state`'s predictor. Omit to load it later with `state.setPredictor`. */
  predictor?: Predictor;
  logger: Logger;
  /** Created when omitted; pass one to read it in tests or share it with the server. */
  metrics?: Metrics;
  /** Prediction id generator; `crypto.randomUUID` unless a test needs fixed ids. */
  newId?: () => string;
  /** Body limit and timeout; defaults 64 KiB and 10 s. */
  body?: BodyOptions;
  /**
   * HMAC secret that signs each prediction's `predictionToken` (shared with the review functions).
   * Omitted: a random one for this app only, so its predictions cannot be reviewed elsewhere.
   */
  predictionSecret?: string;
  /** Clock for the tokens' issue time. */
  now?: () => Date;
}

// An incoming X-Request-Id is reused only when it is a short token, so logs stay parseable.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Probes and scrapes would drown the request log at info level.
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds the model service's Koa app (not listening; see `startServer`). Routes, at the root:
 * - `POST /predict` `{"text": string}` → 200 {@link Prediction}.
 * - `POST /batch-predict` `{"texts": string[1..256]}` → 200 `{"predictions": Prediction[]}`, input order.
 * - `GET /healthz` → 200 `{"status":"ok"}` while the process runs.
 * - `GET /readyz` → 200 `{"status":"ready","modelVersion"}`; 503 while the model loads or the
 *   service drains.
 * - `GET /model` → 200 `predictor.describe()` (model.json without bulky parts); 503 before load.
 * - `GET /metrics` → Prometheus text.
 *
 * Every error is `{"error":{"code","message","issues"?,"requestId"}}`: 400 `malformed_json` /
 * `invalid_field`, 404 `not_found`, 405 `method_not_allowed`, 408 `request_timeout`, 413
 * `payload_too_large`, 415 `unsupported_media_type`, 503 `service_unavailable`, 500 `internal_error`
 * (generic message; details only in the log). Every response has `X-Request-Id`.
 */
export function createApp(options: AppOptions): Koa {
  const state = options.state ?? new ServiceState();
  if (options.predictor) state.setPredictor(options.predictor);
  const { logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const newId = options.newId ?? randomUUID;
  const bodyOptions = options.body ?? {};
  const predictionSecret = options.predictionSecret ?? generateSecret();
  const now = options.now ?? (() => new Date());

  const app = new Koa();
  // Errors are answered and logged by the middleware below; Koa's own stderr printing would duplicate them.
  app.silent = true;

  app.use(async (ctx, next) => {
    const start = performance.now();
    const incoming = ctx.get('X-Request-Id');
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      // While draining, keep-alive clients must reconnect elsewhere instead of holding this process open.
      if (state.draining) ctx.set('Connection', 'close');
      const ms = performance.now() - start;
      const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      metrics.observeRequest({ method: ctx.method, route, status: ctx.status }, ms / 1000);
      const level = QUIET_PATHS.has(ctx.path) && ctx.status < 400 ? 'debug' : 'info';
      logger[level]({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
    }
  });

  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 405 || ctx.status === 501) {
        const allow = ctx.response.get('Allow');
        if (allow === '') throw notFound(ctx);
        throw new ClientError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`);
      }
      if (ctx.status === 404 && ctx.body == null) throw notFound(ctx);
    } catch (error) {
      const requestId = String(ctx.state.requestId);
      const { status, body } = toErrorResponse(error, requestId);
      if (status >= 500 && status !== 503) {
        logger.error({ err: error, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = status;
      ctx.body = body;
    }
  });

  const router = new Router();

  const requirePredictor = (): Predictor => {
    const predictor = state.predictor;
    if (predictor === undefined) throw new ClientError('service_unavailable', 'The model is still loading; retry shortly');
    return predictor;
  };

  const predict = async (texts: string[]): Promise<Prediction[]> => {
    const predictor = requirePredictor();
    const start = performance.now();
    const results = await predictor.predict(texts);
    metrics.observeInference(texts.length, (performance.now() - start) / 1000);
    if (results.length !== texts.length) {
      throw new Error(`predictor returned ${results.length} results for ${texts.length} texts`);
    }
    const issuedAt = now();
    // Each text is signed as normalised, which is what a review of it will carry and store.
    return results.map((probabilities, i) =>
      toPrediction(probabilities, predictor.modelVersion, newId(), { text: texts[i] ?? '', secret: predictionSecret, issuedAt }),
    );
  };

  router.post('/predict', async (ctx) => {
    const { text } = parseOrThrow(PredictRequestSchema, await readJsonBody(ctx, bodyOptions));
    const [prediction] = await predict([text]);
    ctx.body = prediction;
  });

  router.post('/batch-predict', async (ctx) => {
    const { texts } = parseOrThrow(BatchPredictRequestSchema, await readJsonBody(ctx, bodyOptions));
    ctx.body = { predictions: await predict(texts) };
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => {
    const phase = state.phase;
    if (phase === 'draining') throw new ClientError('service_unavailable', 'The service is shutting down');
    const predictor = requirePredictor();
    ctx.body = { status: 'ready', modelVersion: predictor.modelVersion };
  });

  router.get('/model', (ctx) => {
    ctx.body = requirePredictor().describe();
  });

  router.get('/metrics', async (ctx) => {
    const predictor = state.predictor;
    if (predictor) metrics.setModelVersion(predictor.modelVersion);
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function notFound(ctx: Context): ClientError {
  return new ClientError('not_found', `No route ${ctx.method} ${ctx.path}`);
}

/**
 * One prediction from seven probabilities: keys in {@link LABELS} order, `label` the most probable
 * (the first in LABELS order on a tie), and `predictionToken` signing it for `sign.text` (issue 7).
 * @throws {Error} when a probability is missing or not in [0, 1] (a broken model: a 500, not the caller's fault).
 */
export function toPrediction(
  probabilities: Probabilities,
  modelVersion: string,
  predictionId: string,
  sign: { text: string; secret: string; issuedAt: Date },
): Prediction {
  const ordered = {} as Record<(typeof LABELS)[number], number>;
  let best: (typeof LABELS)[number] = LABELS[0];
  for (const label of LABELS) {
    const p = probabilities[label];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`predictor returned probability ${String(p)} for ${label}`);
    }
    ordered[label] = p;
    if (p > ordered[best]) best = label;
  }
  const fields = { predictionId, text: sign.text, label: best, probabilities: ordered, modelVersion };
  return { predictionId, label: best, probabilities: ordered, modelVersion, predictionToken: signPrediction(fields, sign.secret, sign.issuedAt) };
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * The one place that turns an error into a response: a {@link ClientError} keeps its code,
 * status, message and issues; an exposed 4xx http-error (from Koa or a library) keeps its status;
 * anything else is 500 `internal_error` with a generic message.
 */
export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (error instanceof ClientError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
    if (error.issues) body.error.issues = error.issues;
    return { status: error.status, body };
  }
  const http = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (
    http !== null &&
    typeof http === 'object' &&
    typeof http.status === 'number' &&
    http.status >= 400 &&
    http.status < 500 &&
    http.expose === true
  ) {
    const code = CODE_BY_STATUS[http.status] ?? 'bad_request';
    return { status: http.status, body: { error: { code, message: String(http.message), requestId } } };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: `Internal error; quote request id ${requestId} when reporting it`,
        requestId,
      },
    },
  };
}
