import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import {
  BatchPredictRequestSchema,
  ClientError,
  LABELS,
  PredictRequestSchema,
  type Label,
  parseOrThrow,
  type Confidence,
  type Explanation,
  type HealthResponse,
  type Prediction,
  type Probabilities,
  type ReadyResponse,
  type ShadowPrediction,
} from '@sentiment/core';
import { generateSecret, signPrediction } from '@sentiment/core/trust';
import { readJsonBody, type BodyLimits } from '@sentiment/http/body';
import { isServerFault, toErrorResponse } from '@sentiment/http/errors';
import { requestIdFrom } from '@sentiment/http/request-id';
import type { Predictor } from '../serving/predictor.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createRequestSummary } from './request-summary.ts';
import { ServiceState, type ShadowScores } from './state.ts';

export interface AppOptions {
  /** Life cycle shared with the server (readiness, draining). Created when omitted, reporting its model runs to `metrics`. */
  state?: ServiceState;
  /** A loaded model; sets `state`'s predictor. Omit to load it later with `state.setPredictor`. */
  predictor?: Predictor;
  logger: Logger;
  /** Created when omitted; pass one to read it in tests or share it with the server. */
  metrics?: Metrics;
  /** Prediction id generator; `crypto.randomUUID` unless a test needs fixed ids. */
  newId?: () => string;
  /** Body limit and timeout; defaults 64 KiB and 10 s. */
  body?: BodyLimits;
  /** How often the request summary is logged at info, in ms; default 60 s. */
  summaryIntervalMs?: number;
  /**
   * HMAC secret that signs each prediction's `predictionToken` (shared with the review functions).
   * Omitted: a random one for this app only, so its predictions cannot be reviewed elsewhere.
   */
  predictionSecret?: string;
  /** Clock for the tokens' issue time. */
  now?: () => Date;
  /**
   * Probability in [0, 1] that a `POST /predict` answer is drawn for the blind audit (`blind: true`);
   * default 0 (the process passes `BLIND_AUDIT_RATE`, whose default is 0.1).
   */
  blindAuditRate?: number;
  /** Uniform draw in [0, 1) for the blind audit; crypto-random unless a test needs fixed draws. */
  random?: () => number;
}

// A uniform number in [0, 1) from 48 random bits. randomInt draws from Node's pooled CSPRNG bytes:
// 0.04 µs, where randomBytes(6) costs 2.5 µs and a system call on every prediction.
const cryptoRandom = () => randomInt(2 ** 48 - 1) / 2 ** 48;

/**
 * Builds the model service's Koa app (not listening; see `startServer`). Routes, at the root:
 * - `POST /predict` `{"text": string, "explain"?: boolean}` → 200 {@link Prediction}, with
 *   `explanation` when `explain` is true (and the model can be explained), and `blind: true` with
 *   probability `blindAuditRate` (signed in the token).
 * - `POST /batch-predict` `{"texts": string[1..256]}` → 200 `{"predictions": Prediction[]}`, input order
 *   (never blind, never explained).
 *   Every prediction carries `confidence` (`low`: the model is unsure; see `Predictor.score`).
 *   Both score through `state.score`: the served version, and the shadow version when one runs, whose
 *   answer travels signed as `shadow`. A failed or late shadow never fails the prediction: it is
 *   left out, logged at warn (`shadow prediction dropped`) and counted (`model_shadow_failures_total`).
 * - `GET /healthz` → 200 `{"status":"ok"}` while the process runs.
 * - `GET /readyz` → 200 `{"status":"ready","modelVersion"}`; 503 while the model loads or the
 *   service drains.
 * - `GET /model` → 200 `predictor.describe()` (model.json without bulky parts); 503 before load.
 * - `GET /metrics` → Prometheus text.
 * The contract of each is in the OpenAPI document (`docs/openapi.json`, served at `/api/openapi.json`).
 *
 * Every error is `{"error":{"code","message","issues"?,"requestId"}}` (`@sentiment/http/errors`):
 * 400 `malformed_json` / `invalid_field`, 404 `not_found`, 405 `method_not_allowed`, 408
 * `request_timeout`, 413 `payload_too_large`, 415 `unsupported_media_type`, 503
 * `service_unavailable`, 500 `internal_error` (generic message; details only in the log). Every
 * response has `X-Request-Id`.
 *
 * Logging stays off the hot path: one line per request at debug; at info only caller errors (4xx),
 * faults (error, with the request id) and a summary per interval (counts by status class, latency).
 */
