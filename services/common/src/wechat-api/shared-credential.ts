import { isAppError } from '../errors/app-error.js';
import type { CoordinationPort, CredentialState } from '../ports/coordination.js';
import { WeChatApiError, WeChatUnavailableError } from '../wechat/api-errors.js';

/** A fetched credential: its value and how long WeChat says it lives. */
export interface FetchedCredential {
  readonly value: string;
  readonly expiresInMs: number;
}

export interface SharedCredentialOptions {
  readonly coordination: CoordinationPort;
  /** The coordination key (one per appid and kind). */
  readonly key: string;
  /** The API name used in errors (`getStableAccessToken`, `getJsapiTicket`). */
  readonly api: string;
  /** Unique per process: the lease holder when this replica is the writer. */
  readonly holder: string;
  /**
   * Fetches a new value from WeChat — called only by the writer. `stale` is the value that
   * was marked stale, when that is why the refresh runs (a stable_token then forces one).
   */
  readonly fetch: (stale: string | undefined) => Promise<FetchedCredential>;
  readonly refreshAheadMs: number;
  readonly localCacheMs: number;
  readonly waitMs: number;
  readonly leaseMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told of every refresh this replica made (its outcome), for metrics. */
  readonly onRefresh?: (outcome: 'stored' | 'fenced' | 'failed') => void;
}

const backgroundSpacingMs = 200;

/** A credential as stored, for health pages: nothing is refreshed to produce it. */
export interface CredentialHealth {
  /** A usable value is stored (present, not stale, not expired). */
  readonly isUsable: boolean;
  /** Milliseconds until it expires (0 when none). */
  readonly remainingMs: number;
  /** Milliseconds since it was stored — the last refresh (undefined when none is stored). */
  readonly ageMs: number | undefined;
  readonly isStale: boolean;
  /** Values stored so far (one per refresh that succeeded). */
  readonly generation: number;
  /** Why the last refresh failed, while its retry delay runs. */
  readonly failure: string | undefined;
}

interface Cached {
  readonly value: string;
  /** Local estimate of the expiry (store's remaining time added to our clock). */
  readonly expiresAt: number;
  readonly checkedAt: number;
  readonly isDue: boolean;
}

/**
 * One credential (an appid's access_token or jsapi_ticket) shared by every replica through
 * the coordination store:
 * - readers take the stored value (cached `localCacheMs` in process) and never call WeChat;
 * - when it is due (missing, stale, or within `refreshAheadMs` of its end) a replica asks to
 *   become the one writer (`claimCredentialRefresh`: a lease, at most one holder); the
 *   winner fetches and stores (fenced by its lease), everyone else keeps the current value
 *   or waits for the new one;
 * - a caller whose call failed with 40001 / 40014 / 42001 marks the value stale only if it
 *   is still the stored one (compare-and-set), then waits for the writer — so many failing
 *   callers cause one refresh, and a caller holding an old value causes none;
 * - without the store (Redis lost) a value still valid in the local cache is used; otherwise
 *   the read fails with `unavailable`. Nothing is refreshed without the lease, so no replica
 *   stampedes WeChat when the store comes back.
 */
export class SharedCredential {
  #cached: Cached | undefined;
  #reading: Promise<CredentialState> | undefined;
  #refreshing: Promise<void> | undefined;
  #lastBackgroundAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SharedCredentialOptions) {}

