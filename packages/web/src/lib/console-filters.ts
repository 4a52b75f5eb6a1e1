/**
 * The review console's view state as it lives in the URL query string (shareable, reload-safe), and
 * its translation to the API's queries (`GET /api/reviews`, `/api/stats`, `/api/getcsv`).
 *
 * One difference between the two: in the URL, `to` written as a date (`2026-12-02`) means "through
 * that day" (the console's date pickers), while the API's `to` is exclusive, so {@link apiQuery}
 * sends the next day. A datetime `to` goes through unchanged. Dates are UTC days.
 */
import { LabelSchema, ModelVersionSchema, QueryInstantSchema, ReviewActionSchema, type Label, type ReviewAction } from '@sentiment/core';
import { z } from 'zod';

/** The filters of one console view; absent = not filtered. */
export interface ConsoleFilters {
  /** Case-insensitive "contains" on the text (1–200 characters). */
  q?: string;
  /** The final (human) label. */
  label?: Label;
  /** The model's label. */
  predictedLabel?: Label;
  action?: ReviewAction;
  modelVersion?: string;
  /** `YYYY-MM-DD` (UTC day, inclusive) or an ISO 8601 datetime. */
  from?: string;
  /** `YYYY-MM-DD` (UTC day, inclusive: "through") or an ISO 8601 datetime (exclusive). */
  to?: string;
  /** Top probability at most this, in [0, 1]. */
  maxConfidence?: number;
}

/** The query parameters of a view, in the order the URL writes them. */
export const FILTER_KEYS = ['q', 'label', 'predictedLabel', 'action', 'modelVersion', 'from', 'to', 'maxConfidence'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const FIELD: { [K in FilterKey]: z.ZodType<ConsoleFilters[K]> } = {
  q: z.string().trim().min(1).max(200),
  label: LabelSchema,
  predictedLabel: LabelSchema,
  action: ReviewActionSchema,
  modelVersion: ModelVersionSchema,
  // Checked as the API checks it, kept as written (a date stays a date for the date picker).
  from: z.string().refine((v) => QueryInstantSchema.safeParse(v).success),
  to: z.string().refine((v) => QueryInstantSchema.safeParse(v).success),
  maxConfidence: z.coerce.number().min(0).max(1),
};

/** Why a parameter of each filter can be refused, as the operator reads it. */
const REASON: Record<FilterKey, string> = {
  q: 'not a search text',
  label: 'not one of the seven labels',
  predictedLabel: 'not one of the seven labels',
  action: 'not a review action',
  modelVersion: 'not a model version name',
  from: 'not a date',
  to: 'not a date',
  maxConfidence: 'must be a number from 0 to 1',
};

/** What {@link filtersFromSearch} read: the valid filters and the parameters it had to ignore. */
export interface ParsedFilters {
  filters: ConsoleFilters;
  /** `name=value (why)` of each parameter that is not a valid filter (shown to the operator, never sent). */
  ignored: string[];
}

/**
 * Reads the filters from a URL query string. Each parameter is checked on its own with core's
 * schema: a bad one is dropped (and listed in `ignored`) without losing the others. Empty values
 * are absent filters; unknown parameters are ignored too.
 */
export function filtersFromSearch(params: URLSearchParams): ParsedFilters {
  const filters: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [name, raw] of params) {
    if (raw.trim() === '') continue;
    if (!(FILTER_KEYS as readonly string[]).includes(name)) {
      ignored.push(`${name}=${raw} (not a filter)`);
      continue;
    }
    const parsed = FIELD[name as FilterKey].safeParse(raw);
    if (parsed.success) filters[name] = parsed.data;
    else ignored.push(`${name}=${raw} (${REASON[name as FilterKey]})`);
  }
  const result = filters as ConsoleFilters;
  if (result.from && result.to && !(instant(result.from) < apiTo(result.to))) {
    ignored.push(`to=${result.to} (before from=${result.from})`);
    delete result.to;
  }
  return { filters: result, ignored };
}

/** The URL query string of a view (no leading `?`; `''` for no filter), keys in {@link FILTER_KEYS} order. */
export function searchFromFilters(filters: ConsoleFilters): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

/** `filters` with `patch` applied; a key set to `undefined` or `''` is removed. */
export function withFilters(filters: ConsoleFilters, patch: Partial<Record<FilterKey, string | number | undefined>>): ConsoleFilters {
  const next: Record<string, unknown> = { ...filters };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

/** The console's own URL for a view: `/console` plus its query string. */
export function consoleHref(filters: ConsoleFilters): string {
  const search = searchFromFilters(filters);
  return search === '' ? '/console' : `/console?${search}`;
}

function instant(value: string): string {
  return new Date(DATE.test(value) ? `${value}T00:00:00.000Z` : value).toISOString();
}

/** The API's exclusive `to` for the URL's `to`: a date means the start of the next UTC day. */
function apiTo(value: string): string {
  if (!DATE.test(value)) return instant(value);
  const next = new Date(`${value}T00:00:00.000Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}

/**
 * The filters as the API's query parameters (`GET /api/reviews`, `/api/getcsv`): `to` made
 * exclusive (see the module comment), the rest as they are.
 */
export function apiQuery(filters: ConsoleFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value === undefined || value === '') continue;
    params.set(key, key === 'to' ? apiTo(String(value)) : String(value));
  }
  return params;
}

/** `GET /api/stats` parameters of a view: its model version (or `modelVersion`, the chosen default) and date range. */
export function statsQuery(filters: ConsoleFilters, modelVersion: string | undefined): URLSearchParams {
  const all = apiQuery({ from: filters.from, to: filters.to });
  if (modelVersion) all.set('modelVersion', modelVersion);
  return all;
}

/** Path of the CSV export of a view: `/api/getcsv` with the view's filters (and `delimiter=semicolon`). */
export function csvHref(filters: ConsoleFilters, delimiter: 'comma' | 'semicolon'): string {
  const params = apiQuery(filters);
  if (delimiter === 'semicolon') params.set('delimiter', 'semicolon');
  const search = params.toString();
  return search === '' ? '/api/getcsv' : `/api/getcsv?${search}`;
}

/**
 * The view of the reviews behind one cell of the confusion matrix (human `label` × `predictedLabel`)
 * of `modelVersion` in the view's date range: the other filters are dropped, so the list holds
 * exactly the reviews the cell counts.
 */
export function cellFilters(filters: ConsoleFilters, modelVersion: string | undefined, label: Label, predictedLabel: Label): ConsoleFilters {
  return withFilters({}, { from: filters.from, to: filters.to, modelVersion, label, predictedLabel });
}
