import type { ServerResponse } from 'node:http';
import { ClientError } from '@sentiment/core';

/**
 * Bounds on streamed CSV downloads (issue 7: 200 export clients that never read their download grew
 * the local stack from 271 to 500 MiB, each holding a scan page and stream buffers). At most
 * `maxConcurrent` downloads stream at once (more: 429 with Retry-After), and a download whose client
 * reads nothing for `stallMs` is cut, so a silent client frees its slot and memory.
 */
export interface DownloadLimits {
  /**
   * Takes a download slot for `res`; it is released when `res` closes (finished, cut or aborted).
   * Also arms the stall timer on `res`'s socket.
   * @throws {ClientError} `too_many_requests` (429) when every slot is taken; `retryAfterSeconds` says when to retry.
   */
  enter(res: ServerResponse): void;
  /** Downloads streaming now. */
  readonly active: number;
}

/** Defaults: an operator downloads one file at a time; 4 leaves room for retries and a second person. */
export const DEFAULT_DOWNLOAD_LIMITS: Required<DownloadLimitOptions> = { maxConcurrent: 4, stallMs: 30_000, retryAfterSeconds: 5 };

/** Options of {@link createDownloadLimits}; each defaults to {@link DEFAULT_DOWNLOAD_LIMITS}. */
export interface DownloadLimitOptions {
  /** Downloads streaming at once. */
  maxConcurrent?: number;
  /** A download whose socket sees no progress this long (ms) is cut. */
  stallMs?: number;
  /** `Retry-After` of the 429, in seconds. */
  retryAfterSeconds?: number;
}

/** A {@link ClientError} that also tells the caller when to retry (the `Retry-After` header). */
export class RetryLaterError extends ClientError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('too_many_requests', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function createDownloadLimits(options: DownloadLimitOptions = {}): DownloadLimits {
  const { maxConcurrent, stallMs, retryAfterSeconds } = { ...DEFAULT_DOWNLOAD_LIMITS, ...options };
  let active = 0;
  return {
    enter(res) {
      if (active >= maxConcurrent) {
        throw new RetryLaterError(`${maxConcurrent} downloads are already in progress; retry in ${retryAfterSeconds} s`, retryAfterSeconds);
      }
      active++;
      res.once('close', () => active--);
      // Socket inactivity: once the client stops reading, the kernel buffers fill and writes stop.
      res.setTimeout(stallMs, () => res.destroy());
    },
    get active() {
      return active;
    },
  };
}
