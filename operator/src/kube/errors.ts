/**
 * Reading the HTTP status out of the errors `@kubernetes/client-node` 1.4 throws: the
 * generated APIs throw `ApiException` (`code`), the watch throws an Error with `statusCode`.
 */

/** The HTTP status of a client error, or undefined for network errors and the like. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;

/** Runs `attempt` again (up to `times` in all) while it fails with 409 Conflict. */
export async function retryOnConflict<T>(times: number, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error) || i >= times) throw error;
    }
  }
}

/**
 * The API server's own words for a failed request: the `message` of the `Status` body the
 * client kept (`ApiException.body`), so a condition can quote exactly what the server said
 * ("StatefulSet.apps \"x\" is invalid: spec: Forbidden: …"); the error's text otherwise.
 */
export function serverMessageOf(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  const parsed = typeof body === 'string' ? safeParse(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message;
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
