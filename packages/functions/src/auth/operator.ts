import { createHash } from 'node:crypto';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Logger } from 'pino';
import { ClientError } from '@sentiment/core';
import { secretsEqual } from '@sentiment/core/trust';

/**
 * The operator role (issue 7): one secret token, sent as `Authorization: Bearer <token>` or held
 * by the browser in the {@link OPERATOR_COOKIE} session cookie that the operator sign-in sets.
 * Comparisons are constant-time; the token never appears in a log line or a response.
 */

/** Name of the operator session cookie (HttpOnly, SameSite=Strict, Path=/api). */
export const OPERATOR_COOKIE = 'sentiment_operator';

/** Where the cookie is sent: only to the API, never to pages or the model service. */
export const OPERATOR_COOKIE_PATH = '/api';

/** What a request carries that may hold the operator token. */
export interface OperatorCredentials {
  /** The `Authorization` header. */
  authorization?: string | undefined;
  /** `Cookie` header(s), or API Gateway v2's `cookies` array (one `name=value` each). */
  cookies?: string | readonly string[] | undefined;
}

/**
 * The token a request presents: the bearer token when an `Authorization: Bearer` header is present
 * (it wins over the cookie), else the {@link OPERATOR_COOKIE} cookie; `undefined` when neither.
 */
export function presentedOperatorToken(credentials: OperatorCredentials): string | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(credentials.authorization ?? '');
  if (bearer) return bearer[1];
  const cookies = typeof credentials.cookies === 'string' ? [credentials.cookies] : (credentials.cookies ?? []);
  for (const header of cookies) {
    const value = parseCookie(header)[OPERATOR_COOKIE];
    if (value) return value;
  }
  return undefined;
}

/** True when the request presents the operator token (constant-time comparison). */
export function isOperator(credentials: OperatorCredentials, operatorToken: string): boolean {
  return secretsEqual(presentedOperatorToken(credentials), operatorToken);
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
): string {
  const presented = presentedOperatorToken(credentials);
  if (presented !== undefined && secretsEqual(presented, operatorToken)) return operatorIdOf(presented);
  logger.warn({ ...context, credential: presented === undefined ? 'missing' : 'wrong' }, 'operator authentication failed');
  throw new ClientError(
    'unauthorized',
    presented === undefined
      ? 'this route is for operators: send Authorization: Bearer <operator token> or sign in at /operator'
      : 'the operator token is wrong',
  );
}

/**
 * `Set-Cookie` value that keeps `token` for this browser session: HttpOnly (no script reads it),
 * SameSite=Strict (no other site's page sends it), Path=/api, Secure when the site is on HTTPS.
 */
export function operatorSessionCookie(token: string, options: { secure: boolean }): string {
  return serializeCookie(OPERATOR_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: OPERATOR_COOKIE_PATH,
    secure: options.secure,
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
