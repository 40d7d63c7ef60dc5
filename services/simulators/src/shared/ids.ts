import { randomBytes, randomInt } from 'node:crypto';

/**
 * An opaque credential shaped like WeChat's (digits, `_`, then base64url). Real tokens are
 * ~150 characters today and the docs say to reserve 512, so clients must not assume a size.
 */
export function opaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(132).toString('base64url')}`;
}

/** A positive integer id in the range WeChat's msgids use (they exceed 2^31). */
export function numericId(): number {
  return randomInt(1_000_000_000, 2 ** 47);
}

/** A random numeric string, like the `nonce` WeChat puts on callback URLs. */
export function numericNonce(): string {
  return String(randomInt(100_000_000, 2_000_000_000));
}

/** The Beijing calendar day of an instant: WeChat's daily quotas reset at 00:00 UTC+8. */
export function beijingDay(epochMs: number): number {
  return Math.floor((epochMs + 8 * 3600_000) / 86_400_000);
}

/** The Beijing calendar month of an instant (year × 12 + month), for monthly per-user limits. */
export function beijingMonth(epochMs: number): number {
  const beijing = new Date(epochMs + 8 * 3600_000);
  return beijing.getUTCFullYear() * 12 + beijing.getUTCMonth();
}
