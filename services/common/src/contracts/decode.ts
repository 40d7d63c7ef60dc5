import type { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * Parses a message body against its contract: JSON first, then the schema. Every problem
 * becomes one `message_invalid` AppError naming the contract and the first failing path,
 * so a consumer can dead-letter it with that reason and nothing untyped travels inward.
 */
export function decodeJson<S extends z.ZodType>(contract: string, schema: S, body: Buffer | string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.messageInvalid, `${contract}: not JSON`, { cause: error });
  }
  return checkContract(contract, schema, raw);
}

/** Checks an already-parsed value against a contract's schema (see {@link decodeJson}). */
export function checkContract<S extends z.ZodType>(contract: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  throw new AppError(ErrorCode.messageInvalid, `${contract}: ${issue?.message ?? 'invalid'}${where}`, {
    cause: result.error,
  });
}
