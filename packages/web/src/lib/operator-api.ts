/**
 * The operator page's client for `/api/operator/session` (issue 7). The token is sent once, on
 * sign-in; the API answers with an HttpOnly session cookie that this code never sees, and the
 * browser sends it with the CSV download links. Sign-out asks the API to delete the cookie.
 */
import { ErrorBodySchema, OperatorSessionSchema } from '@sentiment/core';
import { ApiError, unavailableMessage } from './api.ts';

/** Path of the operator session routes. */
export const OPERATOR_SESSION_PATH = '/api/operator/session';

/** The three calls of the operator page; each resolves with "is this browser signed in". */
export interface OperatorClient {
  /** `GET`: true with a valid session cookie, false on 401. */
  status(signal?: AbortSignal): Promise<boolean>;
  /** `POST {"token"}`: true when the token is right (the cookie is then set); a wrong one rejects with a `rejected` {@link ApiError}. */
  signIn(token: string): Promise<boolean>;
  /** `DELETE`: the cookie is deleted; resolves false. */
  signOut(): Promise<boolean>;
}

/** Creates an {@link OperatorClient}; `baseUrl` is `''` in the browser, a local server in tests. */
export function createOperatorClient(options: { baseUrl?: string; fetch?: typeof fetch } = {}): OperatorClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call(method: 'GET' | 'POST' | 'DELETE', body?: unknown, signal?: AbortSignal): Promise<boolean> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${OPERATOR_SESSION_PATH}`, {
        method,
        credentials: 'same-origin',
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ?? AbortSignal.timeout(15_000),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError('unavailable', unavailableMessage('review', 'network error'));
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      const parsed = OperatorSessionSchema.safeParse(json);
      if (parsed.success) return parsed.data.operator;
    }
    if (response.status === 401 && method === 'GET') return false;
    const error = ErrorBodySchema.safeParse(json);
    if (response.status >= 400 && response.status < 500 && error.success) {
      throw new ApiError('rejected', error.data.error.message, response.status, error.data.error.code);
    }
    throw new ApiError('unavailable', unavailableMessage('review', `HTTP ${response.status}`), response.status);
  }

  return {
    status: (signal) => call('GET', undefined, signal),
    signIn: (token) => call('POST', { token: token.trim() }),
    signOut: () => call('DELETE'),
  };
}
