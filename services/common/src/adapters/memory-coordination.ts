import type {
  ClaimRequest,
  ClaimResult,
  CoordinationPort,
  CredentialFailure,
  CredentialRefreshRequest,
  CredentialState,
  Lease,
  ServiceWindowChange,
  ServiceWindowKind,
  ServiceWindowVerdict,
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

/** A shared credential (see the Redis hash in `redis-scripts.ts`): all times on the store's clock. */
interface CredentialRecord {
  value: string | undefined;
  expiresAt: number;
  isStale: boolean;
  generation: number;
  leaseHolder: string | undefined;
  leaseEndsAt: number;
  failure: string | undefined;
  retryAt: number;
  /** When the value was stored (the last refresh); 0 before the first. */
  storedAt: number;
}

/** One open window: its end, the budget left and the budget it was opened with. */
interface OpenWindow {
  endsAt: number;
  budget: number;
  readonly cap: number;
}

/**
 * A follower's customer-service windows: end and budget left per kind, and the attempts that
 * took a message (which window, and its end then) until they are given back.
 */
type WindowRecord = Partial<Record<ServiceWindowKind, OpenWindow>> & {
  taken?: Map<string, TakenMessage>;
};

/** Which window an attempt took its message from, and that window's end then. */
interface TakenMessage {
  readonly kind: ServiceWindowKind;
  readonly endsAt: number;
}

const oneDayMs = 86_400_000;

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
  /** Credentials, quotas and service windows, each with the expiry its Redis key would have. */
  readonly records = new Map<string, { value: CredentialRecord | WindowRecord | number; expiresAt: number }>();
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
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }

  /** A credential, quota or window record, undefined once its expiry passed. */
  record<T extends CredentialRecord | WindowRecord | number>(key: string): T | undefined {
    const entry = this.records.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.records.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  setRecord(key: string, value: CredentialRecord | WindowRecord | number, expiresAt: number): void {
    this.records.set(key, { value, expiresAt });
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  expiryOf(key: string): number | undefined {
    return this.records.get(key)?.expiresAt;
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

  async readCredential(key: string): Promise<CredentialState> {
    return this.#credentialState(this.#store.record<CredentialRecord>(key));
  }

  async claimCredentialRefresh(
    key: string,
    request: CredentialRefreshRequest,
  ): Promise<{ readonly claimed: boolean; readonly state: CredentialState }> {
    const store = this.#store;
    const now = store.now();
    const record = store.record<CredentialRecord>(key);
    const state = this.#credentialState(record);
    const isDue = state.value === undefined || state.isStale || state.remainingMs <= request.refreshAheadMs;
    const isLeaseFree =
      record?.leaseHolder === undefined || record.leaseHolder === request.holder || record.leaseEndsAt <= now;
    if (!isDue || !isLeaseFree || (record?.retryAt ?? 0) > now) return { claimed: false, state };
    const claimed: CredentialRecord = record ?? {
      value: undefined,
      expiresAt: 0,
      isStale: false,
      generation: 0,
      leaseHolder: undefined,
      leaseEndsAt: 0,
      failure: undefined,
      retryAt: 0,
      storedAt: 0,
    };
    claimed.leaseHolder = request.holder;
    claimed.leaseEndsAt = now + request.leaseMs;
    if (record === undefined) store.setRecord(key, claimed, now + oneDayMs);
    return { claimed: true, state };
  }

  async storeCredential(key: string, holder: string, value: string, expiresInMs: number): Promise<boolean> {
    const record = this.#store.record<CredentialRecord>(key);
    if (record === undefined || record.leaseHolder !== holder) return false;
    const now = this.#store.now();
    Object.assign(record, {
      value,
      expiresAt: now + expiresInMs,
      isStale: false,
      generation: record.generation + 1,
      leaseHolder: undefined,
      leaseEndsAt: 0,
      failure: undefined,
      retryAt: 0,
      storedAt: now,
    });
    this.#store.setRecord(key, record, now + expiresInMs + oneDayMs);
    return true;
  }

  async releaseCredential(key: string, holder: string, failure?: CredentialFailure): Promise<void> {
    const record = this.#store.record<CredentialRecord>(key);
    if (record === undefined || record.leaseHolder !== holder) return;
    record.leaseHolder = undefined;
    record.leaseEndsAt = 0;
    if (failure !== undefined) {
      record.failure = failure.reason;
      record.retryAt = this.#store.now() + failure.retryAfterMs;
    }
  }

  async markCredentialStale(key: string, value: string): Promise<boolean> {
    const record = this.#store.record<CredentialRecord>(key);
    if (record === undefined || record.value !== value) return false;
    record.isStale = true;
    return true;
  }

  async consumeQuota(
    key: string,
    limit: number,
    ttlMs: number,
  ): Promise<{ readonly allowed: boolean; readonly used: number }> {
    const { granted, used } = await this.consumeQuotas(key, limit, ttlMs, 1);
    return { allowed: granted === 1, used };
  }

  async consumeQuotas(
    key: string,
    limit: number,
    ttlMs: number,
    count: number,
  ): Promise<{ readonly granted: number; readonly used: number }> {
    const used = this.#store.record<number>(key) ?? 0;
    const granted = Math.max(0, Math.min(count, limit - used));
    if (granted === 0) return { granted, used };
    const now = this.#store.now();
    this.#store.setRecord(key, used + granted, used === 0 ? now + ttlMs : (this.#store.expiryOf(key) ?? now + ttlMs));
    return { granted, used: used + granted };
  }

  async fillQuota(key: string, limit: number, ttlMs: number): Promise<void> {
    const used = this.#store.record<number>(key) ?? 0;
    if (used >= limit) return;
    this.#store.setRecord(key, limit, used === 0 ? this.#store.now() + ttlMs : (this.#store.expiryOf(key) ?? 0));
  }

  async quotaUsed(key: string): Promise<number> {
    return this.#store.record<number>(key) ?? 0;
  }

  async resetQuota(key: string): Promise<void> {
    this.#store.records.delete(key);
  }

  async openServiceWindow(key: string, kind: ServiceWindowKind, windowMs: number, budget: number): Promise<void> {
    const now = this.#store.now();
    const windows: WindowRecord = {
      ...this.#store.record<WindowRecord>(key),
      [kind]: { endsAt: now + windowMs, budget, cap: budget },
    };
    const endsAt = Math.max(windows.message?.endsAt ?? 0, windows.event?.endsAt ?? 0);
    this.#store.setRecord(key, windows, endsAt + 1000);
  }

  async closeServiceWindows(key: string): Promise<void> {
    this.#store.records.delete(key);
  }

  async recordServiceWindows(changes: readonly ServiceWindowChange[]): Promise<void> {
    for (const change of changes) {
      if (change.change === 'closed') await this.closeServiceWindows(change.key);
      else await this.openServiceWindow(change.key, change.kind, change.windowMs, change.budget);
    }
  }

  async takeServiceWindow(key: string, attempt?: string): Promise<ServiceWindowVerdict> {
    const now = this.#store.now();
    const windows = this.#store.record<WindowRecord>(key) ?? {};
    const open = (['message', 'event'] as const)
      .flatMap((kind) => {
        const window = windows[kind];
        return window !== undefined && window.endsAt > now ? [{ kind, window }] : [];
      })
      .sort((a, b) => a.window.endsAt - b.window.endsAt);
    if (open.length === 0) return 'closed';
    const usable = open.find(({ window }) => window.budget > 0);
    if (usable === undefined) return 'exhausted';
    usable.window.budget -= 1;
    if (attempt !== undefined && attempt !== '') {
      const taken = windows.taken ?? new Map<string, TakenMessage>();
      // Attempts of windows since renewed or ended can no longer give back: forget them.
      for (const [id, entry] of taken) if (windows[entry.kind]?.endsAt !== entry.endsAt) taken.delete(id);
      taken.set(attempt, { kind: usable.kind, endsAt: usable.window.endsAt });
      windows.taken = taken;
    }
    return 'allowed';
  }

  async giveBackServiceWindow(key: string, attempt: string): Promise<boolean> {
    const now = this.#store.now();
    const windows = this.#store.record<WindowRecord>(key);
    const entry = windows?.taken?.get(attempt);
    if (windows === undefined || entry === undefined) return false;
    windows.taken?.delete(attempt);
    const window = windows[entry.kind];
    if (window === undefined || window.endsAt !== entry.endsAt || window.endsAt <= now) return false;
    if (window.budget >= window.cap) return false;
    window.budget += 1;
    return true;
  }

  #credentialState(record: CredentialRecord | undefined): CredentialState {
    const now = this.#store.now();
    return {
      value: record?.value,
      remainingMs: record?.value === undefined ? 0 : Math.max(0, record.expiresAt - now),
      isStale: record?.isStale ?? false,
      generation: record?.generation ?? 0,
      failure: record !== undefined && record.retryAt > now ? record.failure : undefined,
      ageMs: record?.value === undefined ? undefined : Math.max(0, now - record.storedAt),
    };
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
