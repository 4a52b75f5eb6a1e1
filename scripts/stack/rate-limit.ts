import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ClientError } from '@sentiment/core';
import { sendError } from '@sentiment/http/errors';
import { requestIdFrom } from '@sentiment/http/request-id';
import { isOperator } from '../../packages/functions/src/auth/operator.ts';

/**
 * Per-address rate limits of the local gateway (issue 7). Two buckets per client address, one for
 * predictions (`POST /model/predict`, `/model/batch-predict`) and one for reviews (`POST /api/approve`,
 * `/api/revise`); each holds `perMinute` requests and refills 60 s after its first use
 * (rate-limiter-flexible's in-memory limiter). Over the limit: 429 `too_many_requests` JSON with
 * `Retry-After`. Operators (valid bearer token or session cookie) are never limited; everything
 * else (pages, health checks, the operator routes) is not counted.
 *
 * Defaults: one person typing writes a sentence in several seconds, reads the result and reviews it,
 * so even a fast typist stays under 1 prediction and 1–2 reviews per 2 s; 30 a minute each leaves
 * room for retries while a script hammering the model is stopped within a minute.
 */
export const DEFAULT_PER_MINUTE = { predictions: 30, reviews: 30 } as const;

export type Bucket = keyof typeof DEFAULT_PER_MINUTE;

/** Which bucket a request counts against, or `undefined` when it is not limited. `path` is the origin's path (before `/model` is stripped). */
export function bucketOf(method: string | undefined, url: string): Bucket | undefined {
  if (method !== 'POST') return undefined;
  const path = url.split('?', 1)[0];
  if (path === '/model/predict' || path === '/model/batch-predict') return 'predictions';
  if (path === '/api/approve' || path === '/api/revise') return 'reviews';
  return undefined;
}

/** Middleware of the gateway: calls `next()` to proxy, or answers 429 itself. */
export type RateLimitHook = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The client address: the socket's peer (the gateway is the edge; X-Forwarded-For is not trusted), IPv4-mapped IPv6 unwrapped. */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * Creates the gateway's rate-limit hook.
 * @param options.perMinute overrides both defaults (`RATE_LIMIT_PER_MINUTE`).
 * @param options.operatorToken requests presenting it are not limited.
 */
export function createRateLimit(options: { perMinute?: number | undefined; operatorToken: string; logger: Logger }): RateLimitHook {
  const limits: Record<Bucket, number> = {
    predictions: options.perMinute ?? DEFAULT_PER_MINUTE.predictions,
    reviews: options.perMinute ?? DEFAULT_PER_MINUTE.reviews,
  };
  const limiters: Record<Bucket, RateLimiterMemory> = {
    predictions: new RateLimiterMemory({ keyPrefix: 'predictions', points: limits.predictions, duration: 60 }),
    reviews: new RateLimiterMemory({ keyPrefix: 'reviews', points: limits.reviews, duration: 60 }),
  };
  return (req, res, next) => {
    const bucket = bucketOf(req.method, req.url ?? '/');
    if (bucket === undefined) return next();
    if (isOperator({ authorization: req.headers.authorization, cookies: req.headers.cookie }, options.operatorToken)) return next();
    const address = clientAddress(req);
    limiters[bucket].consume(address).then(
      () => next(),
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          // The in-memory store cannot fail; if it ever does, serve rather than block everyone.
          options.logger.error({ err: rejection }, 'rate limiter failed; request let through');
          return next();
        }
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        options.logger.warn({ address, bucket, retryAfter }, 'rate limit hit');
        const message = `Too many ${bucket} from this address: at most ${limits[bucket]} a minute. Retry in ${retryAfter} s.`;
        res.setHeader('retry-after', String(retryAfter));
        // The body was not read: close rather than drain it.
        sendError(res, new ClientError('too_many_requests', message), requestIdFrom(req.headers['x-request-id']), { close: true });
        res.once('finish', () => req.destroy());
      },
    );
  };
}
