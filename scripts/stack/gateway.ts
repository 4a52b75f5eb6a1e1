import { existsSync, readFileSync } from 'node:fs';
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { ClientError } from '@sentiment/core';
import { declaresBody, readBodyBytes } from '@sentiment/http/body';
import { sendError } from '@sentiment/http/errors';
import { requestIdFrom } from '@sentiment/http/request-id';
import { createHttpServer, type HttpServer } from '@sentiment/http/server';
import type { Logger } from 'pino';
import sirv from 'sirv';
import type { RateLimitHook } from './rate-limit.ts';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Folder of the static export (`packages/web/out`); missing → every page answers 503. */
  staticDir: string;
  /** Origin of the functions' local adapter; `/api/*` goes there unchanged (it keeps `/api`). */
  apiTarget: string;
  /** Origin of the model service; `/model/*` goes there with `/model` stripped. */
  modelTarget: string;
  /**
   * Idle time in ms after which a proxied request is given up with 504 (socket inactivity, so a
   * long CSV that keeps streaming is never cut). Default 30000.
   */
  proxyTimeoutMs?: number;
  /** How long a request body may take to arrive, in ms, before a 408 (default: the shared 10 s). */
  bodyTimeoutMs?: number;
  logger: Logger;
  /** Issue 7: per-address rate limits (`createRateLimit`), run before anything is proxied. */
  rateLimit?: RateLimitHook;
}

/** Answers `code` with the shared JSON error body; the request id is the one forwarded upstream. */
function fail(req: IncomingMessage, res: ServerResponse, code: ConstructorParameters<typeof ClientError>[0], message: string): void {
  sendError(res, new ClientError(code, message), requestIdFrom(req.headers['x-request-id']));
}

/** Which upstream a path belongs to; `rest` is the path (with query) to send there. */
export function routeOf(url: string): { to: 'api' | 'model' | 'static'; rest: string } {
  const path = url.split('?', 1)[0] ?? '';
  if (path === '/api' || path.startsWith('/api/')) return { to: 'api', rest: url };
  if (path === '/model' || path.startsWith('/model/')) {
    const rest = url.slice('/model'.length);
    return { to: 'model', rest: rest.startsWith('/') ? rest : `/${rest}` };
  }
  return { to: 'static', rest: url };
}

function staticHandler(dir: string, logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn({ dir }, 'static export missing: pages answer 503 (build it with npm run build -w packages/web)');
    return (req, res) => fail(req, res, 'service_unavailable', 'The web app is not built (npm run build -w packages/web).');
  }
  const notFoundFile = join(dir, '404.html');
  const notFoundPage = existsSync(notFoundFile) ? readFileSync(notFoundFile) : undefined;
  const serve = sirv(dir, {
    etag: true,
    // Next puts content-hashed assets under /_next/static: cache them for good, revalidate the rest.
    setHeaders: (res, pathname) => {
      res.setHeader('x-content-type-options', 'nosniff');
      // sirv's type table (mrmime) has no type for .ico and would send an empty Content-Type.
      if (pathname.endsWith('.ico')) res.setHeader('content-type', 'image/x-icon');
      res.setHeader('cache-control', pathname.startsWith('/_next/static/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
    onNoMatch: notFound,
  });
  function notFound(req: IncomingMessage, res: ServerResponse): void {
    if (!notFoundPage) return fail(req, res, 'not_found', 'No such page.');
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-length': notFoundPage.length });
    res.end(notFoundPage);
  }
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(req, res, 'method_not_allowed', `${req.method} is not allowed on static pages.`);
    }
    // To sirv the export's not-found files (/404, /_not-found.html, …) are pages like any other: 200.
    const path = (req.url ?? '/').split('?', 1)[0] ?? '';
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // sirv answers a malformed path itself.
    }
    if (/^\/(?:404|_not-found)(?:\.html|\.txt)?\/?$/.test(decoded)) return notFound(req, res);
    serve(req, res);
  };
}

