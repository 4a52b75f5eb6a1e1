import { z } from 'zod';

/**
 * Machine-readable error codes shared by every server.
 * 4xx: the caller can fix it. 5xx: our fault, logged with a request id.
 */
export const ERROR_STATUS = {
  malformed_json: 400,
  invalid_field: 400,
  /** A review whose predictionToken is missing, forged, for another prediction, or expired (issue 7). */
  invalid_prediction_token: 400,
  /** No operator token, or a wrong one (issue 7). */
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  /** The id is already stored for a different prediction (e.g. a reused predictionId). */
  conflict: 409,
  /** The request body did not arrive in time (a slow or stalled upload). */
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** A rate limit was hit; the response carries Retry-After (issue 7). */
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * Largest accepted JSON request body, in bytes (64 KiB), for every server and the local gateway
 * (issue 3: "body over 64 KiB 413"). A 1,000-code-point text is at most 4 KB of UTF-8.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** One field problem: `path` is the dotted field path ("" for the body itself). */
export const FieldIssueSchema = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

/** Every error response body: `{"error": {"code", "message", "issues"?, "requestId"?}}`. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(FieldIssueSchema).optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error the caller can fix; servers map it to `ERROR_STATUS[code]` in one place. */
export class ClientError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;
  constructor(code: ErrorCode, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.issues = issues;
  }
}

/** Turns zod issues into {@link FieldIssue}s. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * Parses `value` with `schema`, or throws a {@link ClientError} `invalid_field` (400) whose message
 * lists each problem as "path: message".
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error);
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new ClientError('invalid_field', summary, issues);
}
