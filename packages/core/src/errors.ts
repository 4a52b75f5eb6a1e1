import { z } from 'zod';

/**
 * Every machine-readable error code any server of the app answers with, and its HTTP status.
 * 4xx: the caller can fix it. 5xx: our fault (or an upstream's), logged with a request id.
 * One list for the model service, the functions, the local gateway and the browser.
 */
export const ERROR_STATUS = {
  /** The body is missing, empty, not UTF-8 or not JSON. */
  malformed_json: 400,
  /** A field breaks its schema; `issues` names each. */
  invalid_field: 400,
  /** The bytes are not valid HTTP/1.1 (answered before any route runs). */
  malformed_request: 400,
  /** A prediction token is missing, forged or expired (reviews of predictions the service made). */
  invalid_prediction_token: 400,
  /** No or wrong credentials for an operator route. */
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  /** The request body did not arrive in time (a slow or stalled upload). */
  request_timeout: 408,
  /** The id is already stored for a different prediction (e.g. a reused predictionId). */
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** Too many requests from one client; `Retry-After` says when to retry. */
  too_many_requests: 429,
  headers_too_large: 431,
  internal_error: 500,
  /** The local gateway could not reach an upstream. */
  bad_gateway: 502,
  /** The model is still loading, the service is shutting down, or the web app is not built. */
  service_unavailable: 503,
  /** The local gateway gave up waiting for an upstream's answer. */
  gateway_timeout: 504,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The codes of {@link ERROR_STATUS}, in its order. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/**
 * The one wording of an internal error (500), for every server: no detail, only the id to quote.
 */
export function internalErrorMessage(requestId: string): string {
  return `Internal error; quote request id ${requestId} when reporting it`;
}

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
    // A string, not an enum of ERROR_CODES, so a client keeps reading error bodies from a newer server.
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
