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

/**
 * A credential every replica shares (a WeChat access_token, a jsapi_ticket) as the store
 * sees it; times are on the store's clock.
 */
export interface CredentialState {
  /** The current value; undefined before the first refresh (or after the key expired). */
  readonly value: string | undefined;
  /** Milliseconds until the value expires (0 when there is none or it expired). */
  readonly remainingMs: number;
  /** Marked stale by a caller it failed for (40001 …): it must be refreshed before use. */
  readonly isStale: boolean;
  /** Grows by one with every stored value (0: never stored). */
  readonly generation: number;
  /** Why the last refresh failed, while its retry delay runs (undefined otherwise). */
  readonly failure: string | undefined;
  /** Milliseconds since the value was stored — the last refresh — on the store's clock (undefined without a value). */
  readonly ageMs: number | undefined;
}

/** Who asks to refresh a credential, for how long it may, and how early a refresh is due. */
export interface CredentialRefreshRequest {
  /** Unique per writer (a replica's manager); only this holder may store while its lease lives. */
  readonly holder: string;
  /** How long the refresh may take before another replica may take over (store's clock). */
  readonly leaseMs: number;
  /** A value with less than this left is due for a refresh. */
  readonly refreshAheadMs: number;
}

/** The failure of a refresh, shown to every waiting reader until `retryAfterMs` has passed. */
export interface CredentialFailure {
  readonly reason: string;
  readonly retryAfterMs: number;
}

/** Where a follower's customer-service window came from (the kefu rules: a message, or a click / follow / scan). */
export type ServiceWindowKind = 'message' | 'event';

/**
 * One change to a follower's customer-service windows, for {@link CoordinationPort.recordServiceWindows}:
 * `closed` removes every window (an unfollow); `open` opens (or renews) the window of `kind`
 * with `budget` messages ending `windowMs` from when the store applies it.
 */
export type ServiceWindowChange =
  | { readonly key: string; readonly change: 'closed' }
  | {
      readonly key: string;
      readonly change: 'open';
      readonly kind: ServiceWindowKind;
      readonly windowMs: number;
      readonly budget: number;
    };

/** Taking one customer-service message: allowed, no window open, or the open windows' budget used. */
export type ServiceWindowVerdict = 'allowed' | 'closed' | 'exhausted';

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
  /** The shared credential under `key` (nothing stored: no value, generation 0). */
  readCredential(key: string): Promise<CredentialState>;
  /**
   * Becomes the one writer of the credential, atomically: `claimed` only when a refresh is due
   * (no value, stale, or less than `refreshAheadMs` left), no other holder's lease is live and
   * no failed refresh's retry delay runs. Returns the state either way, so a loser sees what
   * the winner stored.
   */
  claimCredentialRefresh(
    key: string,
    request: CredentialRefreshRequest,
  ): Promise<{ readonly claimed: boolean; readonly state: CredentialState }>;
  /**
   * Stores a refreshed value (fresh, generation + 1) and ends the lease — only while `holder`
   * still holds it; false (nothing stored) when another writer took the lease over.
   */
  storeCredential(key: string, holder: string, value: string, expiresInMs: number): Promise<boolean>;
  /** Ends `holder`'s lease without a value, recording why when the refresh failed. */
  releaseCredential(key: string, holder: string, failure?: CredentialFailure): Promise<void>;
  /**
   * Compare-and-set: marks the credential stale only if it is still `value` (the one that
   * failed); false when it was replaced meanwhile (use the new one — nothing to refresh).
   */
  markCredentialStale(key: string, value: string): Promise<boolean>;
  /**
   * Counts one call against a daily quota: allowed (and counted) while fewer than `limit`
   * were counted; the count lives `ttlMs` from the first (the key names its day).
   */
  consumeQuota(
    key: string,
    limit: number,
    ttlMs: number,
  ): Promise<{ readonly allowed: boolean; readonly used: number }>;
  /**
   * Counts `count` calls against a daily quota at once (a batch of sends, one round trip):
   * `granted` of them — as many as fit under `limit`, the first ones — are counted and allowed,
   * the rest refused; `used` is the count after.
   */
  consumeQuotas(
    key: string,
    limit: number,
    ttlMs: number,
    count: number,
  ): Promise<{ readonly granted: number; readonly used: number }>;
  /** Marks a quota used up (WeChat answered 45009): the count becomes at least `limit`. */
  fillQuota(key: string, limit: number, ttlMs: number): Promise<void>;
  /** How many calls were counted under a quota key (0 when none). */
  quotaUsed(key: string): Promise<number>;
  /** Forgets a quota's count (WeChat's counters were reset by clear_quota): the next call counts from 0. */
  resetQuota(key: string): Promise<void>;
  /**
   * Opens (or renews) a follower's customer-service window of `kind`: `budget` messages
   * within `windowMs` (store's clock); a newer interaction of the same kind replaces it.
   */
  openServiceWindow(key: string, kind: ServiceWindowKind, windowMs: number, budget: number): Promise<void>;
  /** Closes every window of a follower (an unfollow). */
  closeServiceWindows(key: string): Promise<void>;
  /**
   * Applies many window changes in one round trip (per Redis node), in the given order — as
   * `openServiceWindow` / `closeServiceWindows` one after the other would, for the ingress,
   * which records every follower interaction.
   */
  recordServiceWindows(changes: readonly ServiceWindowChange[]): Promise<void>;
  /**
   * Takes one message from the open window that ends first and still has budget. With
   * `attempt` (unique per send attempt) the store remembers which window it came from, so
   * {@link giveBackServiceWindow} can return it.
   */
  takeServiceWindow(key: string, attempt?: string): Promise<ServiceWindowVerdict>;
  /**
   * Gives back the message `attempt` took (its send certainly did not reach WeChat): true when
   * a message was returned. Idempotent per attempt (a second call returns nothing); never above
   * the budget the window was opened with; nothing when that window ended, was closed or was
   * renewed since (a renewal brought a whole budget).
   */
  giveBackServiceWindow(key: string, attempt: string): Promise<boolean>;
  /** Publishes on a pub/sub channel shared by every replica (rule-cache invalidation). */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes; the returned function unsubscribes. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** True when the backing store answers (for `/readyz`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
