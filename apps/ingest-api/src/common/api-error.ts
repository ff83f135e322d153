/** Error codes the API answers with; each maps to one HTTP status in {@link ApiErrorFilter}. */
export const API_ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_body: 422,
  unsupported_schema_version: 422,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** A domain error with a code, a message naming what was wrong, and optional response headers. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}
