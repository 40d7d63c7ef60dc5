import { z } from 'zod';
import { checkContract } from './decode.js';

/**
 * Pub/sub channels a service publishes on after it changed accounts or rules; every ingress
 * replica subscribes and reloads. The payload of both is the id of the account that changed.
 */
export const invalidationChannels = { accounts: 'mpstack:accounts-changed', rules: 'mpstack:rules-changed' } as const;

export type InvalidationChannel = (typeof invalidationChannels)[keyof typeof invalidationChannels];

const accountIdSchema = z.string().min(1).max(128);

/** The payload announcing a change to `accountId`. */
export function encodeInvalidation(accountId: string): string {
  return checkContract('invalidation', accountIdSchema, accountId);
}

/** The account id of an invalidation payload; throws a `message_invalid` AppError when empty. */
export function decodeInvalidation(payload: string): string {
  return checkContract('invalidation', accountIdSchema, payload);
}
