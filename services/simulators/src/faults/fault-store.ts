import { beijingDay } from '../shared/ids.js';
import { QuotaCounter } from '../shared/quota-counter.js';
import { DailyUsage } from './daily-usage.js';

/** The simulated API hosts: `api.weixin.qq.com` and its disaster-recovery twin `api2` (PROTOCOL.md, API hosts). */
export const hostNames = ['api', 'api2'] as const;
export type HostName = (typeof hostNames)[number];

/**
 * How a host that is down fails: `refuse` — its listener is closed, connections are refused
 * (ECONNREFUSED; only when the simulator listens itself, `startSimulator`, else as `reset`);
 * `reset` — the connection is accepted and destroyed without an answer; `503` — an HTTP 503
 * from the front proxy.
 */
export const hostDownModes = ['refuse', 'reset', '503'] as const;
export type HostDownMode = (typeof hostDownModes)[number];

/**
 * What an injected fault does: answer a WeChat errcode (HTTP 200, e.g. −1 or 45011), answer an
 * HTTP 5xx from the front proxy, or drop the connection without an answer. `delayMs` waits
 * first. `phase: 'after'` lets the call take effect (the send is recorded, its job-finish
 * event pushed) and fails only the answer — the case where retrying without an idempotency
 * key sends twice.
 */
export type FaultEffect =
  | { readonly kind: 'errcode'; readonly errcode: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay' };

type HostListenerFn = (host: HostName, mode: HostDownMode | undefined) => Promise<void> | void;

export interface FaultSpec {
  /** An API path (`/cgi-bin/message/template/send`) or `*` for every API path. */
  readonly api: string;
  readonly appId?: string;
  readonly host?: HostName;
  readonly effect: FaultEffect;
  readonly delayMs?: number;
  readonly phase?: 'before' | 'after';
  /** Fire for this many matching calls, then disappear (default: until removed). */
  readonly times?: number;
  /** Fire on each matching call with this probability (default 1). */
  readonly probability?: number;
}

export interface Fault extends FaultSpec {
  readonly id: number;
  /** How many calls it fired on. */
  fired: number;
}

/** Per-API limits set by a test: `daily` → 45009 (per Beijing day), `perMinute` → 45011. */
export interface ApiQuota {
  readonly api: string;
  readonly appId?: string;
  readonly daily?: number;
  readonly perMinute?: number;
}

/** Calls of one API by one account, and per openid (`touser` / `openid` of the call). */
export interface CallCount {
  readonly api: string;
  readonly appId: string;
  calls: number;
  /** Answered errcode 0 (or a success body without errcode). */
  ok: number;
  /** Failed answers by errcode (injected or not), or `http <status>` / `dropped` for the proxy's failures. */
  readonly errcodes: Record<string, number>;
  /** Calls an injected fault fired on. */
  injected: number;
  readonly byOpenid: Record<string, { calls: number; ok: number }>;
}

/** A {@link CallCount} as kept, its openids in {@link OpenidTally}. */
type Tally = Omit<CallCount, 'byOpenid'> & { readonly perOpenid: OpenidTally };

/**
 * Calls and successful answers per openid: a slot per openid (a Map, not an object's keys: a push
 * counts a million openids) and two columns of counters, without an object per openid to keep
 * and for the garbage collector to trace.
 */
class OpenidTally {
  private readonly slots = new Map<string, number>();
  private calls: Uint32Array = new Uint32Array(64);
  private oks: Uint32Array = new Uint32Array(64);

  /** Counts a call to `openid`; returns its slot for {@link answeredOk}. */
  called(openid: string): number {
    let slot = this.slots.get(openid);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(openid, slot);
      if (slot === this.calls.length) {
        this.calls = grown(this.calls);
        this.oks = grown(this.oks);
      }
    }
    this.calls[slot] = (this.calls[slot] ?? 0) + 1;
    return slot;
  }

  answeredOk(slot: number): void {
    this.oks[slot] = (this.oks[slot] ?? 0) + 1;
  }

  toRecord(): Record<string, { calls: number; ok: number }> {
    const record: Record<string, { calls: number; ok: number }> = {};
    for (const [openid, slot] of this.slots) record[openid] = { calls: this.calls[slot] ?? 0, ok: this.oks[slot] ?? 0 };
    return record;
  }
}

