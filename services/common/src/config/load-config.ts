import type { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses configuration once at boot. A bad configuration fails start-up with every
 * problem listed (not just the first), and the result is frozen.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Environment): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AppError(ErrorCode.configInvalid, `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