  /** The current value, waiting for the writer when there is none usable. */
  async get(): Promise<string> {
    const now = this.options.now();
    const cached = this.#cached;
    if (cached !== undefined && now - cached.checkedAt < this.options.localCacheMs && now < cached.expiresAt) {
      if (cached.isDue) this.#refreshInBackground();
      return cached.value;
    }
    let state: CredentialState;
    try {
      state = await this.#read();
    } catch (error) {
      if (cached !== undefined && this.options.now() < cached.expiresAt) return cached.value;
      throw this.#unavailable('the coordination store did not answer and no valid token is cached', error);
    }
    if (isUsable(state)) {
      this.#remember(state);
      if (this.#isDue(state)) this.#refreshInBackground();
      return state.value as string;
    }
    return this.#waitForWriter(state.generation);
  }

  /**
   * `value` failed with a token errcode: marks it stale if it is still the stored one, and
   * returns the value to retry with (the writer's new one, or one stored meanwhile).
   */
  async invalidate(value: string): Promise<string> {
    if (this.#cached?.value === value) this.#cached = undefined;
    let isMarked: boolean;
    try {
      isMarked = await this.options.coordination.markCredentialStale(this.options.key, value);
    } catch (error) {
      throw this.#unavailable('the coordination store did not answer; the token cannot be replaced', error);
    }
    if (!isMarked) {
      const current = await this.get();
      if (current !== value) return current;
    }
    const state = await this.#read();
    if (isUsable(state) && state.value !== value) return state.value as string;
    return this.#waitForWriter(state.generation, value);
  }

  /** The stored state, read once; never refreshes (see {@link CredentialHealth}). */
  async health(): Promise<CredentialHealth> {
    let state: CredentialState;
    try {
      state = await this.#read();
    } catch (error) {
      throw this.#unavailable('the coordination store did not answer', error);
    }
    return {
      isUsable: isUsable(state),
      remainingMs: state.remainingMs,
      ageMs: state.ageMs,
      isStale: state.isStale,
      generation: state.generation,
      failure: state.failure,
    };
  }

  /** Asks to become the writer now if a refresh is due (used by the background timer and tests). */
  refreshIfDue(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /**
   * A due value is still served while the writer refreshes; the readers' own attempts to
   * become the writer are spaced (one per `backgroundSpacingMs` per process), so a busy
   * replica does not ask Redis for the lease on every call of the refresh window.
   */
  #refreshInBackground(): void {
    const now = this.options.now();
    if (now - this.#lastBackgroundAt < backgroundSpacingMs) return;
    this.#lastBackgroundAt = now;
    this.refreshIfDue().catch(() => undefined);
  }

  async #refresh(): Promise<void> {
    const { coordination, key, holder } = this.options;
    const { claimed, state } = await coordination.claimCredentialRefresh(key, {
      holder,
      leaseMs: this.options.leaseMs,
      refreshAheadMs: this.options.refreshAheadMs,
    });
    if (!claimed) return;
    let fetched: FetchedCredential;
    try {
      fetched = await this.options.fetch(state.isStale ? state.value : undefined);
    } catch (error) {
      // A business error (a wrong AppSecret: 40125) waits longer than a network failure.
      const retryAfterMs = error instanceof WeChatApiError ? 10_000 : 1_000;
      await coordination
        .releaseCredential(key, holder, { reason: reasonOf(error), retryAfterMs })
        .catch(() => undefined);
      this.options.onRefresh?.('failed');
      throw error;
    }
    const isStored = await coordination.storeCredential(key, holder, fetched.value, fetched.expiresInMs);
    this.options.onRefresh?.(isStored ? 'stored' : 'fenced');
    if (isStored) {
      const now = this.options.now();
      this.#cached = {
        value: fetched.value,
        expiresAt: now + fetched.expiresInMs,
        checkedAt: now,
        isDue: fetched.expiresInMs <= this.options.refreshAheadMs,
      };
    }
  }

  /** Polls the store until a usable value newer than `generation` (or not `failed`) is there. */
  async #waitForWriter(generation: number, failed?: string): Promise<string> {
    const deadline = this.options.now() + this.options.waitMs;
    let pause = 20;
    for (;;) {
      // This replica may be the writer: a refresh it runs resolves before the next read.
      await this.refreshIfDue().catch(() => undefined);
      let state: CredentialState | undefined;
      try {
        state = await this.#read();
      } catch {
        state = undefined; // Redis lost for a moment: keep waiting until the deadline.
      }
      if (state !== undefined && isUsable(state) && (state.generation > generation || state.value !== failed)) {
        this.#remember(state);
        return state.value as string;
      }
      if (state?.failure !== undefined) {
        throw this.#unavailable(`the last refresh failed: ${state.failure}`);
      }
      if (this.options.now() >= deadline) {
        throw this.#unavailable(`no token within ${this.options.waitMs} ms (the writer did not store one)`);
      }
      await this.options.sleep(pause);
      pause = Math.min(250, pause * 2);
    }
  }

  /** One store read at a time per process: concurrent callers share it. */
  #read(): Promise<CredentialState> {
    this.#reading ??= this.options.coordination.readCredential(this.options.key).finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  #remember(state: CredentialState): void {
    const now = this.options.now();
    this.#cached = {
      value: state.value as string,
      expiresAt: now + state.remainingMs,
      checkedAt: now,
      isDue: this.#isDue(state),
    };
  }

  #isDue(state: CredentialState): boolean {
    return state.remainingMs <= this.options.refreshAheadMs;
  }

  #unavailable(message: string, cause?: unknown): WeChatUnavailableError {
    return new WeChatUnavailableError(this.options.api, message, cause);
  }
}

function isUsable(state: CredentialState): boolean {
  return state.value !== undefined && !state.isStale && state.remainingMs > 0;
}

function reasonOf(error: unknown): string {
  if (error instanceof WeChatApiError) return `${error.errcode} ${error.meaning}`;
  if (isAppError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
