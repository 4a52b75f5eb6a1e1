import { z } from 'zod';
import {
  ApproveRequestSchema,
  BatchPredictRequestSchema,
  BatchPredictResponseSchema,
  ERROR_CODES,
  ERROR_STATUS,
  ErrorBodySchema,
  EXPORT_DELIMITERS,
  HealthResponseSchema,
  MAX_REQUEST_BODY_BYTES,
  MAX_TEXT_CODE_POINTS,
  ModelDescriptionSchema,
  MAX_PAGE_LIMIT,
  DEFAULT_PAGE_LIMIT,
  OperatorSessionSchema,
  OperatorSignInSchema,
  PredictRequestSchema,
  PredictResponseSchema,
  ReadyResponseSchema,
  ReviewResponseSchema,
  ReviseRequestSchema,
  TextSchema,
  AuditListQuerySchema,
  AuditListResponseSchema,
  PredictionIdSchema,
  ReviewCorrectionSchema,
  ReviewDeletedResponseSchema,
  ReviewListQuerySchema,
  ReviewListResponseSchema,
  ReviewFilterSchema,
  StatsQuerySchema,
  StatsResponseSchema,
  type ErrorCode,
} from '@sentiment/core';
import { BODY_TIMEOUT_MS } from './body.ts';

/** One route of the contract, under the path the browser uses (`/model/*`, `/api/*` on the one origin). */
interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  /** Path parameters (`{name}` in `path`): each a string schema. */
  params?: Record<string, { schema: z.ZodType; description: string }>;
  summary: string;
  description?: string;
  /** JSON request body schema (parsed as its input). */
  body?: z.ZodType;
  /** Query parameters: each a string schema. */
  query?: Record<string, { schema: z.ZodType; description: string }>;
  /** Success responses by status: a JSON schema (its output) or another media type. */
  ok: Record<number, { description: string; json?: z.ZodType; media?: string; headers?: Record<string, string> }>;
  /** Error codes this route answers besides 404/405 and the gateway's own (see `info.description`). */
  errors: ErrorCode[];
}

const BODY_ERRORS: ErrorCode[] = [
  'malformed_json',
  'invalid_field',
  'request_timeout',
  'payload_too_large',
  'unsupported_media_type',
  'internal_error',
];

/** The review filters shared by the list and the export. */
const FILTER_DESCRIPTIONS = {
  label: 'Final (human) label',
  predictedLabel: "The model's label",
  action: 'approved, revised, blind or corrected',
  modelVersion: 'Model version that predicted',
  from: '`createdAt` at or after (ISO 8601 datetime, or a date = 00:00 UTC)',
  to: '`createdAt` before (ISO 8601 datetime, or a date = 00:00 UTC)',
  q: 'Case-insensitive substring of the text (1–200 characters)',
  maxConfidence: 'Top probability at most this (0–1)',
};

