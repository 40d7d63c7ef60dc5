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
