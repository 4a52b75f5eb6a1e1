import type { Server } from 'node:http';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { createHttpServer, SHUTDOWN_TIMEOUT_MS } from '@sentiment/http/server';
import type { ServiceState } from './state.ts';

/**
 * Keep-alive timeout in ms. An AWS load balancer keeps idle connections 60 s by default; the
 * service must keep them longer, or it may close a socket the balancer is about to reuse (502s).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Must exceed the keep-alive timeout (Node's guidance), so a reused socket is not cut mid-headers. */
export const HEADERS_TIMEOUT_MS = 66_000;
export { SHUTDOWN_TIMEOUT_MS };

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

/** Starts `app` on `host:port` (the shared `@sentiment/http` server) and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, state, logger } = options;
  // Koa answers a failing request itself (its onerror sends the 500); a rejection that still gets past it is logged, not left unhandled.
  const handle = app.callback();
  const http = createHttpServer((req, res) => void handle(req, res).catch((err: unknown) => logger.error({ err }, 'request handler failed')), {
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    isDraining: () => state.draining,
  });
  const url = await http.listen(options.port, options.host);
  return {
    url,
    server: http.server,
    close() {
      state.startDraining();
      return http.close({ timeoutMs: options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS, logger });
    },
  };
}
