/**
 * Cache / coordination port. Operations are domain-level so that the Redis adapter (Lua,
 * one round trip each) and the in-process adapter can honour the same contract; the
 * contract test suite in `test/contract/coordination.contract.ts` runs against both.
 */

/** Result of {@link CoordinationPort.claimMessage}. */
export type ClaimResult =
  /**
   * This delivery holds the message: it executes it and must then store a reply or release.
   * `fence` grows by one each time the message changes hands (1 for the first holder); every
   * later write of the holder carries it, so a holder that lost its lease cannot overwrite
   * the work of the one that took over.
   */
  | { readonly status: 'claimed'; readonly fence: number }
  /**
   * Another delivery holds or held the message; `reply` is its stored reply, or undefined
   * while its holder's lease is live (the caller waits and claims again).
   */
  | { readonly status: 'duplicate'; readonly reply: string | undefined }
  /** The nonce was already used with a different message inside the window: a replay. */
  | { readonly status: 'nonce_replayed' };

/** Who holds a claim, and for how long without renewal. */
export interface Lease {
  /** Unique per request: claiming again with the same holder gets the same claim back. */
  readonly holder: string;
  /**
   * How long the claim stays held without a renewal, on the store's clock. Short (seconds):
   * a holder that dies or is cut off loses the message to WeChat's next delivery.
   */
  readonly leaseMs: number;
}

export interface ClaimRequest extends Lease {
  /** De-duplication key, already namespaced by account (see `dedupeKey`). */
  readonly messageKey: string;
  /** Nonce key, already namespaced by account (`account:timestamp:nonce`). */
  readonly nonceKey: string;
  /** Lifetime of both keys and of the stored reply, ≥ the timestamp window plus skew. */
  readonly ttlSeconds: number;
  /**
   * The reply, when the caller could compute it without side effects before claiming
   * (the in-process rule engine): it is stored with the claim, so the first delivery
   * costs one round trip instead of two, holds no lease and no `storeReply` follows.
   */
  readonly reply?: string;
}

export interface TokenBucket {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket capacity. */
  readonly burst: number;
}

/** How long a console session lives: unused for `idleMs`, and never past `absoluteMs` after it opened. */
export interface SessionLifetime {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export interface CoordinationPort {
  /**
   * Atomically: reject a replayed nonce (same nonce, other message), remember the nonce,
   * and claim the message key — as a lease. The claim is taken over (`claimed` with the next
   * fence) when the lease of its holder has expired without a stored reply: its holder died,
   * or Redis applied its claim after the holder had given up. A WeChat retry that reuses
   * its nonce is a duplicate, not a replay; the same holder claiming again gets its claim back.
   */
  claimMessage(request: ClaimRequest): Promise<ClaimResult>;
  /** Extends the lease while executing; false when the claim changed hands (stop: fenced out). */
  renewClaim(messageKey: string, fence: number, lease: Lease): Promise<boolean>;
  /**
   * Stores the reply of the holder with `fence` so retries replay it. False — nothing
   * stored — when another holder took the claim over or already stored a reply.
   */
  storeReply(messageKey: string, reply: string, ttlSeconds: number, fence: number): Promise<boolean>;
  /** The stored reply, or undefined while pending / when unknown. */
  getReply(messageKey: string): Promise<string | undefined>;
  /**
   * Gives up the claim after a failure *before any side effect*, so that the next delivery
   * takes it over at once (with the next fence). A no-op unless `fence` still holds it.
   */
  releaseMessage(messageKey: string, fence: number): Promise<void>;
  /** Takes one token; returns the milliseconds to wait (0 = allowed now). */
  takeToken(bucketKey: string, bucket: TokenBucket): Promise<number>;
  /**
   * Opens a session (the console's sign-in): `payload` is kept until the session is unused
   * for `idleMs` or `absoluteMs` have passed since it opened, whichever comes first.
   */
  openSession(sessionKey: string, payload: string, lifetime: SessionLifetime): Promise<void>;
  /**
   * The session's payload, its idle expiry restarted (never past its absolute end);
   * undefined when it ended, was closed or never existed.
   */
  touchSession(sessionKey: string, lifetime: SessionLifetime): Promise<string | undefined>;
  /** Ends a session (sign-out); a no-op when it is gone already. */
  closeSession(sessionKey: string): Promise<void>;
  /**
   * Counts one failure (a wrong password) under `failureKey`; the count lives `windowMs` from
   * the first failure of the window. Returns the count including this one.
   */
  recordFailure(failureKey: string, windowMs: number): Promise<number>;
  /** The failures counted under `failureKey` in its current window (0 when none). */
  failureCount(failureKey: string): Promise<number>;
  /** Forgets the failures under `failureKey` (a successful sign-in). */
  clearFailures(failureKey: string): Promise<void>;
  /** Publishes on a pub/sub channel shared by every replica (rule-cache invalidation). */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes; the returned function unsubscribes. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** True when the backing store answers (for `/readyz`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
