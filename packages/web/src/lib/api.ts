/**
 * The browser's typed client for the three POSTs it makes. It only ever calls relative paths
 * (`/model/predict`, `/api/approve`, `/api/revise`) because the site, the model service and the
 * Lambdas share one origin (CloudFront in AWS, `npm start` locally). Every response is parsed
 * with the core zod schema; anything else becomes an {@link ApiError} whose message can be shown
 * to the person as it is.
 */
import {
  ErrorBodySchema,
  PredictResponseSchema,
  ReviewResponseSchema,
  type ApproveRequest,
  type PredictResponse,
  type ReviewResponse,
  type ReviseRequest,
} from '@sentiment/core';
import type { z } from 'zod';
import { anySignal } from './compat.ts';

/** Which backend a request went to; picks the wording of "unreachable" messages. */
export type ServiceName = 'model' | 'review';

/**
 * Why a request failed.
 * - `rejected`: a 4xx with a well-formed error body; `message` is the server's own words
 *   (e.g. what was wrong with the text) and the person can fix the input.
 * - `unavailable`: network failure, timeout, 5xx, or a response we could not parse; retrying
 *   later may help.
 */
export type ApiErrorKind = 'rejected' | 'unavailable';

/** A failed request with a message fit to show in the UI. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** The server's machine-readable error code (`invalid_field`, …), for `rejected` errors. */
  readonly code: string | undefined;
  constructor(kind: ApiErrorKind, message: string, status?: number, code?: string) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

const SERVICE_TITLE: Record<ServiceName, string> = { model: 'model service', review: 'review service' };

/** The message shown when `service` cannot be reached or answers with something we cannot use. */
export function unavailableMessage(service: ServiceName, detail: string): string {
  return `The ${SERVICE_TITLE[service]} is unreachable right now (${detail}). Please try again in a moment.`;
}

/** Options for {@link createApiClient}. */
export interface ApiClientOptions {
  /** Prefix for every path; `''` in the browser (same origin), `http://127.0.0.1:<port>` in tests. */
  baseUrl?: string;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
  /** Give up on a request after this many milliseconds so the screen never stays frozen. Default 15,000. */
  timeoutMs?: number;
}

/** The three calls the UI makes. Each resolves with the parsed response or rejects with an {@link ApiError}. */
export interface ApiClient {
  /**
   * `POST /model/predict {"text", "explain": true}` → the prediction (id, label, seven probabilities,
   * model version, confidence, explanation).
   */
  predict(text: string, signal?: AbortSignal): Promise<PredictResponse>;
  /** `POST /api/approve` → the stored review (`action: "approved"`). */
  approve(review: ApproveRequest, signal?: AbortSignal): Promise<ReviewResponse>;
  /** `POST /api/revise` → the stored review (`action: "revised"`, `label` = the picked one). */
  revise(review: ReviseRequest, signal?: AbortSignal): Promise<ReviewResponse>;
}

/** Creates an {@link ApiClient}; the app uses the default, tests point it at a real local server. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function postJson<S extends z.ZodType>(
    service: ServiceName,
    path: string,
    body: unknown,
    schema: S,
    signal: AbortSignal | undefined,
  ): Promise<z.output<S>> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? anySignal([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) {
        throw new ApiError('unavailable', unavailableMessage(service, `no answer within ${timeoutMs / 1000} s`));
      }
      if (signal?.aborted) throw error;
      throw new ApiError('unavailable', unavailableMessage(service, 'network error'));
    }

    let json: unknown;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }

    if (response.ok) {
      const parsed = schema.safeParse(json);
      if (parsed.success) return parsed.data;
      throw new ApiError('unavailable', unavailableMessage(service, 'unexpected response'), response.status);
    }

    const errorBody = ErrorBodySchema.safeParse(json);
    if (response.status >= 400 && response.status < 500 && errorBody.success) {
      const { code, message } = errorBody.data.error;
      throw new ApiError('rejected', message, response.status, code);
    }
    throw new ApiError('unavailable', unavailableMessage(service, `HTTP ${response.status}`), response.status);
  }

  return {
    // explain: the page shows which words pushed the model towards its label.
    predict: (text, signal) => postJson('model', '/model/predict', { text, explain: true }, PredictResponseSchema, signal),
    approve: (review, signal) => postJson('review', '/api/approve', review, ReviewResponseSchema, signal),
    revise: (review, signal) => postJson('review', '/api/revise', review, ReviewResponseSchema, signal),
  };
}

/** Paths of the CSV export (plain links, the browser downloads `sentiment.csv`). */
export const CSV_PATHS = {
  comma: '/api/getcsv',
  semicolon: '/api/getcsv?delimiter=semicolon',
} as const;
