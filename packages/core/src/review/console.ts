import { z } from 'zod';
import { LabelSchema } from '../labels/labels.ts';
import { ModelVersionSchema, PredictionIdSchema, ReviewActionSchema, StoredReviewSchema } from './schemas.ts';

/**
 * Schemas of the operator's review console (issue 8): the review list, corrections and deletions, the
 * audit trail and the live-feedback statistics. Every route here is operator-only (401 `unauthorized`).
 */

/** Most reviews (or audit records) one page may hold. */
export const MAX_PAGE_LIMIT = 100;
/** Page size when `limit` is not given. */
export const DEFAULT_PAGE_LIMIT = 50;

/** An instant of a query: an ISO 8601 datetime (any offset) or a date (= 00:00 UTC), normalised to UTC with milliseconds. */
export const QueryInstantSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00.000Z` : value).toISOString());

const limitSchema = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional();
/** An opaque cursor from a previous page with the same filters. */
export const CursorSchema = z.string().min(1).max(2048);

const fromBeforeTo = {
  message: '"from" must be before "to"',
  path: ['to'],
};

/** The filters a view of the reviews may combine (list, export, stats links). */
export const reviewFilterFields = {
  /** The final (human) label. */
  label: LabelSchema.optional(),
  /** The model's label. */
  predictedLabel: LabelSchema.optional(),
  action: ReviewActionSchema.optional(),
  modelVersion: ModelVersionSchema.optional(),
  /** `createdAt` at or after this instant. */
  from: QueryInstantSchema.optional(),
  /** `createdAt` before this instant. */
  to: QueryInstantSchema.optional(),
  /** Case-insensitive "contains" on the text. */
  q: z.string().min(1).max(200).optional(),
  /** The top probability (the predicted label's) at most this. */
  maxConfidence: z.coerce.number().min(0).max(1).optional(),
};

/** Filters of `GET /api/getcsv` (besides `delimiter`): the same as the list's, without paging. */
export const ReviewFilterSchema = z.strictObject(reviewFilterFields).refine((f) => !f.from || !f.to || f.from < f.to, fromBeforeTo);
export type ReviewFilter = z.output<typeof ReviewFilterSchema>;

/**
 * `GET /api/reviews` query (all strings in the URL): newest first (`createdAt` desc, then `id` desc).
 * `limit` 1–100 (default 50); `cursor` from the previous answer with the same filters (a malformed or
 * foreign one → 400 `invalid_field`); any other parameter → 400 `invalid_field`.
 */
export const ReviewListQuerySchema = z
  .strictObject({ ...reviewFilterFields, limit: limitSchema, cursor: CursorSchema.optional() })
  .refine((f) => !f.from || !f.to || f.from < f.to, fromBeforeTo);
export type ReviewListQuery = z.output<typeof ReviewListQuerySchema>;

/**
 * `GET /api/reviews` answer: at most `limit` reviews, newest first, and the cursor of the next page
 * (`null` on the last page). A page may hold fewer than `limit` reviews while `nextCursor` is not null:
 * a selective filter stops after a bounded amount of the table per request, so keep following the cursor.
 */
export const ReviewListResponseSchema = z.strictObject({ reviews: z.array(StoredReviewSchema), nextCursor: z.string().nullable() });
export type ReviewListResponse = z.infer<typeof ReviewListResponseSchema>;

/** `PATCH /api/reviews/{id}` body: the operator's label; the answer is `{"review"}` with `action: "corrected"`. */
export const ReviewCorrectionSchema = z.strictObject({ label: LabelSchema });
export type ReviewCorrection = z.infer<typeof ReviewCorrectionSchema>;

/** `DELETE /api/reviews/{id}` answer. */
export const ReviewDeletedResponseSchema = z.strictObject({
  deleted: z.strictObject({ id: PredictionIdSchema, at: z.iso.datetime() }),
});
export type ReviewDeletedResponse = z.infer<typeof ReviewDeletedResponseSchema>;

/** What an audit record records. */
export const AuditActionSchema = z.enum(['correct', 'delete', 'export', 'sign_in', 'sign_out']);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/**
 * One operator action. `operator` is an id derived from the credential (never the token); never the
 * review text. `fromLabel`/`toLabel` for corrections (and the deleted review's label); `detail` e.g.
 * the export's filters.
 */
export const AuditRecordSchema = z.strictObject({
  id: z.string(),
  at: z.iso.datetime(),
  operator: z.string(),
  action: AuditActionSchema,
  reviewId: PredictionIdSchema.optional(),
  modelVersion: ModelVersionSchema.optional(),
  fromLabel: LabelSchema.optional(),
  toLabel: LabelSchema.optional(),
  requestId: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** `GET /api/audit` query. */
export const AuditListQuerySchema = z.strictObject({ limit: limitSchema, cursor: CursorSchema.optional() });
export type AuditListQuery = z.output<typeof AuditListQuerySchema>;

/** `GET /api/audit` answer: newest first. */
export const AuditListResponseSchema = z.strictObject({ records: z.array(AuditRecordSchema), nextCursor: z.string().nullable() });
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

/** `GET /api/stats` query: one model version (omitted = all) and `[from, to)` on `createdAt` (omitted = unbounded). */
export const StatsQuerySchema = z
  .strictObject({ modelVersion: ModelVersionSchema.optional(), from: QueryInstantSchema.optional(), to: QueryInstantSchema.optional() })
  .refine((f) => !f.from || !f.to || f.from < f.to, fromBeforeTo);
export type StatsQuery = z.output<typeof StatsQuerySchema>;

const count = z.number().int().min(0);
const rate = z.number().min(0).max(1).nullable();

/** Precision/recall/F1 of the model for one label against the human label (`null` when undefined: nothing to divide by). */
export const PerLabelStatsSchema = z.strictObject({ precision: rate, recall: rate, f1: rate, support: count, predicted: count });
export type PerLabelStats = z.infer<typeof PerLabelStatsSchema>;

/** A label people choose much more often than the model predicts it. */
export const LabelGapAlertSchema = z.strictObject({
  kind: z.literal('label_gap'),
  label: LabelSchema,
  chosen: count,
  predicted: count,
  /** chosen / predicted (predicted 0 counts as 1). */
  ratio: z.number(),
  message: z.string(),
});

/** A predicted → human pair that accounts for an outsized share of the revisions. */
export const RevisionPairAlertSchema = z.strictObject({
  kind: z.literal('revision_pair'),
  predictedLabel: LabelSchema,
  label: LabelSchema,
  count,
  /** count / all revisions (non-blind reviews whose label differs from the prediction). */
  share: z.number().min(0).max(1),
  message: z.string(),
});

export const StatsAlertSchema = z.discriminatedUnion('kind', [LabelGapAlertSchema, RevisionPairAlertSchema]);
export type StatsAlert = z.infer<typeof StatsAlertSchema>;

/** A shadow (challenger) version against the served (champion) one on the same reviewed traffic. */
export const ShadowStatsSchema = z.strictObject({
  modelVersion: ModelVersionSchema,
  reviews: count,
  accuracy: rate,
  championAccuracy: rate,
});

/**
 * `GET /api/stats` answer. Every review of the selection counts once, with its current label and action.
 * - `agreement`: share of non-blind reviews whose label equals the prediction (anchored: the person saw it).
 * - `blindAccuracy`: share of blind reviews (the person chose first) whose label equals the prediction,
 *   with its Wilson 95 % interval and sample size: the unbiased estimate.
 * - `accuracy`, `macroF1`, `perLabel`: the model against the current human label over all counted reviews;
 *   macro-F1 averages the labels that occur as human or predicted label.
 * - `confusion[human][predicted]`: all 7×7 cells, zeros included.
 */
export const StatsResponseSchema = z.strictObject({
  modelVersion: ModelVersionSchema.nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  versions: z.array(z.strictObject({ modelVersion: ModelVersionSchema, reviews: count })),
  reviews: count,
  counts: z.strictObject({ approved: count, revised: count, blind: count, corrected: count }),
  agreement: z.strictObject({ rate, n: count }),
  blindAccuracy: z.strictObject({ rate, n: count, low: rate, high: rate }),
  accuracy: rate,
  macroF1: rate,
  perLabel: z.record(LabelSchema, PerLabelStatsSchema),
  confusion: z.record(LabelSchema, z.record(LabelSchema, count)),
  alerts: z.array(StatsAlertSchema),
  shadow: z.array(ShadowStatsSchema),
});
export type StatsResponse = z.infer<typeof StatsResponseSchema>;
