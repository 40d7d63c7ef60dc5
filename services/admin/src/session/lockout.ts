import type { CoordinationPort } from '@mpstack/common/ports';
import { ApiFailure } from '../api-error.js';

/**
 * Lockout with backoff. Failures are counted per username and per client IP over 15 minutes.
 * From the 5th failure for a user (or the 20th from one IP — a password spray across many
 * users), every further failure locks that name (that IP) for 2^(n − threshold) seconds,
 * up to 15 minutes; while locked, sign-in is refused with 423 before the password is checked.
 */
export interface LockoutPolicy {
  readonly userThreshold: number;
  readonly ipThreshold: number;
  readonly windowMs: number;
  readonly maxLockMs: number;
}

export const defaultLockout: LockoutPolicy = {
  userThreshold: 5,
  ipThreshold: 20,
  windowMs: 15 * 60_000,
  maxLockMs: 15 * 60_000,
};

/** A lock a failure started: on a username or on a client address, for so long. */
export interface LockSet {
  readonly scope: 'user' | 'ip';
  readonly who: string;
  readonly seconds: number;
}

export class Lockout {
  constructor(
    private readonly coordination: CoordinationPort,
    private readonly policy: LockoutPolicy = defaultLockout,
  ) {}

  /** Throws `locked` (with the lock's length as `retryAfterSeconds`) while the user or the IP is locked. */
  async check(username: string, ip: string): Promise<void> {
    const c = this.coordination;
    const [userLocked, ipLocked, userFailures, ipFailures] = await Promise.all([
      c.failureCount(lockKey('user', username)),
      c.failureCount(lockKey('ip', ip)),
      c.failureCount(countKey('user', username)),
      c.failureCount(countKey('ip', ip)),
    ]);
    const waits = [
      userLocked > 0 ? this.#lockMs(userFailures - this.policy.userThreshold) : 0,
      ipLocked > 0 ? this.#lockMs(ipFailures - this.policy.ipThreshold) : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) {
      throw new ApiFailure('locked', 'too many failed sign-ins; wait before trying again', {
        retryAfterSeconds: Math.ceil(wait / 1000),
      });
    }
  }

  /** Counts a failure and locks the user and/or IP when past the threshold; returns the locks it set. */
  async failed(username: string, ip: string): Promise<readonly LockSet[]> {
    const [user, address] = await Promise.all([
      this.coordination.recordFailure(countKey('user', username), this.policy.windowMs),
      this.coordination.recordFailure(countKey('ip', ip), this.policy.windowMs),
    ]);
    const locks = await Promise.all([
      this.#lock('user', username, user - this.policy.userThreshold),
      this.#lock('ip', ip, address - this.policy.ipThreshold),
    ]);
    return locks.filter((lock) => lock !== undefined);
  }

  /** A successful sign-in forgets that user's failures (not the IP's: a spray goes on counting). */
  async succeeded(username: string): Promise<void> {
    await this.coordination.clearFailures(countKey('user', username));
  }

  async #lock(kind: 'user' | 'ip', who: string, over: number): Promise<LockSet | undefined> {
    if (over < 0) return undefined;
    // The lock is a failure counter whose window is the lock's length.
    const key = lockKey(kind, who);
    const ms = this.#lockMs(over);
    await this.coordination.clearFailures(key);
    await this.coordination.recordFailure(key, ms);
    return { scope: kind, who, seconds: Math.ceil(ms / 1000) };
  }

  #lockMs(over: number): number {
    return Math.min(this.policy.maxLockMs, 1000 * 2 ** Math.max(0, Math.min(over, 20)));
  }
}

const countKey = (kind: string, who: string) => `admin:signin-failures:${kind}:${who}`;
const lockKey = (kind: string, who: string) => `admin:signin-lock:${kind}:${who}`;
