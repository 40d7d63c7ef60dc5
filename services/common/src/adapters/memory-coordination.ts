import type {
  ClaimRequest,
  ClaimResult,
  CoordinationPort,
  Lease,
  SessionLifetime,
  TokenBucket,
} from '../ports/coordination.js';

type Listener = (message: string) => void;

/** A held claim: the message's value until a reply replaces it. */
interface LeaseState {
  readonly fence: number;
  readonly expiresAt: number;
  readonly holder: string;
}

interface Entry {
  value: string | LeaseState;
  expiresAt: number;
}

interface BucketState {
  tokens: number;
  at: number;
}

/** Sweep expired keys once per this many writes, so unique message keys cannot pile up. */
const SWEEP_EVERY = 1024;

/**
 * The state several in-process "replicas" share, standing in for one Redis server: keys
 * with expiry, token buckets and pub/sub channels. Pass one store to several
 * {@link MemoryCoordination}s to make them see each other.
 */
export class MemoryCoordinationStore {
  readonly now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly buckets = new Map<string, BucketState>();
  readonly channels = new Map<string, Set<Listener>>();
  #writes = 0;

  /** @param now clock in milliseconds; injectable so tests can move time. */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  get(key: string): string | LeaseState | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string | LeaseState, ttlMs: number): void {
    this.#entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  /** Replaces the value, keeping the expiry; false when the key is absent. */
  replace(key: string, value: string | LeaseState): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.get(key) === undefined) return false;
    entry.value = value;
    return true;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.delete(key);
    for (const [key, state] of this.buckets) if (state.at < now - 3_600_000) this.buckets.delete(key);
  }
}

/**
 * In-process coordination: the embedded default with the same semantics as
 * {@link RedisCoordination} (every operation is synchronous inside, hence atomic).
 */
export class MemoryCoordination implements CoordinationPort {
  readonly #store: MemoryCoordinationStore;
  readonly #unsubscribers = new Set<() => void>();
  #isClosed = false;

  constructor(options: { readonly store?: MemoryCoordinationStore; readonly now?: () => number } = {}) {
    this.#store = options.store ?? new MemoryCoordinationStore(options.now);
  }

