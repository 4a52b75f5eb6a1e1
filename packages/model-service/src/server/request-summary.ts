import type { Logger } from 'pino';

/** Counts finished requests and logs one info line per interval instead of one per request. */
export interface RequestSummary {
  /** Records one finished request: its status and duration in ms. */
  record(status: number, ms: number): void;
  /** Logs the counts since the last line (nothing when there were none) and starts over. */
  flush(): void;
}

/**
 * A summary logged every `intervalMs` at info: `{"requests", "byClass": {"2xx", "4xx", "5xx", …},
 * "meanMs", "maxMs"}` with msg `requests`. A per-request info line cost about 0.04 ms of the
 * 0.25 ms a prediction took over HTTP (pino formatting plus a write); the per-request line is
 * debug now. The timer is unref'd, so it never keeps the process alive.
 */
export function createRequestSummary(logger: Logger, intervalMs: number): RequestSummary {
  let requests = 0;
  let totalMs = 0;
  let maxMs = 0;
  let byClass: Record<string, number> = {};
  const summary: RequestSummary = {
    record(status, ms) {
      requests++;
      totalMs += ms;
      if (ms > maxMs) maxMs = ms;
      const statusClass = `${Math.floor(status / 100)}xx`;
      byClass[statusClass] = (byClass[statusClass] ?? 0) + 1;
    },
    flush() {
      if (requests === 0) return;
      logger.info(
        { requests, byClass, meanMs: Math.round((totalMs / requests) * 100) / 100, maxMs: Math.round(maxMs * 100) / 100, intervalMs },
        'requests',
      );
      requests = 0;
      totalMs = 0;
      maxMs = 0;
      byClass = {};
    },
  };
  setInterval(() => summary.flush(), intervalMs).unref();
  return summary;
}