function grown(column: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(column.length * 2);
  bigger.set(column);
  return bigger;
}

/** The call as the fault layer sees it. */
export interface CallInfo {
  readonly api: string;
  readonly appId: string;
  readonly host: HostName;
  readonly openid: string | undefined;
}

/**
 * Faults for testing a WeChat client against: injected answers per API, hosts taken down,
 * per-API quotas, and call counters (how many times each API was called per account and
 * openid, and how it answered) that let a test assert a send happened exactly once.
 */
export class FaultStore {
  private faults: Fault[] = [];
  private nextId = 1;
  private readonly down = new Map<HostName, HostDownMode>();
  private quotas: ApiQuota[] = [];
  private readonly quotaCounter = new QuotaCounter();
  /** Successful calls per API and account today (`openapi/quota/get`'s `used`). */
  readonly usage: DailyUsage;
  /** By API, then account (no key string to build and hash per call); `tallies` in the order they began. */
  private readonly counts = new Map<string, Map<string, Tally>>();
  private readonly tallies: Tally[] = [];
  private readonly ports = new Map<number, HostName>();
  private readonly hostListeners = new Set<HostListenerFn>();

  constructor(
    private readonly clock: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.usage = new DailyUsage(clock);
  }

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.nextId++, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length !== before;
  }

  /** The fault that fires on this call, if any (consuming one of its `times`). */
  take(call: CallInfo): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.api === '*' || f.api === call.api) &&
        (f.appId === undefined || f.appId === call.appId) &&
        (f.host === undefined || f.host === call.host),
    );
    if (fault === undefined) return undefined;
    if (fault.probability !== undefined && this.random() >= fault.probability) return undefined;
    fault.fired += 1;
    if (fault.times !== undefined && fault.fired >= fault.times) this.remove(fault.id);
    return fault;
  }

  /** Takes a host down (or up); resolves once its listener followed (closed or reopened its port). */
  async setHostDown(host: HostName, mode: HostDownMode | undefined): Promise<void> {
    if (mode === undefined) this.down.delete(host);
    else this.down.set(host, mode);
    await Promise.all([...this.hostListeners].map((listener) => listener(host, mode)));
  }

  /** Which host a local port serves (`startSimulator` registers its listeners). */
  registerPort(port: number, host: HostName): void {
    this.ports.set(port, host);
  }

  hostOfPort(port: number | undefined): HostName | undefined {
    return port === undefined ? undefined : this.ports.get(port);
  }

  hostDown(host: HostName): HostDownMode | undefined {
    return this.down.get(host);
  }

  hosts(): Record<HostName, { readonly isDown: boolean; readonly mode?: HostDownMode }> {
    const of = (host: HostName) => {
      const mode = this.down.get(host);
      return mode === undefined ? { isDown: false } : { isDown: true, mode };
    };
    return { api: of('api'), api2: of('api2') };
  }

  /** The listener (`startSimulator`) closes and reopens a host's port on `refuse`. */
  onHostChange(listener: HostListenerFn): () => void {
    this.hostListeners.add(listener);
    return () => this.hostListeners.delete(listener);
  }

  /** Sets (replaces) the quota of an API, for one account or all. */
  setQuota(quota: ApiQuota): void {
    this.quotas = [...this.quotas.filter((q) => q.api !== quota.api || q.appId !== quota.appId), quota];
  }

  listQuotas(): readonly ApiQuota[] {
    return this.quotas;
  }

  /** 0 when the call is within every quota set for it, else 45009 (daily) or 45011 (per minute). */
  takeQuota(call: CallInfo): 0 | 45009 | 45011 {
    const now = this.clock();
    for (const quota of this.quotas) {
      if (quota.api !== '*' && quota.api !== call.api) continue;
      if (quota.appId !== undefined && quota.appId !== call.appId) continue;
      const key = `${quota.api}|${quota.appId ?? '*'}|${call.appId}`;
      if (quota.daily !== undefined && !this.quotaCounter.take(`d:${key}`, beijingDay(now), quota.daily)) {
        return 45009;
      }
      if (
        quota.perMinute !== undefined &&
        !this.quotaCounter.take(`m:${key}`, Math.floor(now / 60_000), quota.perMinute)
      ) {
        return 45011;
      }
    }
    return 0;
  }

  /** The tightest quota set for the API and account: `daily` and `perMinute`, each when some quota sets it. */
  quotaOf(api: string, appId: string): { readonly daily?: number; readonly perMinute?: number } {
    const matching = this.quotas.filter(
      (q) => (q.api === '*' || q.api === api) && (q.appId === undefined || q.appId === appId),
    );
    const tightest = (values: readonly (number | undefined)[]): number | undefined => {
      const set = values.filter((value): value is number => value !== undefined);
      return set.length === 0 ? undefined : Math.min(...set);
    };
    const daily = tightest(matching.map((q) => q.daily));
    const perMinute = tightest(matching.map((q) => q.perMinute));
    return { ...(daily === undefined ? {} : { daily }), ...(perMinute === undefined ? {} : { perMinute }) };
  }

  /** clear_quota: the account's daily counts of every API back to 0 (set quotas and `usage`); per-minute ones stay. */
  clearDaily(appId: string): void {
    this.quotaCounter.clearWhere((key) => key.startsWith('d:') && key.endsWith(`|${appId}`));
    this.usage.clearAccount(appId);
  }

  /** Counts a call as it arrives; `answered` completes it once the answer is known. */
  count(call: CallInfo): { answered(outcome: number | string | undefined, isInjected: boolean): void } {
    let ofApi = this.counts.get(call.api);
    if (ofApi === undefined) {
      ofApi = new Map();
      this.counts.set(call.api, ofApi);
    }
    let count = ofApi.get(call.appId);
    if (count === undefined) {
      count = {
        api: call.api,
        appId: call.appId,
        calls: 0,
        ok: 0,
        errcodes: {},
        injected: 0,
        perOpenid: new OpenidTally(),
      };
      ofApi.set(call.appId, count);
      this.tallies.push(count);
    }
    const entry = count;
    entry.calls += 1;
    const slot = call.openid === undefined ? -1 : entry.perOpenid.called(call.openid);
    return {
      answered(outcome, isInjected) {
        if (isInjected) entry.injected += 1;
        if (outcome === undefined || outcome === 0) {
          entry.ok += 1;
          if (slot >= 0) entry.perOpenid.answeredOk(slot);
        } else {
          entry.errcodes[String(outcome)] = (entry.errcodes[String(outcome)] ?? 0) + 1;
        }
      },
    };
  }

  /** The counters, filtered by API path and/or appid. */
  calls(filter: { readonly api?: string; readonly appId?: string } = {}): readonly CallCount[] {
    return this.tallies
      .filter(
        (count) =>
          (filter.api === undefined || count.api === filter.api) &&
          (filter.appId === undefined || count.appId === filter.appId),
      )
      .map(({ perOpenid, ...count }) => ({ ...count, byOpenid: perOpenid.toRecord() }));
  }

  resetCalls(): void {
    this.counts.clear();
    this.tallies.length = 0;
  }

  /** Removes every fault and quota and brings both hosts up; the counters stay. */
  clear(): void {
    this.faults = [];
    this.quotas = [];
    this.quotaCounter.reset();
    for (const host of [...this.down.keys()]) void this.setHostDown(host, undefined);
  }

  /** {@link clear}, and the counters too. */
  reset(): void {
    this.clear();
    this.counts.clear();
    this.tallies.length = 0;
    this.usage.reset();
  }
}
