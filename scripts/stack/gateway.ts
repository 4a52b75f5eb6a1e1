import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ClientRequest } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import { MAX_REQUEST_BODY_BYTES } from '@sentiment/core';
import { answerClientError } from '@sentiment/http/server';
import type { Logger } from 'pino';
import sirv from 'sirv';

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
  logger: Logger;
}

/** Error codes the gateway itself answers with, beside the upstreams' own. */
type GatewayErrorCode = 'payload_too_large' | 'bad_gateway' | 'gateway_timeout' | 'not_found' | 'method_not_allowed' | 'service_unavailable';

function sendError(res: ServerResponse, status: number, code: GatewayErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
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
    return (_req, res) => sendError(res, 503, 'service_unavailable', 'The web app is not built (npm run build -w packages/web).');
  }
  const notFoundFile = join(dir, '404.html');
  const notFoundPage = existsSync(notFoundFile) ? readFileSync(notFoundFile) : undefined;
  const serve = sirv(dir, {
    etag: true,
    // Next puts content-hashed assets under /_next/static: cache them for good, revalidate the rest.
    setHeaders: (res, pathname) => {
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader(
        'cache-control',
        pathname.startsWith('/_next/static/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
    onNoMatch: (_req, res) => {
      if (!notFoundPage) return sendError(res, 404, 'not_found', 'No such page.');
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-length': notFoundPage.length });
      res.end(notFoundPage);
    },
  });
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on static pages.`);
    }
    serve(req, res);
  };
}

/**
 * The one origin of the local stack (DESIGN.md "One origin"), as a plain `node:http` server not yet
 * listening: `/api/*` → the functions' adapter, `/model/*` → the model service without the `/model`
 * prefix, anything else → the static export. An unreachable upstream answers 502 and a silent one
 * 504, both with the JSON error body `{"error": {"code", "message"}}`; the request never hangs.
 */
export function createGateway(options: GatewayOptions): Server {
  const { logger } = options;
  const timeoutMs = options.proxyTimeoutMs ?? 30_000;
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: timeoutMs });
  const timedOut = new WeakSet<IncomingMessage>();
  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    proxyReq.on('timeout', () => timedOut.add(req));
  });
  const serveStatic = staticHandler(options.staticDir, logger);

  const upstreamError = (name: string) => (err: Error, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
    if (!('writeHead' in res)) return void res.destroy();
    logger.warn({ err: err.message, upstream: name, url: req.url }, 'upstream request failed');
    if (res.headersSent) return void res.destroy();
    if (timedOut.has(req)) {
      sendError(res, 504, 'gateway_timeout', `The ${name} did not answer within ${timeoutMs / 1000} s.`);
    } else {
      sendError(res, 502, 'bad_gateway', `The ${name} is unreachable; is it running?`);
    }
  };
  const apiError = upstreamError('API');
  const modelError = upstreamError('model service');

  const server = createServer((req, res) => {
    const route = routeOf(req.url ?? '/');
    if (route.to === 'static') return serveStatic(req, res);
    req.url = route.rest;
    // Both upstreams refuse such a body with 413 and close the socket mid-upload, which the proxy
    // would then report as 502: refuse it here first, without reading it.
    if (Number(req.headers['content-length']) > MAX_REQUEST_BODY_BYTES) {
      res.setHeader('connection', 'close');
      sendError(res, 413, 'payload_too_large', `request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
      res.once('finish', () => req.destroy());
      return;
    }
    if (route.to === 'api') proxy.web(req, res, { target: options.apiTarget }, apiError);
    else proxy.web(req, res, { target: options.modelTarget }, modelError);
  });
  // Malformed HTTP (bad chunking, oversized headers) gets the same JSON error body as everything else.
  server.on('clientError', answerClientError);
  return server;
}
