import type { Readable } from 'node:stream';
import { errors } from 'undici';
import { ApiFailure } from './api-error.js';

/**
 * A call to another service (the log service, the business service) that failed on the way:
 * a network error or a timeout is 503 `unavailable` (`what`, with the code or "it did not
 * answer in time"); anything else 502 `upstream_failed` (`otherwise`). An API error passes as is.
 */
export function transportFailure(error: unknown, what: string, otherwise = what): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const timedOut =
    error instanceof errors.ConnectTimeoutError ||
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError;
  if (timedOut) return new ApiFailure('unavailable', `${what}: it did not answer in time`);
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|UND_ERR_SOCKET)$/.test(code)
  ) {
    return new ApiFailure('unavailable', `${what} (${code})`);
  }
  return new ApiFailure('upstream_failed', otherwise);
}

/**
 * An answer's body as text, at most `limit` bytes: a larger one is dropped and fails with 502
 * `upstream_failed` (`service` sent an answer too large to pass on).
 */
export async function readBounded(body: Readable, limit: number, service: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new ApiFailure('upstream_failed', `${service} sent an answer too large to pass on`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
