import type { CoordinationPort, ServiceWindowChange, ServiceWindowKind } from '../ports/coordination.js';
import type { WxMessage } from '../wechat/message-types.js';

/**
 * The customer-service (客服) window, shared by the ingress (which sees every interaction and
 * records it) and the WeChat API client (which refuses a send WeChat would refuse with
 * 45015 / 45047). The rules (kf/intro doc, the team's protocol notes): a user message opens
 * 5 messages within 48 h; a menu click (click / scancode_push / scancode_waitmsg), a follow or
 * a QR scan opens 3 within 1 minute; an unfollow closes every window. WeChat changed the
 * figures over time (20 / 48 h until 2021), so they are configuration.
 */
export interface ServiceWindowRules {
  readonly message: { readonly windowMs: number; readonly budget: number };
  readonly event: { readonly windowMs: number; readonly budget: number };
}

export const DEFAULT_SERVICE_WINDOW_RULES: ServiceWindowRules = Object.freeze({
  message: Object.freeze({ windowMs: 48 * 3_600_000, budget: 5 }),
  event: Object.freeze({ windowMs: 60_000, budget: 3 }),
});

/** The coordination key namespace of the WeChat API client (quotas, windows, tokens, buckets). */
export const WECHAT_KEY_NAMESPACE = 'wx:';

/** The coordination key of a follower's windows. */
export function serviceWindowKey(appId: string, openId: string, namespace = WECHAT_KEY_NAMESPACE): string {
  return `${namespace}kefu:${appId}:${openId}`;
}

/** Events that open the short window (a view click or a location report does not). */
const windowEvents: ReadonlySet<string> = new Set(['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg']);

/** What a message does to its sender's window: opens one, closes all (unfollow), or nothing. */
export function serviceWindowEffect(message: WxMessage): ServiceWindowKind | 'closed' | undefined {
  if (message.kind !== 'event') return 'message';
  if (message.event === 'unsubscribe') return 'closed';
  return windowEvents.has(message.event) ? 'event' : undefined;
}

/** Records one interaction (or an unfollow) of `openId` with the account `appId`. */
export async function recordServiceWindow(
  coordination: CoordinationPort,
  appId: string,
  openId: string,
  effect: ServiceWindowKind | 'closed',
  rules: ServiceWindowRules = DEFAULT_SERVICE_WINDOW_RULES,
  namespace = WECHAT_KEY_NAMESPACE,
): Promise<void> {
  const key = serviceWindowKey(appId, openId, namespace);
  if (effect === 'closed') {
    await coordination.closeServiceWindows(key);
    return;
  }
  const rule = rules[effect];
  await coordination.openServiceWindow(key, effect, rule.windowMs, rule.budget);
}

export interface ServiceWindowRecorderOptions {
  readonly coordination: Pick<CoordinationPort, 'recordServiceWindows'>;
  readonly rules?: ServiceWindowRules;
  readonly namespace?: string;
  /**
   * How long an interaction may wait before it is written (default 250 ms): a follower's later
   * interactions within it are coalesced into one change, and every follower's changes of that
   * span go in one script call. A send sees the interaction after at most this plus one round trip.
   */
  readonly flushMs?: number;
  /**
   * Followers waiting at most (default 10,000). A full map starts a flush at once; while one is
   * still in flight, interactions of further followers are dropped and counted (as a write Redis
   * did not take would be): memory stays bounded when Redis stalls.
   */
  readonly maxPending?: number;
  /** Followers per script call (default 500). */
  readonly maxBatch?: number;
  /** Monotonic milliseconds (default `performance.now`); only differences are used. */
  readonly clock?: () => number;
  /** A batch Redis did not take: `followers` windows were not recorded. */
  readonly onError?: (error: unknown, followers: number) => void;
}

/** A follower's changes waiting to be written: an unfollow (before the rest), and when each kind was last opened. */
interface PendingWindow {
  closed: boolean;
  message: number | undefined;
  event: number | undefined;
}

/** What a {@link ServiceWindowRecorder} did so far. */
export interface ServiceWindowRecorderStats {
  /** Interactions recorded. */
  readonly recorded: number;
  /** Changes sent to the store (coalesced: at most three per follower and flush). */
  readonly written: number;
  /** Interactions dropped because the map was full while a flush was in flight, or after close. */
  readonly dropped: number;
  /** Changes whose batch the store did not take. */
  readonly failed: number;
  /** Followers waiting now. */
  readonly pending: number;
}

