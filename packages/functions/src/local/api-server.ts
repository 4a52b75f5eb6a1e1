import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { ClientError } from '@sentiment/core';
import { readBodyBytes } from '@sentiment/http/body';
import { sendError } from '@sentiment/http/errors';
import { requestIdFrom } from '@sentiment/http/request-id';
import { createHttpServer } from '@sentiment/http/server';
import { createDocumentClient } from '../clients.ts';
import { parseExportQuery, writeReviewsCsv } from '../export/csv.ts';
import { createApproveHandler } from '../handlers/approve.ts';
import type { HandlerDeps } from '../handlers/deps.ts';
import { auditExport, csvHeaders } from '../handlers/getcsv.ts';
import { createAuditHandler } from '../handlers/audit.ts';
import { createReviewHandler } from '../handlers/review.ts';
import { createReviewsHandler } from '../handlers/reviews.ts';
import { createStatsHandler } from '../handlers/stats.ts';
import { createOpenApiHandler } from '../handlers/openapi.ts';
import { createReviseHandler } from '../handlers/revise.ts';
import { errorResponse, type LambdaHandler, type LambdaResult } from '../lambda/edge.ts';
import { toApiGatewayEvent } from '../lambda/event.ts';
import { createReviewStore } from '../review/store.ts';
import { ensureReviewsTable } from './dynamo.ts';
// Trust (issue 7): operator-only export, operator session, bounded downloads.
import { eventContext, eventCredentials, requireOperator } from '../auth/operator.ts';
import { createDownloadLimits, RetryLaterError, type DownloadLimitOptions } from '../export/download-limits.ts';
import { createOperatorSessionHandler } from '../handlers/operator-session.ts';

/**
 * Every route the adapter serves, with its methods (a GET-only route also answers HEAD): the same routes
 * as the HTTP API in AWS (`infra/api.ts`) and the `/api/*` paths of the OpenAPI document.
 */
export const API_ROUTES = {
  '/api/approve': ['POST'],
  '/api/revise': ['POST'],
  '/api/getcsv': ['GET'],
  '/api/openapi.json': ['GET'],
  '/api/operator/session': ['GET', 'POST', 'DELETE'],
  '/api/reviews': ['GET'],
  '/api/reviews/{id}': ['GET', 'PATCH', 'DELETE'],
  '/api/audit': ['GET'],
  '/api/stats': ['GET'],
} as const satisfies Record<string, readonly string[]>;
type ApiPath = keyof typeof API_ROUTES;

