/**
 * TEST DOUBLE — errors of the fake Kubernetes API server, rendered as `Status` objects
 * the way the real server does (`kind: Status`, `reason`, `code`).
 */

/** An API failure with the HTTP code and the Kubernetes `reason`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The `metav1.Status` body of an error. */
export function statusBody(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export const notFound = (what: string) => new ApiError(404, 'NotFound', `${what} not found`);
export const conflict = (message: string) => new ApiError(409, 'Conflict', message);
export const alreadyExists = (what: string) => new ApiError(409, 'AlreadyExists', `${what} already exists`);
export const invalid = (message: string) => new ApiError(422, 'Invalid', message);
export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
