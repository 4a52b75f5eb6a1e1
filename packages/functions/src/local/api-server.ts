import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { ClientError } from '@sentiment/core';
import { createDocumentClient } from '../clients.ts';
import { parseExportQuery, writeReviewsCsv } from '../export/csv.ts';
import { createApproveHandler } from '../handlers/approve.ts';
import type { HandlerDeps } from '../handlers/deps.ts';
import { csvHeaders } from '../handlers/getcsv.ts';
import { createReviseHandler } from '../handlers/revise.ts';
import { errorResponse, MAX_BODY_BYTES, type LambdaEvent, type LambdaHandler, type LambdaResult } from '../lambda/edge.ts';
import { toApiGatewayEvent } from '../lambda/event.ts';
import { createReviewStore } from '../review/store.ts';
import { ensureReviewsTable } from './dynamo.ts';
// Trust (issue 7): operator-only export, operator session, bounded downloads.
import { eventContext, eventCredentials, requireOperator } from '../auth/operator.ts';
import { createDownloadLimits, RetryLaterError, type DownloadLimitOptions } from '../export/download-limits.ts';
import { createOperatorSessionHandler, OPERATOR_SESSION_METHODS } from '../handlers/operator-session.ts';

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

type Route = { method: 'POST'; handler: LambdaHandler } | { method: 'GET'; stream: true } | { method: 'ANY'; allow: readonly string[]; handler: LambdaHandler };

/**
 * The local stand-in for API Gateway + Lambda: a node:http server that turns each request into an
 * API Gateway HTTP API v2 event and calls the same handler functions as AWS.
 * Routes: `POST /api/approve`, `POST /api/revise`, `GET /api/getcsv` (streamed straight to the socket by
 * the shared CSV writer, with backpressure, so memory stays flat for any table size).
 * Other paths: 404 `not_found`; other methods on these paths: 405 `method_not_allowed` with `allow`.
 * Bodies over 64 KiB: 413 without reading the rest; a body slower than `bodyTimeoutMs`: 408.
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
  const routes: Record<string, Route> = {
    '/api/approve': { method: 'POST', handler: createApproveHandler(deps) },
    '/api/revise': { method: 'POST', handler: createReviseHandler(deps) },
    '/api/getcsv': { method: 'GET', stream: true },
    '/api/operator/session': { method: 'ANY', allow: OPERATOR_SESSION_METHODS, handler: createOperatorSessionHandler(deps) },
  };
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;

  function send(res: ServerResponse, result: LambdaResult): void {
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
    res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': body.length });
    res.end(body);
  }

  function fail(res: ServerResponse, event: LambdaEvent, error: unknown, close = false): void {
    if (close) res.setHeader('connection', 'close');
    send(res, errorResponse(error, event, logger));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const bare = { method: req.method ?? 'GET', path: url.pathname, rawQueryString: url.search.slice(1), headers: req.headers };
    const route = routes[url.pathname];
    if (!route) return fail(res, toApiGatewayEvent(bare), new ClientError('not_found', `no route ${req.method} ${url.pathname}`));
    const allowed = route.method === 'ANY' ? route.allow.includes(req.method ?? '') : req.method === route.method;
    if (!allowed && !(route.method === 'GET' && req.method === 'HEAD')) {
      res.setHeader('allow', route.method === 'ANY' ? route.allow.join(', ') : route.method === 'GET' ? 'GET, HEAD' : 'POST');
      return fail(res, toApiGatewayEvent(bare), new ClientError('method_not_allowed', `${url.pathname} accepts ${route.method} only`));
    }

    if ('stream' in route) {
      const event = toApiGatewayEvent(bare);
      let delimiter;
      try {
        requireOperator(eventCredentials(event), options.operatorToken, logger, eventContext(event));
        delimiter = parseExportQuery(event.queryStringParameters).delimiter;
        if (req.method !== 'HEAD') downloads.enter(res);
      } catch (error) {
        if (error instanceof RetryLaterError) res.setHeader('retry-after', String(error.retryAfterSeconds));
        return fail(res, event, error);
      }
      res.writeHead(200, csvHeaders(delimiter));
      if (req.method === 'HEAD') return void res.end();
      try {
        await writeReviewsCsv(store.scanReviews(options.exportPageSize ? { pageSize: options.exportPageSize } : {}), delimiter, res);
      } catch (error) {
        // Headers are gone; all we can do is cut the response so the client sees an incomplete download.
        if (!res.destroyed) logger.error({ requestId: event.requestContext.requestId, err: error }, 'export failed mid-stream');
        res.destroy();
      }
      return;
    }

    const declared = Number(req.headers['content-length']);
    // A declared length over the limit is refused at once, like the model service does, instead of waiting for bytes.
    const body = declared > MAX_BODY_BYTES ? 'too_large' : await readBody(req, bodyTimeoutMs);
    if (body === 'too_large' || body === 'timeout') {
      const error =
        body === 'too_large'
          ? new ClientError('payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`)
          : new ClientError('request_timeout', `request body did not arrive within ${bodyTimeoutMs} ms`);
      // The rest of the body is never read: close the connection instead of draining it.
      fail(res, toApiGatewayEvent(bare), error, true);
      res.once('finish', () => req.destroy());
      return;
    }
    // Base64 keeps the bytes exact, as API Gateway does for bodies it does not trust as text.
    send(res, await route.handler(toApiGatewayEvent({ ...bare, body, base64: true })));
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    res.once('close', () => {
      logger.info({ method: req.method, path: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'local adapter failure');
      if (!res.headersSent) send(res, errorResponse(error, toApiGatewayEvent({ method: req.method ?? 'GET', path: '/' }), logger));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          client.destroy();
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
        // Bound the wait for in-flight downloads.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      return closing;
    },
  };
}

/**
 * Reads at most MAX_BODY_BYTES + 1 bytes: more means 413 (the rest is never buffered), and a body that
 * stalls longer than `timeoutMs` means 408.
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer | 'too_large' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    function finish(result: Buffer | 'too_large' | 'timeout' | Error): void {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      if (result instanceof Error) reject(result);
      else {
        if (!Buffer.isBuffer(result)) req.pause();
        resolve(result);
      }
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return finish('too_large');
      chunks.push(chunk);
    }
    function onEnd(): void {
      finish(Buffer.concat(chunks));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', finish);
  });
}
