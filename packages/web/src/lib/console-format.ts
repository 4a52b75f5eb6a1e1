/** Formatting of the console's figures and times (pure, unit-tested). */

/** A rate in [0, 1] as a percentage with one decimal; `null` (nothing to divide by) as "—". */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined || !Number.isFinite(rate) ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** A score in [0, 1] (F1, precision) with three decimals; `null` as "—". */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || !Number.isFinite(score) ? '—' : score.toFixed(3);
}

/** A 95 % interval as "81.2–90.4%", or "" when either end is missing. */
export function formatInterval(low: number | null, high: number | null): string {
  if (low === null || high === null) return '';
  return `${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}%`;
}

/** An ISO 8601 instant as "2026-12-02 17:04 UTC" (the console's dates are UTC days too). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A count with thousands separators: 12345 → "12,345". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * The heat of a confusion-matrix cell: its count as a share of its row (all reviews with that human
 * label), in [0, 1]; 0 for an empty row.
 */
export function rowShare(count: number, rowTotal: number): number {
  return rowTotal > 0 ? Math.min(1, Math.max(0, count / rowTotal)) : 0;
}
