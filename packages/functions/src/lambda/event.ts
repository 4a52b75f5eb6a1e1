import { randomUUID } from 'node:crypto';
import type { LambdaEvent } from './edge.ts';

/** What an HTTP request carries, before it becomes an API Gateway event. */
export interface RawRequest {
  method: string;
  /** Path without the query, e.g. `/api/approve`. */
  path: string;
  /** The route pattern the path matched, e.g. `/api/reviews/{id}` (default: the path). */
  route?: string;
  /** Values of the pattern's `{name}` segments. */
  pathParameters?: Record<string, string>;
  /** Query without `?`, e.g. `delimiter=semicolon`. */
  rawQueryString?: string;
  /** Header names in any case; repeated headers as arrays. */
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
  /** Sent base64-encoded (as API Gateway does for bodies it treats as binary). */
  base64?: boolean;
  requestId?: string;
  sourceIp?: string;
}

/**
 * Builds an API Gateway HTTP API payload-format-2.0 event the way API Gateway does: lower-case header
 * names, repeated headers and query parameters joined with commas, cookies split out, an empty body
 * omitted, `requestContext.requestId` set.
 */
export function toApiGatewayEvent(request: RawRequest): LambdaEvent {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/)).filter(Boolean);
      continue;
    }
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const rawQueryString = request.rawQueryString ?? '';
  const query = new URLSearchParams(rawQueryString);
  // fromEntries defines own properties, so a key like `__proto__` stays a key and is validated like any other.
  const queryStringParameters: Record<string, string> = Object.fromEntries(
    [...new Set(query.keys())].map((key) => [key, query.getAll(key).join(',')]),
  );
  const bodyBuffer = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const hasBody = bodyBuffer !== undefined && bodyBuffer.length > 0;
  const requestId = request.requestId ?? randomUUID();
  const now = new Date();
  const routeKey = `${request.method} ${request.route ?? request.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query.size > 0 ? { queryStringParameters } : {}),
    ...(request.pathParameters && Object.keys(request.pathParameters).length ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: request.base64 ? bodyBuffer.toString('base64') : bodyBuffer.toString('utf8') } : {}),
    isBase64Encoded: Boolean(hasBody && request.base64),
  };
}
