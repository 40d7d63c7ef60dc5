import type { ClaimRequest, ClaimResult, CoordinationPort, TokenBucket } from '../ports/coordination.js';

type Listener = (message: string) => void;

interface Entry {
  value: string;
  expiresAt: number;
}

interface BucketState {
  tokens: number;
  at: number;
}

/** Sweep expired keys once per this many writes, so unique message keys cannot pile up. */
const SWEEP_EVERY = 1024;
const PENDING = Symbol('pending');

/**
 * The state several in-process "replicas" share, standing in for one Redis server: keys
 * with expiry, token buckets and pub/sub channels. Pass one store to several
 * {@link MemoryCoordination}s to make them see each other.
 */
export class MemoryCoordinationStore {
  readonly now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Set<string>();
  readonly buckets = new Map<string, BucketState>();
  readonly channels = new Map<string, Set<Listener>>();
  #writes = 0;

  /** @param now clock in milliseconds; injectable so tests can move time. */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  get(key: string): string | typeof PENDING | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    return this.#pending.has(key) ? PENDING : entry.value;
  }

  set(key: string, value: string | typeof PENDING, ttlMs: number): void {
    this.#entries.set(key, { value: value === PENDING ? '' : value, expiresAt: this.now() + ttlMs });
    if (value === PENDING) this.#pending.add(key);
    else this.#pending.delete(key);
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  /** Replaces the value, keeping the expiry; false when the key is absent. */
  replace(key: string, value: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.get(key) === undefined) return false;
    entry.value = value;
    this.#pending.delete(key);
    return true;
  }

  delete(key: string): void {
    this.#entries.delete(key);
    this.#pending.delete(key);
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
      store.set(request.messageKey, request.reply ?? PENDING, ttlMs);
      return { status: 'claimed' };
    }
    return { status: 'duplicate', reply: stored === PENDING ? undefined : stored };
  }

  async storeReply(messageKey: string, reply: string, ttlSeconds: number): Promise<void> {
    if (!this.#store.replace(messageKey, reply)) this.#store.set(messageKey, reply, ttlSeconds * 1000);
  }

  async getReply(messageKey: string): Promise<string | undefined> {
    const stored = this.#store.get(messageKey);
    return stored === PENDING ? undefined : stored;
  }

  async releaseMessage(messageKey: string): Promise<void> {
    if (this.#store.get(messageKey) === PENDING) this.#store.delete(messageKey);
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
