import { randomBytes } from 'node:crypto';

/** A name no other test run uses: `<prefix>-<10 hex>` (databases, vhosts, key prefixes, openids). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * Polls `check` until it returns something other than false/undefined, or fails after
 * `timeoutMs` with the last error as the cause. The tests' only way to wait: no fixed sleeps.
 */
export async function until<T>(
  check: () => Promise<T | false | undefined> | T | false | undefined,
  timeoutMs = 5_000,
  what = 'condition',
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls `read` until `isDone(value)` for work that advances in steps (rows written, sends
 * made, a queue draining): fails only when the value has not changed for `stallMs` — a slow
 * run on a loaded machine passes, a stuck one fails without waiting for a total budget. A
 * read that throws counts as no change; the last error is the failure's cause.
 */
export async function untilProgressDone<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  stallMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  let last: string | undefined;
  let changedAt = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await read();
      if (isDone(value)) return value;
      const seen = JSON.stringify(value);
      if (seen !== last) {
        last = seen;
        changedAt = Date.now();
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - changedAt > stallMs)
      throw new Error(`no progress for ${stallMs} ms waiting for ${what} (last seen ${last})`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
