import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { ServiceState } from './state.ts';

/**
 * Keep-alive timeout in ms. An AWS load balancer keeps idle connections 60 s by default; the
 * service must keep them longer, or it may close a socket the balancer is about to reuse (502s).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Must exceed the keep-alive timeout (Node's guidance), so a reused socket is not cut mid-headers. */
export const HEADERS_TIMEOUT_MS = 66_000;
/** Default bound on draining at shutdown before the remaining connections are cut. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServerOptions {
  app: Koa;
  state: ServiceState;
  logger: Logger;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Longest wait for in-flight requests at shutdown, ms; default {@link SHUTDOWN_TIMEOUT_MS}. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  server: Server;
  /**
   * Graceful shutdown: readiness turns 503, new responses carry `Connection: close`, the listener
   * stops, idle keep-alive sockets close, in-flight requests finish; after `shutdownTimeoutMs` the
   * remaining connections are cut. Resolves when the server has closed. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Starts `app` on `host:port` and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, state, logger } = options;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  const server = createServer(app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      state.startDraining();
      const bound = setTimeout(() => {
        logger.warn({ shutdownTimeoutMs }, 'shutdown bound reached; closing remaining connections');
        server.closeAllConnections();
      }, shutdownTimeoutMs);
      bound.unref();
      server.close(() => {
        clearTimeout(bound);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { url, server, close };
}

/**
 * Answers what Node's HTTP parser rejects before Koa sees it (bad request line, oversized
 * headers, header timeout) with the same JSON error shape, then closes the socket.
 */
/**
 * Answers a request Node's HTTP parser rejected (no Koa context exists yet) with the usual JSON error
 * body: 431 `headers_too_large`, 408 `request_timeout` or 400 `malformed_request`, then closes. Use as
 * a `clientError` listener; the local gateway uses it too.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'Request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'Request did not arrive in time']
        : [400, 'Bad Request', 'malformed_request', 'Request is not valid HTTP/1.1'];
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