/** `{name}` segments of the route patterns, as API Gateway matches them: one whole path segment each. */
const ROUTE_MATCHERS = Object.keys(API_ROUTES).map((pattern) => ({
  pattern: pattern as ApiPath,
  regex: new RegExp(`^${pattern.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
}));

/** The route pattern a path matches and its path parameters (URL-decoded), or `undefined`. */
export function matchRoute(path: string): { pattern: ApiPath; pathParameters: Record<string, string> } | undefined {
  for (const { pattern, regex } of ROUTE_MATCHERS) {
    const match = regex.exec(path);
    if (!match) continue;
    try {
      return { pattern, pathParameters: Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  tableName: string;
  /** DynamoDB-compatible endpoint, e.g. from `startLocalDynamo()`. */
  endpoint: string;
  /** Default: pino at `info` on stdout. */
  logger?: Logger;
  /** Create the table when missing before listening (default true). */
  ensureTable?: boolean;
  /** Scan page size of the export (default: DynamoDB's 1 MB pages). */
  exportPageSize?: number;
  /** How long a request body may take to arrive, in ms (default 10 s), before a 408. */
  bodyTimeoutMs?: number;
  /** Secret that signs predictions (shared with the model service); reviews must verify under it. */
  predictionSecret: string;
  /** How long a prediction can be reviewed, in ms (default 24 h). */
  predictionTokenMaxAgeMs?: number;
  /** The operator's token: getcsv and `/api/operator/session` require it. */
  operatorToken: string;
  /** Bounds on concurrent and stalled CSV downloads (see `createDownloadLimits`). */
  downloads?: DownloadLimitOptions;
}

export interface ApiServer {
  /** `http://<host>:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * The local stand-in for API Gateway + Lambda: a node:http server (the shared `@sentiment/http` one)
 * that turns each request into an API Gateway HTTP API v2 event and calls the same handler functions
 * as AWS. Routes: {@link API_ROUTES}; `GET /api/getcsv` is streamed straight to the socket by the
 * shared CSV writer, with backpressure, so memory stays flat for any table size.
 * Other paths: 404 `not_found`; other methods on these paths: 405 `method_not_allowed` with `allow`.
 * Bodies over 64 KiB: 413 without reading the rest; a body slower than `bodyTimeoutMs`: 408.
 * Every response carries `x-request-id` (the caller's when sane), which is also the event's request id.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? pino({ level: 'info' });
  const client = createDocumentClient({ endpoint: options.endpoint });
  if (options.ensureTable ?? true) await ensureReviewsTable(client, options.tableName);
  const store = createReviewStore({ client, tableName: options.tableName });
  const deps: HandlerDeps = {
    store,
    logger,
    predictionSecret: options.predictionSecret,
    operatorToken: options.operatorToken,
    ...(options.predictionTokenMaxAgeMs ? { predictionTokenMaxAgeMs: options.predictionTokenMaxAgeMs } : {}),
  };
  const downloads = createDownloadLimits(options.downloads);
  const handlers: Record<Exclude<ApiPath, '/api/getcsv'>, LambdaHandler> = {
    '/api/approve': createApproveHandler(deps),
    '/api/revise': createReviseHandler(deps),
    '/api/openapi.json': createOpenApiHandler(),
    '/api/operator/session': createOperatorSessionHandler(deps),
    '/api/reviews': createReviewsHandler(deps),
    '/api/reviews/{id}': createReviewHandler(deps),
    '/api/audit': createAuditHandler(deps),
    '/api/stats': createStatsHandler(deps),
  };
  const bodyTimeoutMs = options.bodyTimeoutMs;

  function send(res: ServerResponse, result: LambdaResult): void {
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
    res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': body.length });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const route = matchRoute(path);
    if (!route) return void sendError(res, new ClientError('not_found', `No route ${req.method} ${path}`), requestId);
    const bare = {
      method: req.method ?? 'GET',
      path,
      route: route.pattern,
      pathParameters: route.pathParameters,
      rawQueryString: url.search.slice(1),
      headers: req.headers,
      requestId,
    };
    const methods: readonly string[] = API_ROUTES[route.pattern];
    // A read-only GET route also answers HEAD, as API Gateway does; the session route does not.
    const allowed = methods.length === 1 && methods[0] === 'GET' ? ['GET', 'HEAD'] : methods;
    if (!allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      return void sendError(res, new ClientError('method_not_allowed', `${path} accepts ${methods.join(', ')} only`), requestId);
    }

    if (path === '/api/getcsv') {
      const event = toApiGatewayEvent(bare);
      let query;
      try {
        const operator = requireOperator(eventCredentials(event), options.operatorToken, logger, eventContext(event));
        query = parseExportQuery(event.queryStringParameters);
        if (req.method !== 'HEAD') {
          downloads.enter(res);
          await auditExport(deps, operator, requestId, query.filter);
        }
      } catch (error) {
        if (error instanceof RetryLaterError) res.setHeader('retry-after', String(error.retryAfterSeconds));
        return send(res, errorResponse(error, event, logger));
      }
      res.writeHead(200, csvHeaders(query.delimiter));
      if (req.method === 'HEAD') return void res.end();
      try {
        await writeReviewsCsv(
          store.scanReviews({ filter: query.filter, ...(options.exportPageSize ? { pageSize: options.exportPageSize } : {}) }),
          query.delimiter,
          res,
        );
      } catch (error) {
        // Headers are gone; all we can do is cut the response so the client sees an incomplete download.
        if (!res.destroyed) logger.error({ requestId, err: error }, 'export failed mid-stream');
        res.destroy();
      }
      return;
    }

    let body: Buffer;
    try {
      body = await readBodyBytes(req, bodyTimeoutMs === undefined ? {} : { timeoutMs: bodyTimeoutMs });
    } catch (error) {
      // The rest of the body is never read: close the connection instead of draining it.
      sendError(res, error, requestId, { close: true });
      res.once('finish', () => req.destroy());
      return;
    }
    // Base64 keeps the bytes exact, as API Gateway does for bodies it does not trust as text.
    const result = await handlers[route.pattern as keyof typeof handlers](toApiGatewayEvent({ ...bare, body, base64: true }));
    send(res, req.method === 'HEAD' ? { ...result, body: '' } : result);
  }

  const http = createHttpServer((req, res) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    res.once('close', () => {
      logger.info({ requestId, method: req.method, path: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    handle(req, res, requestId).catch((error: unknown) => {
      logger.error({ requestId, err: error }, 'local adapter failure');
      if (!res.headersSent) sendError(res, error, requestId);
      else res.destroy();
    });
  });
  const url = await http.listen(options.port, options.host ?? '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      // Bound the wait for in-flight downloads to 2 s, then release the DynamoDB client.
      closing ??= http.close({ timeoutMs: 2000, logger }).finally(() => client.destroy());
      return closing;
    },
  };
}
