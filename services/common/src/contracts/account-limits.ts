import { z } from 'zod';
import type { RateFamily, RateSetting } from '../wechat-api/config.js';

/**
 * An account's own send limits, stored with the account (`accounts.send_limits`, migration
 * 0016) and set in the console: a family's rate (`off`, or a token bucket of `perSecond` with
 * `burst`) and daily quota overrides per API name. A family or API left out takes the
 * deployment's setting (`MPSTACK_WECHAT_RATE_*`, `MPSTACK_WECHAT_DAILY_QUOTAS`, WeChat's
 * documented limits).
 */
export interface AccountSendLimits {
  readonly rates?: Readonly<Partial<Record<RateFamily, RateSetting>>>;
  readonly dailyQuotas?: Readonly<Record<string, number>>;
}

/**
 * What a rate or quota may be. WeChat states no per-second limit for template sends; a bucket
 * faster than 10,000/s or a burst above 100,000 is a typing error, not a plan. A quota above
 * 100 million a day is beyond any account's (the largest raised template quotas are millions).
 */
export const sendLimitBounds = {
  maxPerSecond: 10_000,
  maxBurst: 100_000,
  maxDailyQuota: 100_000_000,
} as const;

export const rateFamilies: readonly RateFamily[] = ['template', 'kefu', 'mass'];

const bucketSchema = z.strictObject({
  perSecond: z.number().positive().max(sendLimitBounds.maxPerSecond),
  burst: z.number().int().min(1).max(sendLimitBounds.maxBurst),
});

/** The stored form (written by the admin service after its own checks, read by every business replica). */
export const accountSendLimitsSchema = z.strictObject({
  rates: z
    .strictObject({
      template: z.union([z.literal('off'), bucketSchema]).optional(),
      kefu: z.union([z.literal('off'), bucketSchema]).optional(),
      mass: z.union([z.literal('off'), bucketSchema]).optional(),
    })
    .optional(),
  dailyQuotas: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/), z.number().int().min(0).max(sendLimitBounds.maxDailyQuota))
    .optional(),
});

/**
 * The stored column as limits; undefined for null or for nothing set. A value that does not
 * parse (written by hand) throws: the caller decides whether to fall back to the defaults.
 */
export function decodeAccountSendLimits(column: string | null | undefined): AccountSendLimits | undefined {
  if (column === null || column === undefined || column === '') return undefined;
  return normalizeAccountSendLimits(accountSendLimitsSchema.parse(JSON.parse(column)) as AccountSendLimits);
}

/** The column for these limits: null when they set nothing (the deployment's settings apply). */
export function encodeAccountSendLimits(limits: AccountSendLimits | undefined): string | null {
  const normalized = normalizeAccountSendLimits(limits);
  return normalized === undefined ? null : JSON.stringify(normalized);
}

/** Drops empty parts, so "nothing set" has one form (undefined). */
export function normalizeAccountSendLimits(limits: AccountSendLimits | undefined): AccountSendLimits | undefined {
  if (limits === undefined) return undefined;
  const rates = Object.fromEntries(
    rateFamilies.flatMap((family) => {
      const rate = limits.rates?.[family];
      return rate === undefined ? [] : [[family, rate]];
    }),
  ) as Partial<Record<RateFamily, RateSetting>>;
  const quotas = limits.dailyQuotas ?? {};
  const hasRates = Object.keys(rates).length > 0;
  const hasQuotas = Object.keys(quotas).length > 0;
  if (!hasRates && !hasQuotas) return undefined;
  return { ...(hasRates ? { rates } : {}), ...(hasQuotas ? { dailyQuotas: { ...quotas } } : {}) };
}
