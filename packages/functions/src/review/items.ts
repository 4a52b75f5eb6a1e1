import { LABELS, StoredReviewSchema, type Label, type ReviewAction, type StoredReview } from '@sentiment/core';

/**
 * How a review is laid out in the reviews table. Besides the stored-review fields, each item holds
 * index and filter attributes that the API never returns ({@link toStoredReview} strips them):
 * - `feed` (always {@link FEED}) + `sk` (`<createdAt>#<id>`): GSI `byTime`, every review newest first;
 * - `modelVersion` + `sk`: GSI `byVersion`, one version's reviews newest first;
 * - `textLower`: the text in lower case, for the `q` filter (`contains`);
 * - `topProbability`: the predicted label's probability, for `maxConfidence`;
 * - `rev`: a fresh random token on every write; the next write's condition, so no write builds on a stale
 *   read. A token, not a counter: a counter restarts at 1 when an id is written anew, and a write that read
 *   the old item would then pass its condition against the new one (the ABA problem).
 */
export const FEED = 'review';
export const INDEX_BY_TIME = 'byTime';
export const INDEX_BY_VERSION = 'byVersion';

/** A review item as stored (the index attributes included). */
export type ReviewItem = StoredReview & { feed: string; sk: string; textLower: string; topProbability: number; rev: string };

/** The sort key of both GSIs: ISO timestamps sort as strings; the id breaks ties. */
export function sortKeyOf(review: Pick<StoredReview, 'createdAt' | 'id'>): string {
  return `${review.createdAt}#${review.id}`;
}

/** The item of `review` at revision `rev` (a token no other write of this id uses). */
export function toItem(review: StoredReview, rev: string): ReviewItem {
  return {
    ...review,
    feed: FEED,
    sk: sortKeyOf(review),
    textLower: review.text.toLowerCase(),
    topProbability: Math.max(...LABELS.map((label) => review.probabilities[label])),
    rev,
  };
}

const STORED_KEYS = Object.keys(StoredReviewSchema.shape);

/** The stored review of an item, index attributes stripped: the shape the API answers. */
export function toStoredReview(item: Record<string, unknown>): StoredReview {
  return StoredReviewSchema.parse(Object.fromEntries(STORED_KEYS.filter((key) => item[key] !== undefined).map((key) => [key, item[key]])));
}

/**
 * The `rev` of an item, as read: a token (string), a number (items of an earlier version that counted
 * writes), or `undefined` for items written before revisions existed.
 */
export function revOf(item: Record<string, unknown>): string | number | undefined {
  return typeof item.rev === 'string' || typeof item.rev === 'number' ? item.rev : undefined;
}

/**
 * The name of the counter a review adds one to in the stats table:
 * `c#<action>#<blind 0|1>#<human label>#<predicted label>`. The blind flag is kept apart from the
 * action because a corrected blind review still belongs to the blind sample (with its corrected label).
 */
export function cellOf(review: Pick<StoredReview, 'action' | 'blind' | 'label' | 'predictedLabel'>): string {
  return `c#${review.action}#${review.blind ? 1 : 0}#${review.label}#${review.predictedLabel}`;
}

/** A parsed counter name of {@link cellOf}. */
export interface Cell {
  action: ReviewAction;
  blind: boolean;
  label: Label;
  predictedLabel: Label;
}

/** Parses a counter name of {@link cellOf}; `undefined` for any other attribute. */
export function parseCell(name: string): Cell | undefined {
  const match = /^c#(approved|revised|blind|corrected)#([01])#([a-z]+)#([a-z]+)$/.exec(name);
  if (!match) return undefined;
  const [, action, blind, label, predictedLabel] = match as unknown as [string, ReviewAction, string, Label, Label];
  if (!LABELS.includes(label) || !LABELS.includes(predictedLabel)) return undefined;
  return { action, blind: blind === '1', label, predictedLabel };
}

/**
 * Shadow counters of a review that carries a shadow answer: `s#<shadow version>#n` (reviews),
 * `#ok` (shadow label = human label), `#champ` (the served model's label = human label).
 */
export function shadowCountersOf(review: Pick<StoredReview, 'shadow' | 'label' | 'predictedLabel'>): string[] {
  if (!review.shadow) return [];
  const prefix = `s#${review.shadow.modelVersion}#`;
  return [
    `${prefix}n`,
    ...(review.shadow.label === review.label ? [`${prefix}ok`] : []),
    ...(review.predictedLabel === review.label ? [`${prefix}champ`] : []),
  ];
}

/** Every counter a review adds one to (empty for no review). */
export function countersOf(review: StoredReview | undefined): string[] {
  return review ? [cellOf(review), ...shadowCountersOf(review)] : [];
}

/** Counter deltas of replacing `before` by `after` (either may be absent: create, delete); zero deltas dropped. */
export function counterDeltas(before: StoredReview | undefined, after: StoredReview | undefined): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const name of countersOf(before)) deltas.set(name, (deltas.get(name) ?? 0) - 1);
  for (const name of countersOf(after)) deltas.set(name, (deltas.get(name) ?? 0) + 1);
  for (const [name, delta] of deltas) if (delta === 0) deltas.delete(name);
  return deltas;
}

/** The UTC day (`YYYY-MM-DD`) of an ISO timestamp: the stats table's sort key. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}
