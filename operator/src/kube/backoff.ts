/**
 * Capped exponential backoff with jitter, shared by the informer restarts and the work
 * queue's retries, so a flapping API server is not hammered by every object at once.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of the delay added at random (0 = none); 0.2 unless given. */
  readonly jitter?: number;
}

export const defaultBackoff: BackoffOptions = Object.freeze({ initialMs: 200, maxMs: 30_000, jitter: 0.2 });

/** The delay before retry number `attempt` (0-based): initial × 2^attempt, capped, plus jitter. */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + (options.jitter ?? 0.2) * random()));
}
