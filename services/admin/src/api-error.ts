import type { ApiErrorCode } from './api-types.js';

const statusOf: Readonly<Record<ApiErrorCode, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  locked: 423,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  upstream_failed: 502,
  internal: 500,
};

/** An error of the admin API: its contract code (`api-types.ts`), an HTTP status from one table, safe details. */
export class ApiFailure extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { readonly problems?: readonly string[]; readonly retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'ApiFailure';
    this.status = statusOf[code];
  }
}
