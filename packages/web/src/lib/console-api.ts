/**
 * The review console's client for the operator routes of issue 8 (`/api/reviews`, `/api/audit`,
 * `/api/stats`) and the served model version (`GET /model/readyz`). The browser sends the HttpOnly
 * operator session cookie by itself (same origin). Every answer is parsed with core's zod schema;
 * anything else becomes an {@link ApiError} with words fit to show.
 */
import {
  AuditListResponseSchema,
  ErrorBodySchema,
  ReadyResponseSchema,
  ReviewDeletedResponseSchema,
  ReviewListResponseSchema,
  ReviewResponseSchema,
  StatsResponseSchema,
  type AuditListResponse,
  type Label,
  type ReviewListResponse,
  type StatsResponse,
  type StoredReview,
} from '@sentiment/core';
import type { z } from 'zod';
import { ApiError, unavailableMessage } from './api.ts';
import { anySignal } from './compat.ts';

/** Reviews per page of the console's list. */
export const REVIEW_PAGE_SIZE = 50;
/** Audit records per page. */
export const AUDIT_PAGE_SIZE = 20;

/** What `DELETE /api/reviews/{id}` achieved: deleted now, or already gone (404: a retried delete). */
export type DeleteOutcome = { deleted: true; at: string } | { deleted: false };

/** The console's calls. Each resolves with the parsed answer or rejects with an {@link ApiError} (401: signed out). */
export interface ConsoleClient {
  /** `GET /api/reviews?<query>&limit=&cursor=`: one page, newest first. */
  reviews(query: URLSearchParams, cursor: string | undefined, signal?: AbortSignal): Promise<ReviewListResponse>;
  /** `PATCH /api/reviews/{id}` `{"label"}` → the review as stored (`action: "corrected"`). */
  correct(id: string, label: Label): Promise<StoredReview>;
  /** `DELETE /api/reviews/{id}`; a 404 `not_found` resolves `{deleted: false}` (someone, or a retry, deleted it first). */
  remove(id: string): Promise<DeleteOutcome>;
  /** `GET /api/audit?limit=&cursor=`: operator actions, newest first. */
  audit(cursor: string | undefined, signal?: AbortSignal): Promise<AuditListResponse>;
  /** `GET /api/stats?modelVersion=&from=&to=`. */
  stats(query: URLSearchParams, signal?: AbortSignal): Promise<StatsResponse>;
  /** `GET /model/readyz`: the model version served now, or `undefined` when the model service does not answer. */
  servedVersion(signal?: AbortSignal): Promise<string | undefined>;
}

/** Options of {@link createConsoleClient}: as for the public page's client. */
export interface ConsoleClientOptions {
  /** `''` in the browser (same origin), a local server in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Give up after this many milliseconds. Default 15,000. */
  timeoutMs?: number;
}

/** Creates a {@link ConsoleClient}. */
export function createConsoleClient(options: ConsoleClientOptions = {}): ConsoleClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function send(
    method: 'GET' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; json: unknown }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        credentials: 'same-origin',
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? anySignal([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) throw new ApiError('unavailable', unavailableMessage('review', `no answer within ${timeoutMs / 1000} s`));
      if (signal?.aborted) throw error;
      throw new ApiError('unavailable', unavailableMessage('review', 'network error'));
    }
    const json: unknown = await response.json().catch(() => undefined);
    return { response, json };
  }

  function failure(response: Response, json: unknown): ApiError {
    const error = ErrorBodySchema.safeParse(json);
    if (response.status >= 400 && response.status < 500 && error.success) {
      return new ApiError('rejected', error.data.error.message, response.status, error.data.error.code);
    }
    return new ApiError('unavailable', unavailableMessage('review', `HTTP ${response.status}`), response.status);
  }

  async function call<S extends z.ZodType>(
    method: 'GET' | 'PATCH' | 'DELETE',
    path: string,
    schema: S,
    options: { body?: unknown; signal?: AbortSignal } = {},
  ): Promise<z.output<S>> {
    const { response, json } = await send(method, path, options.body, options.signal);
    if (!response.ok) throw failure(response, json);
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new ApiError('unavailable', unavailableMessage('review', 'unexpected response'), response.status);
  }

  const reviewPath = (id: string) => `/api/reviews/${encodeURIComponent(id)}`;

  return {
    reviews(query, cursor, signal) {
      const params = new URLSearchParams(query);
      params.set('limit', String(REVIEW_PAGE_SIZE));
      if (cursor) params.set('cursor', cursor);
      return call('GET', `/api/reviews?${params}`, ReviewListResponseSchema, { signal });
    },
    async correct(id, label) {
      return (await call('PATCH', reviewPath(id), ReviewResponseSchema, { body: { label } })).review;
    },
    async remove(id) {
      const { response, json } = await send('DELETE', reviewPath(id), undefined, undefined);
      if (response.ok) {
        const parsed = ReviewDeletedResponseSchema.safeParse(json);
        if (parsed.success) return { deleted: true, at: parsed.data.deleted.at };
        throw new ApiError('unavailable', unavailableMessage('review', 'unexpected response'), response.status);
      }
      const error = failure(response, json);
      if (response.status === 404 && error.code === 'not_found') return { deleted: false };
      throw error;
    },
    audit(cursor, signal) {
      const params = new URLSearchParams({ limit: String(AUDIT_PAGE_SIZE) });
      if (cursor) params.set('cursor', cursor);
      return call('GET', `/api/audit?${params}`, AuditListResponseSchema, { signal });
    },
    stats(query, signal) {
      const search = query.toString();
      return call('GET', search === '' ? '/api/stats' : `/api/stats?${search}`, StatsResponseSchema, { signal });
    },
    async servedVersion(signal) {
      try {
        const { response, json } = await send('GET', '/model/readyz', undefined, signal);
        const parsed = ReadyResponseSchema.safeParse(json);
        return response.ok && parsed.success ? parsed.data.modelVersion : undefined;
      } catch (error) {
        if (signal?.aborted) throw error;
        return undefined;
      }
    },
  };
}

/** True when `error` means "not signed in as the operator" (the console then shows the sign-in form). */
export function isSignedOut(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/**
 * The model version the stats panel shows when the URL names none: the served one when it has
 * reviews, else the one with the most reviews (the first listed on a tie); `undefined` with no reviews.
 */
export function defaultStatsVersion(versions: readonly { modelVersion: string; reviews: number }[], served: string | undefined): string | undefined {
  if (served && versions.some((v) => v.modelVersion === served && v.reviews > 0)) return served;
  let best: { modelVersion: string; reviews: number } | undefined;
  for (const version of versions) if (version.reviews > 0 && (!best || version.reviews > best.reviews)) best = version;
  return best?.modelVersion;
}
