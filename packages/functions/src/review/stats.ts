import { LABELS, type Label, type PerLabelStats, type StatsAlert, type StatsResponse, type StoredReview } from '@sentiment/core';
import { countersOf, parseCell } from './items.ts';

/** Counter name → count (see `cellOf` and `shadowCountersOf`). */
export type Counters = Map<string, number>;

/** Adds every counter of `from` into `into` (numeric attributes only; keys and other attributes are skipped). */
export function addCounters(into: Counters, from: Record<string, unknown> | Counters): Counters {
  const entries = from instanceof Map ? from.entries() : Object.entries(from);
  for (const [name, value] of entries) {
    if (typeof value !== 'number' || !(name.startsWith('c#') || name.startsWith('s#'))) continue;
    into.set(name, (into.get(name) ?? 0) + value);
  }
  return into;
}

/** The counters of `reviews` counted one by one: the full-scan recount that the stored aggregates must equal. */
export async function recountReviews(reviews: AsyncIterable<StoredReview> | Iterable<StoredReview>): Promise<Counters> {
  const counters: Counters = new Map();
  for await (const review of reviews) for (const name of countersOf(review)) counters.set(name, (counters.get(name) ?? 0) + 1);
  return counters;
}

/** The counters without zero entries, sorted by name: two sets of counters are equal when these are deep-equal. */
export function normalizedCounters(counters: Counters): Record<string, number> {
  return Object.fromEntries([...counters].filter(([, value]) => value !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** z of a two-sided 95 % normal interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval (95 %) of `k` successes in `n` trials: better than the normal approximation
 * for small `n` and rates near 0 or 1 (Wilson 1927; Brown, Cai & DasGupta 2001). `null`s when `n` is 0.
 */
export function wilsonInterval(k: number, n: number): { low: number | null; high: number | null } {
  if (n === 0) return { low: null, high: null };
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Alert thresholds (documented in the functions README). */
export const ALERT_RULES = {
  /** label_gap: people chose the label at least this many times… */
  gapMinChosen: 10,
  /** …and at least this many times as often as the model predicted it. */
  gapMinRatio: 1.5,
  /** revision_pair: the pair holds at least this many revisions… */
  pairMinCount: 5,
  /** …and at least this share of all revisions (a uniform spread over the 42 pairs is 2.4 %). */
  pairMinShare: 0.2,
} as const;

const ratio = (k: number, n: number): number | null => (n === 0 ? null : k / n);

/**
 * The `GET /api/stats` answer for a selection whose counters are `counters`.
 * @param selection the query as answered (`null` = not restricted) and the version list for the picker.
 */
export function statsFromCounters(
  counters: Counters,
  selection: { modelVersion: string | null; from: string | null; to: string | null; versions: StatsResponse['versions'] },
): StatsResponse {
  const confusion = Object.fromEntries(LABELS.map((human) => [human, Object.fromEntries(LABELS.map((p) => [p, 0]))])) as Record<
    Label,
    Record<Label, number>
  >;
  const counts = { approved: 0, revised: 0, blind: 0, corrected: 0 };
  let reviews = 0;
  let agree = 0;
  let anchored = 0;
  let blindCorrect = 0;
  let blindN = 0;
  const revisions = new Map<string, number>();
  let revisionsTotal = 0;
  for (const [name, value] of counters) {
    const cell = parseCell(name);
    if (!cell || value === 0) continue;
    reviews += value;
    counts[cell.action] += value;
    confusion[cell.label][cell.predictedLabel] += value;
    const same = cell.label === cell.predictedLabel;
    if (cell.blind) {
      blindN += value;
      if (same) blindCorrect += value;
    } else {
      anchored += value;
      if (same) agree += value;
      else {
        const pair = `${cell.predictedLabel}>${cell.label}`;
        revisions.set(pair, (revisions.get(pair) ?? 0) + value);
        revisionsTotal += value;
      }
    }
  }

  const perLabel = {} as Record<Label, PerLabelStats>;
  const f1s: number[] = [];
  let correct = 0;
  for (const label of LABELS) {
    const tp = confusion[label][label];
    correct += tp;
    const support = LABELS.reduce((sum, p) => sum + confusion[label][p], 0);
    const predicted = LABELS.reduce((sum, h) => sum + confusion[h][label], 0);
    // F1 = 2tp / (support + predicted): the harmonic mean of precision and recall, defined whenever either is.
    const f1 = support + predicted === 0 ? null : (2 * tp) / (support + predicted);
    if (f1 !== null) f1s.push(f1);
    perLabel[label] = { precision: ratio(tp, predicted), recall: ratio(tp, support), f1, support, predicted };
  }

  const alerts: StatsAlert[] = [];
  for (const label of LABELS) {
    const { support: chosen, predicted } = perLabel[label];
    const gap = chosen / Math.max(predicted, 1);
    if (chosen >= ALERT_RULES.gapMinChosen && gap >= ALERT_RULES.gapMinRatio) {
      alerts.push({
        kind: 'label_gap',
        label,
        chosen,
        predicted,
        ratio: gap,
        message: `people chose ${label} ${chosen} times; the model predicted it ${predicted} times (${gap.toFixed(1)}×)`,
      });
    }
  }
  for (const [pair, count] of [...revisions].sort(([, a], [, b]) => b - a)) {
    const share = count / revisionsTotal;
    if (count < ALERT_RULES.pairMinCount || share < ALERT_RULES.pairMinShare) continue;
    const [predictedLabel, label] = pair.split('>') as [Label, Label];
    alerts.push({
      kind: 'revision_pair',
      predictedLabel,
      label,
      count,
      share,
      message: `${count} of ${revisionsTotal} revisions (${(share * 100).toFixed(0)} %) turned ${predictedLabel} into ${label}`,
    });
  }

  const shadow = new Map<string, { n: number; ok: number; champ: number }>();
  for (const [name, value] of counters) {
    const match = /^s#(.+)#(n|ok|champ)$/.exec(name);
    if (!match) continue;
    const entry = shadow.get(match[1]!) ?? { n: 0, ok: 0, champ: 0 };
    entry[match[2] as 'n' | 'ok' | 'champ'] += value;
    shadow.set(match[1]!, entry);
  }

  const blindRate = ratio(blindCorrect, blindN);
  return {
    modelVersion: selection.modelVersion,
    from: selection.from,
    to: selection.to,
    versions: selection.versions,
    reviews,
    counts,
    agreement: { rate: ratio(agree, anchored), n: anchored },
    blindAccuracy: { rate: blindRate, n: blindN, ...wilsonInterval(blindCorrect, blindN) },
    accuracy: ratio(correct, reviews),
    macroF1: f1s.length === 0 ? null : f1s.reduce((a, b) => a + b, 0) / f1s.length,
    perLabel,
    confusion,
    alerts,
    shadow: [...shadow]
      .filter(([, s]) => s.n > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([modelVersion, s]) => ({ modelVersion, reviews: s.n, accuracy: ratio(s.ok, s.n), championAccuracy: ratio(s.champ, s.n) })),
  };
}
