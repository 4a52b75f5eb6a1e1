/** A probability in [0, 1] as a percentage with one decimal, e.g. 0.4237 → "42.4%". */
export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A probability in [0, 1] as a bar width in percent, clamped to [0, 100] so a bad value cannot overflow the track. */
export function barWidth(probability: number): number {
  if (!Number.isFinite(probability)) return 0;
  return Math.min(100, Math.max(0, probability * 100));
}