/** Every route of `/model/*` and `/api/*`, in the order the document lists them. */
const ROUTES: Route[] = [
  {
    method: 'post',
    path: '/model/predict',
    summary: 'Predict the emotion of one text',
    body: PredictRequestSchema,
    ok: {
      200: {
        description:
          'The most probable label and all seven probabilities (each in [0, 1], summing to 1), its confidence ("low": the model is unsure), the explanation when "explain" is true, and "blind": true when drawn for the blind audit',
        json: PredictResponseSchema,
      },
    },
    errors: [...BODY_ERRORS, 'too_many_requests', 'service_unavailable'],
  },
  {
    method: 'post',
    path: '/model/batch-predict',
    summary: 'Predict the emotions of 1 to 256 texts in one model call',
    body: BatchPredictRequestSchema,
    ok: { 200: { description: 'One prediction per text, in input order', json: BatchPredictResponseSchema } },
    errors: [...BODY_ERRORS, 'service_unavailable'],
  },
  {
    method: 'get',
    path: '/model/healthz',
    summary: 'Liveness: 200 while the process runs',
    ok: { 200: { description: 'Alive', json: HealthResponseSchema } },
    errors: [],
  },
  {
    method: 'get',
    path: '/model/readyz',
    summary: 'Readiness: 200 once the model is loaded, 503 while it loads or the service drains',
    ok: { 200: { description: 'Ready to predict', json: ReadyResponseSchema } },
    errors: ['service_unavailable'],
  },
  {
    method: 'get',
    path: '/model/model',
    summary: "The served model's model.json without vocabulary or weights",
    ok: { 200: { description: 'Labels in output order, metrics, training parameters, data hashes', json: ModelDescriptionSchema } },
    errors: ['service_unavailable'],
  },
  {
    method: 'get',
    path: '/model/metrics',
    summary: 'Prometheus metrics of the model service (requests, latency, inference, model version)',
    ok: { 200: { description: 'Prometheus text exposition format 0.0.4', media: 'text/plain; version=0.0.4; charset=utf-8' } },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/approve',
    summary: 'Store the prediction with its label approved',
    description:
      '`label` must equal `predictedLabel`, and `predictedLabel` must be the most probable label. The same body twice stores one review and answers 200 twice.',
    body: ApproveRequestSchema,
    ok: { 200: { description: 'The review as stored, `action: "approved"`', json: ReviewResponseSchema } },
    errors: [...BODY_ERRORS, 'invalid_prediction_token', 'conflict', 'too_many_requests'],
  },
  {
    method: 'post',
    path: '/api/revise',
    summary: 'Store the prediction with the label the person picked',
    description:
      '`predictedLabel` must be the most probable label; `label` may be any of the seven (equal to `predictedLabel`, it is stored as approved).',
    body: ReviseRequestSchema,
    ok: { 200: { description: 'The review as stored, `action: "revised"` (or `"approved"`)', json: ReviewResponseSchema } },
    errors: [...BODY_ERRORS, 'invalid_prediction_token', 'conflict', 'too_many_requests'],
  },
  {
    method: 'get',
    path: '/api/getcsv',
    summary: 'Operator: download every review (or those matching the review filters) as sentiment.csv',
    description:
      "RFC 4180 with CRLF line ends, UTF-8 with a byte-order mark; a text starting with =, +, -, @, tab, CR or ' gets one extra leading '. Corrections are in it with their label, deleted reviews never. Every export is audited. No other query parameter is accepted.",
    query: {
      delimiter: {
        schema: z.enum(Object.keys(EXPORT_DELIMITERS) as [keyof typeof EXPORT_DELIMITERS]).default('comma'),
        description: '`semicolon` for spreadsheets in locales that expect `;`',
      },
      ...queryParameters(ReviewFilterSchema, FILTER_DESCRIPTIONS),
    },
    ok: {
      200: { description: 'The CSV, as an attachment named sentiment.csv (locally, streamed)', media: 'text/csv; charset=utf-8' },
      303: {
        description: 'In AWS: the CSV was written to S3; `Location` is a presigned link valid for 5 minutes',
        headers: { location: 'The presigned download link' },
      },
    },
    errors: ['unauthorized', 'invalid_field', 'too_many_requests', 'internal_error'],
  },
  {
    method: 'get',
    path: '/api/reviews',
    summary: 'Operator: one page of stored reviews, newest first, with combinable filters',
    description:
      'Follow `nextCursor` (same filters) for the next page; a selective filter may answer fewer than `limit` reviews with a cursor. Unknown parameters and foreign cursors are 400.',
    query: queryParameters(ReviewListQuerySchema, {
      limit: `Reviews per page, 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`,
      cursor: '`nextCursor` of the previous page with the same filters',
      ...FILTER_DESCRIPTIONS,
    }),
    ok: { 200: { description: 'A page of reviews and the next cursor (`null` on the last page)', json: ReviewListResponseSchema } },
    errors: ['unauthorized', 'invalid_field', 'internal_error'],
  },
  {
    method: 'get',
    path: '/api/reviews/{id}',
    summary: 'Operator: one stored review',
    params: { id: { schema: PredictionIdSchema, description: 'The review id (= predictionId)' } },
    ok: { 200: { description: 'The review', json: ReviewResponseSchema } },
    errors: ['unauthorized', 'invalid_field', 'not_found', 'internal_error'],
  },
  {
    method: 'patch',
    path: '/api/reviews/{id}',
    summary: "Operator: correct a review's label",
    description:
      'Sets `label`, `action: "corrected"`, `correctedBy`, `correctedAt`; stats and the audit trail move in the same transaction. The label already stored: 200 unchanged, nothing written. After a correction, a public revise of that review is 409.',
    params: { id: { schema: PredictionIdSchema, description: 'The review id (= predictionId)' } },
    body: ReviewCorrectionSchema,
    ok: { 200: { description: 'The review as stored', json: ReviewResponseSchema } },
    errors: [...BODY_ERRORS, 'unauthorized', 'not_found'],
  },
  {
    method: 'delete',
    path: '/api/reviews/{id}',
    summary: 'Operator: delete a review (its text is gone from every later export; the audit record keeps no text)',
    params: { id: { schema: PredictionIdSchema, description: 'The review id (= predictionId)' } },
    ok: { 200: { description: 'What was deleted and when', json: ReviewDeletedResponseSchema } },
    errors: ['unauthorized', 'invalid_field', 'not_found', 'internal_error'],
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'Operator: the audit trail (corrections, deletions, exports, sign-ins and sign-outs), newest first',
    query: queryParameters(AuditListQuerySchema, {
      limit: `Records per page, 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`,
      cursor: '`nextCursor` of the previous page',
    }),
    ok: { 200: { description: 'A page of audit records', json: AuditListResponseSchema } },
    errors: ['unauthorized', 'invalid_field', 'internal_error'],
  },
  {
    method: 'get',
    path: '/api/stats',
    summary: 'Operator: the model measured on live feedback, per model version and date range',
    description:
      'Every review of the selection counts once with its current label: counts by action, agreement (anchored), blind accuracy with its Wilson 95 % interval, per-label precision/recall/F1, the 7×7 confusion matrix, alerts, shadow versions. Exact.',
    query: queryParameters(StatsQuerySchema, {
      modelVersion: 'One model version (omitted: all)',
      from: '`createdAt` at or after (ISO 8601 datetime or date)',
      to: '`createdAt` before (ISO 8601 datetime or date)',
    }),
    ok: { 200: { description: 'The statistics', json: StatsResponseSchema } },
    errors: ['unauthorized', 'invalid_field', 'internal_error'],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    ok: { 200: { description: 'OpenAPI 3.1 document of every /model/* and /api/* route', media: 'application/json' } },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/operator/session',
    summary: "Whether this request is an operator's (bearer token or session cookie)",
    ok: { 200: { description: '`{"operator": true}`', json: OperatorSessionSchema } },
    errors: ['unauthorized'],
  },
  {
    method: 'post',
    path: '/api/operator/session',
    summary: 'Operator sign-in: checks the token and sets the HttpOnly, SameSite=Strict session cookie',
    body: OperatorSignInSchema,
    ok: { 200: { description: '`{"operator": true}` and `Set-Cookie: sentiment_operator=…`', json: OperatorSessionSchema } },
    errors: [...BODY_ERRORS, 'unauthorized'],
  },
  {
    method: 'delete',
    path: '/api/operator/session',
    summary: 'Operator sign-out: clears the session cookie',
    ok: { 200: { description: '`{"operator": false}` and a Set-Cookie that deletes the cookie', json: OperatorSessionSchema } },
    errors: [],
  },
];

