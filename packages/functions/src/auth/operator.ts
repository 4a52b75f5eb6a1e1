import { createHash, createHmac, randomBytes } from 'node:crypto';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Logger } from 'pino';
import { ClientError } from '@sentiment/core';
import { secretsEqual } from '@sentiment/core/trust';

/**
 * The operator role (issue 7): one secret token, sent as `Authorization: Bearer <token>`, or a
 * session the operator sign-in gives the browser in the {@link OPERATOR_COOKIE} cookie. The cookie
 * never holds the token: it is `s1.<expires, ms since the epoch>.<nonce>.<HMAC-SHA256 under the
 * token>`, valid for {@link OPERATOR_SESSION_MS}, so a copied cookie neither reveals the token nor
 * outlives its expiry, and rotating the token ends every session at once.
 * Comparisons are constant-time; the token never appears in a log line, a response or a cookie.
 */

/** Name of the operator session cookie (HttpOnly, SameSite=Strict, Path=/api). */
export const OPERATOR_COOKIE = 'sentiment_operator';

/** Where the cookie is sent: only to the API, never to pages or the model service. */
export const OPERATOR_COOKIE_PATH = '/api';

/** How long a sign-in lasts: 8 hours, a working day. */
export const OPERATOR_SESSION_MS = 8 * 60 * 60 * 1000;

const SESSION_PREFIX = 's1';

function sessionMac(operatorToken: string, expiresMs: number, nonce: string): string {
  return createHmac('sha256', operatorToken).update(`operator-session|${expiresMs}|${nonce}`, 'utf8').digest('base64url');
}

/** A new session value for the cookie: expires {@link OPERATOR_SESSION_MS} after `now`. */
export function newOperatorSession(operatorToken: string, now: Date = new Date()): { value: string; expires: Date } {
  const expiresMs = now.getTime() + OPERATOR_SESSION_MS;
  const nonce = randomBytes(16).toString('base64url');
  return { value: `${SESSION_PREFIX}.${expiresMs}.${nonce}.${sessionMac(operatorToken, expiresMs, nonce)}`, expires: new Date(expiresMs) };
}

/** True when `value` is a session signed under `operatorToken` that has not expired at `now` (constant-time MAC check). */
export function isValidOperatorSession(value: string, operatorToken: string, now: Date = new Date()): boolean {
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== SESSION_PREFIX || !/^\d{1,15}$/.test(parts[1]!)) return false;
  const expiresMs = Number(parts[1]);
  if (!(expiresMs > now.getTime())) return false;
  return secretsEqual(parts[3], sessionMac(operatorToken, expiresMs, parts[2]!));
}

/** What a request carries that may prove the operator role. */
export interface OperatorCredentials {
  /** The `Authorization` header. */
  authorization?: string | undefined;
  /** `Cookie` header(s), or API Gateway v2's `cookies` array (one `name=value` each). */
  cookies?: string | readonly string[] | undefined;
}

/** A presented credential: the bearer token, or the session cookie's value. */
export type PresentedCredential = { kind: 'bearer'; token: string } | { kind: 'session'; value: string };

/**
 * What a request presents: the bearer token when an `Authorization: Bearer` header is present (it
 * wins over the cookie), else the {@link OPERATOR_COOKIE} session; `undefined` when neither.
 */
export function presentedCredential(credentials: OperatorCredentials): PresentedCredential | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(credentials.authorization ?? '');
  if (bearer) return { kind: 'bearer', token: bearer[1]! };
  const cookies = typeof credentials.cookies === 'string' ? [credentials.cookies] : (credentials.cookies ?? []);
  for (const header of cookies) {
    const value = parseCookie(header)[OPERATOR_COOKIE];
    if (value) return { kind: 'session', value };
  }
  return undefined;
}

function credentialValid(presented: PresentedCredential | undefined, operatorToken: string, now: Date): boolean {
  if (presented === undefined) return false;
  return presented.kind === 'bearer' ? secretsEqual(presented.token, operatorToken) : isValidOperatorSession(presented.value, operatorToken, now);
}

/** True when the request presents the operator token or a live session signed under it (constant-time). */
export function isOperator(credentials: OperatorCredentials, operatorToken: string, now: Date = new Date()): boolean {
  return credentialValid(presentedCredential(credentials), operatorToken, now);
}

/**
 * The operator's id for `correctedBy` and the audit trail: `operator:` + the first 8 hex digits of the
 * token's SHA-256. Tells tokens apart (a rotated token shows as a new id) and reveals nothing usable of it.
 */
export function operatorIdOf(token: string): string {
  return `operator:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 8)}`;
}

/**
 * Lets an operator request through and returns the operator's id ({@link operatorIdOf}); otherwise logs
 * the attempt (never the token) and throws.
 * @param context request id, client address and path for the log line.
 * @throws {ClientError} `unauthorized` (401) when no token or a wrong one is presented.
 */
export function requireOperator(
  credentials: OperatorCredentials,
  operatorToken: string,
  logger: Logger,
  context: { requestId: string; sourceIp?: string | undefined; path: string },
  now: Date = new Date(),
): string {
  const presented = presentedCredential(credentials);
  if (credentialValid(presented, operatorToken, now)) return operatorIdOf(operatorToken);
  const credential = presented === undefined ? 'missing' : presented.kind === 'bearer' ? 'wrong' : 'session invalid or expired';
  logger.warn({ ...context, credential }, 'operator authentication failed');
  throw new ClientError(
    'unauthorized',
    presented === undefined
      ? 'this route is for operators: send Authorization: Bearer <operator token> or sign in at /operator'
      : presented.kind === 'bearer'
        ? 'the operator token is wrong'
        : 'the operator session has expired or is no longer valid: sign in again at /operator',
  );
}

/**
 * `Set-Cookie` value of a new session ({@link newOperatorSession}, never the token itself): HttpOnly (no
 * script reads it), SameSite=Strict (no other site's page sends it), Path=/api, Secure when the site is
 * on HTTPS, and Expires/Max-Age at the session's end.
 */
export function operatorSessionCookie(operatorToken: string, options: { secure: boolean; now?: Date }): string {
  const session = newOperatorSession(operatorToken, options.now);
  return serializeCookie(OPERATOR_COOKIE, session.value, {
    httpOnly: true,
    sameSite: 'strict',
    path: OPERATOR_COOKIE_PATH,
    secure: options.secure,
    expires: session.expires,
    maxAge: OPERATOR_SESSION_MS / 1000,
  });
}

/** `Set-Cookie` value that deletes the operator session cookie (sign-out). */
export function clearedOperatorCookie(options: { secure: boolean }): string {
  return serializeCookie(OPERATOR_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    path: OPERATOR_COOKIE_PATH,
    secure: options.secure,
    expires: new Date(0),
    maxAge: 0,
  });
}

/** The credentials and log context of an API Gateway v2 event. */
export function eventCredentials(event: APIGatewayProxyEventV2): OperatorCredentials {
  return { authorization: event.headers?.authorization, cookies: event.cookies };
}

/** Request id, client address and path of an event, for the failed-attempt log line. */
export function eventContext(event: APIGatewayProxyEventV2): { requestId: string; sourceIp?: string | undefined; path: string } {
  return { requestId: event.requestContext?.requestId ?? 'unknown', sourceIp: event.requestContext?.http?.sourceIp, path: event.rawPath };
}

/** True when the site was reached over HTTPS (API Gateway and CloudFront set X-Forwarded-Proto), so cookies get `Secure`. */
export function isHttps(event: APIGatewayProxyEventV2): boolean {
  return event.headers?.['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase() === 'https';
}