/**
 * The one origin of the local stack (DESIGN.md "One origin"), built on the shared `@sentiment/http`
 * server and not yet listening: `/api/*` → the functions' adapter, `/model/*` → the model service
 * without the `/model` prefix, anything else → the static export.
 * Request bodies of `/api/*` and `/model/*` are read here first, with the one limit and timeout of
 * every server (64 KiB, 10 s), declared and chunked alike: an oversized body is 413 JSON and a
 * stalled one 408 JSON from the gateway itself, and an upstream only ever gets a whole, bounded body
 * (streaming an oversized one let the upstream refuse it mid-upload, which the proxy reported as 502).
 * Each proxied request carries `X-Request-Id` (the caller's when sane) to the upstream. An unreachable
 * upstream answers 502 `bad_gateway` and a silent one 504 `gateway_timeout`; the request never hangs.
 */
export function createGateway(options: GatewayOptions): HttpServer {
  const { logger } = options;
  const timeoutMs = options.proxyTimeoutMs ?? 30_000;
  // Upstream connections are kept and reused (the agent closes an idle one before the upstream's own
  // keep-alive timeout, which it reads from the upstream's Keep-Alive header). Without an agent the
  // proxy asks every upstream for Connection: close, and passes that answer on to the caller too.
  const agent = new Agent({ keepAlive: true });
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: timeoutMs, agent });
  const timedOut = new WeakSet<IncomingMessage>();
  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    proxyReq.on('timeout', () => timedOut.add(req));
  });
  const serveStatic = staticHandler(options.staticDir, logger);

  const upstreamError = (name: string) => (err: Error, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
    if (!('writeHead' in res)) return void res.destroy();
    logger.warn({ err: err.message, upstream: name, url: req.url, requestId: req.headers['x-request-id'] }, 'upstream request failed');
    if (res.headersSent) return void res.destroy();
    if (timedOut.has(req)) fail(req, res, 'gateway_timeout', `The ${name} did not answer within ${timeoutMs / 1000} s.`);
    else fail(req, res, 'bad_gateway', `The ${name} is unreachable; is it running?`);
  };
  const upstreams = {
    api: { target: options.apiTarget, onError: upstreamError('API') },
    model: { target: options.modelTarget, onError: upstreamError('model service') },
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, upstream: (typeof upstreams)['api']): Promise<void> => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    if (!declaresBody(req.headers)) return proxy.web(req, res, { target: upstream.target }, upstream.onError);
    let body: Buffer;
    try {
      body = await readBodyBytes(req, options.bodyTimeoutMs === undefined ? {} : { timeoutMs: options.bodyTimeoutMs });
    } catch (error) {
      // The rest of the body is never read: close the connection instead of draining it.
      sendError(res, error, requestId, { close: true });
      res.once('finish', () => req.destroy());
      return;
    }
    // The upstream gets the whole body with its exact length, never chunked.
    delete req.headers['transfer-encoding'];
    req.headers['content-length'] = String(body.length);
    proxy.web(req, res, { target: upstream.target, buffer: Readable.from([body]) }, upstream.onError);
  };

  const server = createHttpServer((req, res) => {
    const route = routeOf(req.url ?? '/');
    if (route.to === 'static') return serveStatic(req, res);
    const go = (): void => {
      req.url = route.rest;
      forward(req, res, upstreams[route.to === 'api' ? 'api' : 'model']).catch((error: unknown) => {
        logger.error({ err: error, url: req.url }, 'gateway failure');
        if (!res.headersSent) sendError(res, error, requestIdFrom(req.headers['x-request-id']));
        else res.destroy();
      });
    };
    // Issue 7: per-address limits run before anything is read or proxied.
    if (options.rateLimit) return options.rateLimit(req, res, go);
    go();
  });
  return {
    ...server,
    async close(closeOptions) {
      try {
        await server.close(closeOptions);
      } finally {
        agent.destroy();
      }
    },
  };
}

/** Options of {@link startGateway}: the gateway's and where it listens. */
export interface StartGatewayOptions extends GatewayOptions {
  port: number;
  host: string;
}

/** Creates the gateway and listens; resolves with its URL and a graceful `close()` (bounded at 5 s). */
export async function startGateway(options: StartGatewayOptions): Promise<{ url: string; close(): Promise<void> }> {
  const gateway = createGateway(options);
  const url = await gateway.listen(options.port, options.host);
  return { url, close: () => gateway.close({ timeoutMs: 5000, logger: options.logger }) };
}