/** The query parameters of a strict object schema, each with its description. */
function queryParameters(
  schema: { shape: Record<string, z.ZodType> },
  descriptions: Record<string, string>,
): Record<string, { schema: z.ZodType; description: string }> {
  return Object.fromEntries(Object.entries(schema.shape).map(([name, field]) => [name, { schema: field, description: descriptions[name] ?? name }]));
}

const TEXT_DESCRIPTION =
  `Free text. Normalised before use (Unicode NFC, control and invisible characters dropped except a joiner between visible characters, ` +
  `whitespace collapsed, trimmed); after that it must hold something visible, at most ${MAX_TEXT_CODE_POINTS} code points, and no lone surrogate.`;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses it) of `schema`, with core's rules that JSON Schema cannot say written into descriptions. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const errorCode = ErrorBodySchema.shape.error.shape.code;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    override: ({ zodSchema, jsonSchema: out }) => {
      if (zodSchema === TextSchema) out.description = TEXT_DESCRIPTION;
      // Core keeps `code` a plain string so old clients read new codes; the document lists today's.
      if (zodSchema === errorCode) out.enum = [...ERROR_CODES];
    },
  });
  return rest;
}

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list.map((code) => `\`${code}\``).join(', '),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
        },
      ]),
  );
}

function operation(route: Route): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, ok] of Object.entries(route.ok)) {
    const content = ok.json ? { 'application/json': { schema: jsonSchema(ok.json, 'output') } } : ok.media ? { [ok.media]: {} } : undefined;
    const headers = ok.headers
      ? Object.fromEntries(Object.entries(ok.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]))
      : undefined;
    responses[status] = { description: ok.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
  }
  Object.assign(responses, errorResponses(route.errors));
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.query || route.params
      ? {
          parameters: [
            ...Object.entries(route.params ?? {}).map(([name, p]) => ({
              name,
              in: 'path',
              required: true,
              description: p.description,
              schema: jsonSchema(p.schema, 'input'),
            })),
            ...Object.entries(route.query ?? {}).map(([name, q]) => ({
              name,
              in: 'query',
              required: false,
              description: q.description,
              schema: jsonSchema(q.schema, 'input'),
            })),
          ],
        }
      : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of every route under `/model/*` (the model service, served at its root
 * behind the `/model` prefix) and `/api/*` (the functions), generated from core's zod schemas with
 * `z.toJSONSchema`, so the contract cannot drift from the code that validates requests. Served at
 * `GET /api/openapi.json`; a copy is committed at `docs/openapi.json` (`npm run openapi -w packages/http`).
 */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sentiment Prediction App',
      version: '0.1.0',
      description: [
        'One origin serves everything: `/model/*` goes to the model service (prefix stripped), `/api/*` to the review functions.',
        `Every error is JSON \`{"error": {"code", "message", "issues"?, "requestId"?}}\`; 4xx means the caller can fix the request, 5xx is logged with the request id.`,
        `Request bodies are JSON (\`Content-Type: application/json\`, UTF-8, not compressed) of at most ${MAX_REQUEST_BODY_BYTES} bytes, sent within ${BODY_TIMEOUT_MS / 1000} s.`,
        'Any route may also answer: 404 `not_found` (no such path), 405 `method_not_allowed` (with `Allow`), 400 `malformed_request` and 431 `headers_too_large` (not HTTP the server can parse), and, through the local gateway, 502 `bad_gateway` and 504 `gateway_timeout`.',
        'Every response carries `X-Request-Id`.',
      ].join('\n\n'),
    },
    paths,
    components: { schemas: { ErrorBody: jsonSchema(ErrorBodySchema, 'output') } },
  };
}

/** `method path` of every route in the document, e.g. `POST /model/predict`. */
export function documentedRoutes(document: Record<string, unknown> = openApiDocument()): string[] {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}
