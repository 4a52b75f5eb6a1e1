/**
 * Small fallbacks for browsers inside Next.js 16's default targets (Chrome/Edge/Firefox 111,
 * Safari 16.4) that lack two newer built-ins this app relies on:
 * `String.prototype.isWellFormed` (used by core's `normalizeText`; Firefox < 119) and
 * `AbortSignal.any` (Chrome < 116, Firefox < 124, Safari < 17.4).
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Same answer as `String.prototype.isWellFormed`: false when `text` holds a lone surrogate. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Installs {@link isWellFormed} as `String.prototype.isWellFormed` where the browser lacks it. */
export function installStringWellFormed(): void {
  if (typeof String.prototype.isWellFormed === 'function') return;
  Object.defineProperty(String.prototype, 'isWellFormed', {
    value: function isWellFormedFallback(this: string) {
      return isWellFormed(String(this));
    },
    configurable: true,
    writable: true,
  });
}

/** An `AbortSignal` that aborts when any of `signals` does (`AbortSignal.any` where available). */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
