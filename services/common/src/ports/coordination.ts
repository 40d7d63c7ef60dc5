/**
 * Cache / coordination port. Operations are domain-level so that the Redis adapter (Lua,
 * one round trip each) and the in-process adapter can honour the same contract; the
 * contract test suite in `test/contract/coordination.contract.ts` runs against both.
 */

/** Result of {@link CoordinationPort.claimMessage}. */
export type ClaimResult =
  /** First delivery: the caller executes the message and must then store or release. */
  | { readonly status: 'claimed' }
  /** A retry of a message already claimed; `reply` is undefined while the first is still running. */
  | { readonly status: 'duplicate'; readonly reply: string | undefined }
  /** The nonce was already used with a different message inside the window: a replay. */
  | { readonly status: 'nonce_replayed' };

export interface ClaimRequest {
  /** De-duplication key, already namespaced by account (see `dedupeKey`). */
  readonly messageKey: string;
  /** Nonce key, already namespaced by account (`account:timestamp:nonce`). */
  readonly nonceKey: string;
  /** Lifetime of both keys, ≥ 60 s (WeChat retries within ~15 s). */
  readonly ttlSeconds: number;
  /**
   * The reply, when the caller could compute it without side effects before claiming
   * (the in-process rule engine): it is stored with the claim, so the first delivery
   * costs one round trip instead of two and no `storeReply` follows.
   */
  readonly reply?: string;
}

export interface TokenBucket {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket capacity. */
  readonly burst: number;
}

export interface CoordinationPort {
  /**
   * Atomically: reject a replayed nonce (same nonce, other message), remember the nonce,
   * and claim the message key. A WeChat retry that reuses its nonce is a duplicate, not a
   * replay.
   */
  claimMessage(request: ClaimRequest): Promise<ClaimResult>;
  /** Stores the reply given to the first delivery so retries replay it. */
  storeReply(messageKey: string, reply: string, ttlSeconds: number): Promise<void>;
  /** The stored reply, or undefined while pending / when unknown. */
  getReply(messageKey: string): Promise<string | undefined>;
  /** Drops a claim after a failure so that WeChat's retry executes the message again. */
  releaseMessage(messageKey: string): Promise<void>;
  /** Takes one token; returns the milliseconds to wait (0 = allowed now). */
  takeToken(bucketKey: string, bucket: TokenBucket): Promise<number>;
  /** Publishes on a pub/sub channel shared by every replica (rule-cache invalidation). */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes; the returned function unsubscribes. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** True when the backing store answers (for `/readyz`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