  async claimMessage(request: ClaimRequest): Promise<ClaimResult> {
    const store = this.#store;
    const ttlMs = request.ttlSeconds * 1000;
    const seen = store.get(request.nonceKey);
    if (seen !== undefined && seen !== request.messageKey) return { status: 'nonce_replayed' };
    if (seen === undefined) store.set(request.nonceKey, request.messageKey, ttlMs);
    const stored = store.get(request.messageKey);
    if (stored === undefined) {
      store.set(request.messageKey, this.#initial(request, 1), ttlMs);
      return { status: 'claimed', fence: 1 };
    }
    if (typeof stored === 'string') return { status: 'duplicate', reply: stored };
    if (stored.holder === request.holder && request.reply === undefined) {
      store.replace(request.messageKey, this.#lease(stored.fence, request));
      return { status: 'claimed', fence: stored.fence };
    }
    if (stored.expiresAt <= store.now()) {
      store.replace(request.messageKey, this.#initial(request, stored.fence + 1));
      return { status: 'claimed', fence: stored.fence + 1 };
    }
    return { status: 'duplicate', reply: undefined };
  }

  async renewClaim(messageKey: string, fence: number, lease: Lease): Promise<boolean> {
    const stored = this.#store.get(messageKey);
    if (stored === undefined || typeof stored === 'string' || stored.fence !== fence) return false;
    return this.#store.replace(messageKey, this.#lease(fence, lease));
  }

  async storeReply(messageKey: string, reply: string, ttlSeconds: number, fence: number): Promise<boolean> {
    const stored = this.#store.get(messageKey);
    if (stored === undefined) this.#store.set(messageKey, reply, ttlSeconds * 1000);
    else if (typeof stored === 'string' || stored.fence !== fence) return false;
    else this.#store.replace(messageKey, reply);
    return true;
  }

  async getReply(messageKey: string): Promise<string | undefined> {
    const stored = this.#store.get(messageKey);
    return typeof stored === 'string' ? stored : undefined;
  }

  async releaseMessage(messageKey: string, fence: number): Promise<void> {
    const stored = this.#store.get(messageKey);
    if (stored !== undefined && typeof stored !== 'string' && stored.fence === fence) {
      this.#store.replace(messageKey, { fence, expiresAt: 0, holder: '' });
    }
  }

  #initial(request: ClaimRequest, fence: number): string | LeaseState {
    return request.reply ?? this.#lease(fence, request);
  }

  #lease(fence: number, lease: Lease): LeaseState {
    return { fence, expiresAt: this.#store.now() + lease.leaseMs, holder: lease.holder };
  }

  async takeToken(bucketKey: string, bucket: TokenBucket): Promise<number> {
    const now = this.#store.now();
    const state = this.#store.buckets.get(bucketKey) ?? { tokens: bucket.burst, at: now };
    const elapsed = Math.max(0, now - state.at);
    const tokens = Math.min(bucket.burst, state.tokens + (elapsed * bucket.ratePerSecond) / 1000);
    const isAllowed = tokens >= 1;
    this.#store.buckets.set(bucketKey, { tokens: isAllowed ? tokens - 1 : tokens, at: Math.max(now, state.at) });
    return isAllowed ? 0 : Math.ceil(((1 - tokens) * 1000) / bucket.ratePerSecond);
  }

  async openSession(sessionKey: string, payload: string, lifetime: SessionLifetime): Promise<void> {
    const end = this.#store.now() + lifetime.absoluteMs;
    this.#store.set(sessionKey, JSON.stringify({ payload, end }), Math.min(lifetime.idleMs, lifetime.absoluteMs));
  }

  async touchSession(sessionKey: string, lifetime: SessionLifetime): Promise<string | undefined> {
    const stored = this.#store.get(sessionKey);
    if (typeof stored !== 'string') return undefined;
    const { payload, end } = JSON.parse(stored) as { payload: string; end: number };
    const remaining = end - this.#store.now();
    if (remaining <= 0) {
      this.#store.delete(sessionKey);
      return undefined;
    }
    this.#store.set(sessionKey, stored, Math.min(lifetime.idleMs, remaining));
    return payload;
  }

  async closeSession(sessionKey: string): Promise<void> {
    this.#store.delete(sessionKey);
  }

  async recordFailure(failureKey: string, windowMs: number): Promise<number> {
    const stored = this.#store.get(failureKey);
    const count = typeof stored === 'string' ? Number(stored) + 1 : 1;
    if (count === 1) this.#store.set(failureKey, '1', windowMs);
    else this.#store.replace(failureKey, String(count));
    return count;
  }

  async failureCount(failureKey: string): Promise<number> {
    const stored = this.#store.get(failureKey);
    return typeof stored === 'string' ? Number(stored) : 0;
  }

  async clearFailures(failureKey: string): Promise<void> {
    this.#store.delete(failureKey);
  }

  async publish(channel: string, message: string): Promise<void> {
    const listeners = [...(this.#store.channels.get(channel) ?? [])];
    // Asynchronous like Redis: a publisher never runs subscribers on its own stack.
    queueMicrotask(() => {
      for (const listener of listeners) {
        try {
          listener(message);
        } catch {
          // Listeners own their errors (the port's contract).
        }
      }
    });
  }

  async subscribe(channel: string, onMessage: Listener): Promise<() => Promise<void>> {
    const channels = this.#store.channels;
    const listeners = channels.get(channel) ?? new Set<Listener>();
    channels.set(channel, listeners);
    // A distinct wrapper per subscription, so subscribing one function twice is two subscriptions.
    const listener: Listener = (message) => onMessage(message);
    listeners.add(listener);
    const unsubscribe = (): void => {
      listeners.delete(listener);
      if (listeners.size === 0 && channels.get(channel) === listeners) channels.delete(channel);
      this.#unsubscribers.delete(unsubscribe);
    };
    this.#unsubscribers.add(unsubscribe);
    return async () => unsubscribe();
  }

  async ping(): Promise<boolean> {
    return !this.#isClosed;
  }

  /** Drops this replica's subscriptions; the shared store stays usable by the others. */
  async close(): Promise<void> {
    this.#isClosed = true;
    for (const unsubscribe of [...this.#unsubscribers]) unsubscribe();
  }
}