export function createApp(options: AppOptions): Koa {
  const { logger } = options;
  const metrics = options.metrics ?? createMetrics();
  // A state passed in reports its model runs where its creator wired them (`main.ts`: to the same metrics).
  const state = options.state ?? new ServiceState({ onModelRun: (texts, seconds) => metrics.observeModelRun(texts, seconds) });
  if (options.predictor) state.setPredictor(options.predictor);
  const newId = options.newId ?? randomUUID;
  const bodyLimits = options.body ?? {};
  const summary = createRequestSummary(logger, options.summaryIntervalMs ?? 60_000);
  const predictionSecret = options.predictionSecret ?? generateSecret();
  const now = options.now ?? (() => new Date());
  const blindAuditRate = options.blindAuditRate ?? 0;
  if (!(blindAuditRate >= 0 && blindAuditRate <= 1)) throw new RangeError(`blindAuditRate must be in [0, 1], got ${blindAuditRate}`);
  const random = options.random ?? cryptoRandom;

  const app = new Koa();
  // Errors are answered and logged by the middleware below; Koa's own stderr printing would duplicate them.
  app.silent = true;

  // One middleware for the whole edge of a request: id, errors, metrics, log.
  app.use(async (ctx, next) => {
    const start = performance.now();
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
      if (ctx.status === 405 || ctx.status === 501) {
        const allow = ctx.response.get('Allow');
        if (allow === '') throw notFound(ctx);
        throw new ClientError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`);
      }
      if (ctx.status === 404 && ctx.body == null) throw notFound(ctx);
    } catch (error) {
      const response = toErrorResponse(error, requestId);
      if (isServerFault(response)) logger.error({ err: error, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      else if (response.status < 500)
        logger.info({ requestId, method: ctx.method, path: ctx.path, status: response.status, code: response.body.error.code }, 'client error');
      ctx.status = response.status;
      ctx.body = response.body;
    }
    const ms = performance.now() - start;
    const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
    metrics.observeRequest(ctx.method, typeof matched === 'string' ? matched : 'unmatched', ctx.status, ms / 1000);
    summary.record(ctx.status, ms);
    // Guarded: the line's fields (the path is parsed from the URL) cost even when debug is off.
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
    }
  });

  const router = new Router();

  const requirePredictor = (): Predictor => {
    const predictor = state.predictor;
    if (predictor === undefined) throw new ClientError('service_unavailable', 'The model is still loading; retry shortly');
    return predictor;
  };

  const predict = async (texts: string[], single?: { explain: boolean; blind: boolean }): Promise<Prediction[]> => {
    const scores = await state.score(texts, single?.explain ? { explainLabel: (p) => rankProbabilities(p).label } : {});
    const results = scores.probabilities;
    if (results.length !== texts.length) {
      throw new Error(`predictor returned ${results.length} results for ${texts.length} texts`);
    }
    const shadow = scores.shadow ? shadowPredictions(scores.shadow, texts.length) : undefined;
    const issuedAt = now();
    // Each text is signed as normalised, which is what a review of it will carry and store.
    return results.map((probabilities, i) => {
      const text = texts[i] ?? '';
      const extras: PredictionExtras = { confidence: scores.confidence[i] ?? 'low', blind: single?.blind === true };
      // The version that answered explains its own answer, even if a switch happened since.
      const explanation = scores.explanations?.[i];
      if (explanation) extras.explain = () => explanation;
      return toPrediction(probabilities, scores.modelVersion, newId(), { text, secret: predictionSecret, issuedAt, shadow: shadow?.[i] }, extras);
    });
  };

  /** The shadow's answers as prediction fields, or undefined (logged, counted) when it failed: never the caller's problem. */
  const shadowPredictions = (scores: ShadowScores, count: number): ShadowPrediction[] | undefined => {
    try {
      const results = scores.probabilities;
      if (results === undefined) throw scores.error;
      if (results.length !== count) throw new Error(`shadow returned ${results.length} results for ${count} texts`);
      return results.map((p) => {
        const { label, probabilities } = rankProbabilities(p);
        return { modelVersion: scores.modelVersion, label, probabilities };
      });
    } catch (err) {
      metrics.observeShadowFailure();
      logger.warn({ shadowVersion: scores.modelVersion, reason: err instanceof Error ? err.message : String(err) }, 'shadow prediction dropped');
      return undefined;
    }
  };

  const readBody = async (ctx: Context): Promise<unknown> => {
    try {
      return await readJsonBody(ctx.req, bodyLimits);
    } catch (error) {
      // The rest of a refused body may still be on the wire: do not reuse this connection.
      ctx.set('Connection', 'close');
      throw error;
    }
  };

  router.post('/predict', async (ctx) => {
    const { text, explain } = parseOrThrow(PredictRequestSchema, await readBody(ctx));
    // The draw happens before the model answers, so it cannot depend on the answer.
    const blind = blindAuditRate > 0 && random() < blindAuditRate;
    const [prediction] = await predict([text], { explain: explain === true, blind });
    ctx.body = prediction;
  });

  router.post('/batch-predict', async (ctx) => {
    const { texts } = parseOrThrow(BatchPredictRequestSchema, await readBody(ctx));
    ctx.body = { predictions: await predict(texts) };
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' } satisfies HealthResponse;
  });

  router.get('/readyz', (ctx) => {
    const phase = state.phase;
    if (phase === 'draining') throw new ClientError('service_unavailable', 'The service is shutting down');
    const predictor = requirePredictor();
    ctx.body = { status: 'ready', modelVersion: predictor.modelVersion } satisfies ReadyResponse;
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
 * Seven probabilities keyed in {@link LABELS} order, and the most probable label (the first in LABELS order on a tie).
 * @throws {Error} when a probability is missing or not in [0, 1] (a broken model: a 500, not the caller's fault).
 */
export function rankProbabilities(probabilities: Probabilities): { label: Label; probabilities: Probabilities } {
  const ordered = {} as Record<Label, number>;
  let best: Label = LABELS[0];
  for (const label of LABELS) {
    const p = probabilities[label];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`predictor returned probability ${String(p)} for ${label}`);
    }
    ordered[label] = p;
    if (p > ordered[best]) best = label;
  }
  return { label: best, probabilities: ordered };
}

/** What a prediction carries besides label, probabilities and shadow. */
export interface PredictionExtras {
  confidence: Confidence;
  /** Drawn for the blind audit: `blind: true` in the answer and in the signed payload. */
  blind?: boolean;
  /** Explains the chosen label; called only when the request asked for an explanation. */
  explain?: (label: Label) => Explanation;
}

/**
 * One prediction from seven probabilities: keys in {@link LABELS} order, `label` the most probable
 * (see {@link rankProbabilities}), `confidence`, `explanation` and `blind: true` from `extras`,
 * `shadow` the shadow version's answer when one ran, and `predictionToken` signing all of it (the
 * blind flag and the shadow included) for `sign.text` (token v2, `@sentiment/core/trust`).
 * @throws {Error} when a probability is missing or not in [0, 1] (a broken model: a 500, not the caller's fault).
 */
export function toPrediction(
  probabilities: Probabilities,
  modelVersion: string,
  predictionId: string,
  sign: { text: string; secret: string; issuedAt: Date; shadow?: ShadowPrediction | undefined },
  extras: PredictionExtras,
): Prediction {
  const { label, probabilities: ordered } = rankProbabilities(probabilities);
  const shadow = sign.shadow;
  const blind = extras.blind === true;
  const fields = { predictionId, text: sign.text, label, probabilities: ordered, modelVersion, blind, shadow };
  const prediction: Prediction = {
    predictionId,
    label,
    probabilities: ordered,
    modelVersion,
    predictionToken: signPrediction(fields, sign.secret, sign.issuedAt),
    confidence: extras.confidence,
  };
  if (extras.explain) prediction.explanation = extras.explain(label);
  if (blind) prediction.blind = true;
  if (shadow) prediction.shadow = shadow;
  return prediction;
}