/**
 * The ingress's writer of customer-service windows: the hook runs for every interaction, so
 * one script call per message (≈ 10 µs of ingress CPU and as much in Redis) is replaced by a
 * batch every `flushMs`. Per follower, changes are coalesced in their order: an unfollow drops
 * the opens before it, a later open of a kind replaces an earlier one. An open is written with
 * the time left since the interaction (`windowMs` minus its wait), so batching does not lengthen
 * a window, and one already over is not written. One flush is in flight at a time, so a
 * follower's changes reach the store in order across flushes. `close` flushes what waits.
 */
export class ServiceWindowRecorder {
  readonly #options: ServiceWindowRecorderOptions;
  readonly #rules: ServiceWindowRules;
  readonly #namespace: string;
  readonly #clock: () => number;
  #pending = new Map<string, PendingWindow>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #isClosed = false;
  #recorded = 0;
  #written = 0;
  #dropped = 0;
  #failed = 0;

  constructor(options: ServiceWindowRecorderOptions) {
    this.#options = options;
    this.#rules = options.rules ?? DEFAULT_SERVICE_WINDOW_RULES;
    this.#namespace = options.namespace ?? WECHAT_KEY_NAMESPACE;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Records one interaction (or an unfollow) of `openId` with the account `appId`; never throws, never waits. */
  record(appId: string, openId: string, effect: ServiceWindowKind | 'closed'): void {
    if (this.#isClosed) {
      this.#dropped += 1;
      return;
    }
    const key = serviceWindowKey(appId, openId, this.#namespace);
    let entry = this.#pending.get(key);
    if (entry === undefined) {
      if (this.#pending.size >= (this.#options.maxPending ?? 10_000)) {
        this.#flush();
        if (this.#pending.size > 0) {
          this.#dropped += 1;
          return;
        }
      }
      entry = { closed: false, message: undefined, event: undefined };
      this.#pending.set(key, entry);
    }
    this.#recorded += 1;
    if (effect === 'closed') {
      entry.closed = true;
      entry.message = undefined;
      entry.event = undefined;
    } else {
      entry[effect] = this.#clock();
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.flushMs ?? 250).unref();
  }

  stats(): ServiceWindowRecorderStats {
    return {
      recorded: this.#recorded,
      written: this.#written,
      dropped: this.#dropped,
      failed: this.#failed,
      pending: this.#pending.size,
    };
  }

  /** Writes what waits now (and waits for it); for tests and shutdown. */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined || this.#pending.size > 0) {
      if (this.#inFlight === undefined) this.#flush();
      await this.#inFlight;
    }
  }

  /** Flushes what waits; later interactions are dropped. Run before the store is closed. */
  async close(): Promise<void> {
    this.#isClosed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Starts writing the waiting changes unless a flush is in flight (its end starts the next one). */
  #flush(): void {
    if (this.#inFlight !== undefined || this.#pending.size === 0) return;
    const waiting = this.#pending;
    this.#pending = new Map();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const sending = this.#send(waiting).finally(() => {
      this.#inFlight = undefined;
      // What arrived meanwhile waited at least as long as this flush took: write it now.
      if (this.#pending.size > 0) this.#flush();
    });
    this.#inFlight = sending;
  }

  async #send(waiting: ReadonlyMap<string, PendingWindow>): Promise<void> {
    const now = this.#clock();
    const maxBatch = this.#options.maxBatch ?? 500;
    const batches: ServiceWindowChange[][] = [];
    let batch: ServiceWindowChange[] = [];
    let followers = 0;
    for (const [key, entry] of waiting) {
      if (entry.closed) batch.push({ key, change: 'closed' });
      for (const kind of ['message', 'event'] as const) {
        const at = entry[kind];
        const left = at === undefined ? 0 : this.#rules[kind].windowMs - (now - at);
        if (left > 0) batch.push({ key, change: 'open', kind, windowMs: left, budget: this.#rules[kind].budget });
      }
      // A follower's changes stay in one call, in order.
      followers += 1;
      if (followers === maxBatch) {
        batches.push(batch);
        batch = [];
        followers = 0;
      }
    }
    if (batch.length > 0) batches.push(batch);
    await Promise.all(
      batches.map(async (changes) => {
        try {
          await this.#options.coordination.recordServiceWindows(changes);
          this.#written += changes.length;
        } catch (error) {
          this.#failed += changes.length;
          this.#options.onError?.(error, new Set(changes.map((change) => change.key)).size);
        }
      }),
    );
  }
}
