import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Attributes, type Meter, metrics, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { CoordinationPort } from '../ports/coordination.js';
import {
  RETRYABLE_ERRCODES,
  TOKEN_ERRCODES,
  WeChatApiError,
  WeChatLocalRefusal,
  WeChatUnavailableError,
} from '../wechat/api-errors.js';
import { type ApiName, type ApiSpec, isApiName, isRepeatable, WECHAT_APIS } from './apis.js';
import { defaultWeChatApiConfig, type RateFamily, type RateSetting, type WeChatApiConfig } from './config.js';
import { FlowControl, type QuotaUsage } from './flow-control.js';
import { HostFailure, type HostRequest, HostRing } from './hosts.js';
import { type CredentialHealth, type FetchedCredential, SharedCredential } from './shared-credential.js';
import { type FollowerTag, followerTagsOf, type PrivateTemplate, privateTemplatesOf } from './templates.js';

/** Where the client reads an account's AppSecret (the accounts table, through the caller's repository). */
export interface AppSecretLoader {
  /** The AppSecret of `appId`; read at every token refresh, so a changed secret applies at once. */
  appSecret(appId: string): Promise<string>;
}

export interface WeChatApiPorts {
  readonly coordination: CoordinationPort;
  readonly secrets: AppSecretLoader;
  /**
   * The service's telemetry; without it the global OpenTelemetry API (a no-op unless installed).
   * `isTracing: false` (no span exporter) skips the span per call: no one would see it.
   */
  readonly telemetry?: { readonly meter: Meter; readonly tracer: Tracer; readonly isTracing?: boolean };
  /** The account's own daily limits (a raised template quota), overriding the configured ones. */
  readonly accountQuotas?: (appId: string) => Promise<Readonly<Record<string, number>> | undefined>;
  /**
   * The account's own send rates (the console's per-account settings), each family's replacing
   * the configured one; asked at every flow-controlled call, so the answer should be cached.
   */
  readonly accountRates?: (appId: string) => Promise<Readonly<Partial<Record<RateFamily, RateSetting>>> | undefined>;
  /** Injected in tests: the clock, the pause between retries and the jitter. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Query parameters and JSON body of one call. */
export interface CallParams {
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
}

/** WeChat's success answer: its JSON fields (`errcode` 0 or absent). */
export type ApiResult = Readonly<Record<string, unknown>>;

/** A template message (`/cgi-bin/message/template/send`). */
export interface TemplateMessage {
  readonly touser: string;
  readonly template_id: string;
  readonly url?: string;
  readonly miniprogram?: { readonly appid: string; readonly pagepath?: string };
  readonly data: Readonly<Record<string, { readonly value: string; readonly color?: string }>>;
  /**
   * WeChat sends one message per openid + client_msg_id within 10 minutes: the client sets
   * one when absent, so a failover or retry never sends twice.
   */
  readonly client_msg_id?: string;
}

/** A customer-service message (`/cgi-bin/message/custom/send`): `msgtype` and its object (`text: { content }` …). */
export interface CustomMessage {
  readonly touser: string;
  readonly msgtype: string;
  readonly [field: string]: unknown;
}

export interface WeChatApiClient {
  /** The account's shared access_token (never refreshed by a reader; see `SharedCredential`). */
  getAccessToken(appId: string): Promise<string>;
  /** The shared JS-SDK ticket (`jsapi`). */
  getJsapiTicket(appId: string): Promise<string>;
  /** A ticket WeChat refused: mark it stale (if still the stored one) and get the writer's new one. */
  invalidateJsapiTicket(appId: string, ticket: string): Promise<string>;
  /**
   * Calls an API by name (`WECHAT_APIS`): adds the access_token, takes from the API's token
   * bucket, counts its daily quota, fails over between hosts, retries −1 / 45011, refreshes
   * the token once on 40001 / 40014 / 42001. Throws `WeChatApiError` (an errcode),
   * `WeChatLocalRefusal` (not attempted) or `WeChatUnavailableError` (no host / no token).
   */
  call(appId: string, api: ApiName, params?: CallParams): Promise<ApiResult>;
  /** Sends a template message; returns WeChat's msgid (a string: it may exceed 2^53). */
  sendTemplate(appId: string, message: TemplateMessage): Promise<{ readonly msgid: string }>;
  /** Sends a customer-service message, refused locally outside the follower's window. */
  sendCustomMessage(appId: string, message: CustomMessage): Promise<void>;
  /**
   * The account's templates (`get_all_private_template`); throws a typed `WeChatApiError`
   * (40001 token, 48001 no template permission …) or `WeChatUnavailableError`.
   */
  getPrivateTemplates(appId: string): Promise<PrivateTemplate[]>;
  /** The account's follower tags (`tags/get`), with their follower counts. */
  getTags(appId: string): Promise<FollowerTag[]>;
  /**
   * The shared access_token as stored (for health pages): read only — it never refreshes
   * nor asks to become the writer, so a console polling it cannot cause a refresh.
   */
  tokenHealth(appId: string): Promise<CredentialHealth>;
  /** Today's use of every tracked daily quota (for the console). */
  quotaUsage(appId: string): Promise<QuotaUsage[]>;
  /** The rate each family's sends of this account are paced at: its own, else the configured one. */
  ratesOf(appId: string): Promise<Readonly<Record<RateFamily, RateSetting>>>;
  /** The base URLs cooling down after a failure (for health pages). */
  hostsCoolingDown(): readonly string[];
  close(): Promise<void>;
}

const templateSpec: ApiSpec = WECHAT_APIS.sendTemplateMessage;
const customSpec: ApiSpec = WECHAT_APIS.sendCustomMessage;

/** Backoff per retryable errcode: −1 (busy) retried soon, 45011 (minute limit) in seconds. */
const backoffs: Readonly<Record<number, { readonly baseMs: number; readonly capMs: number }>> = {
  [-1]: { baseMs: 200, capMs: 5_000 },
  45011: { baseMs: 2_000, capMs: 60_000 },
};

/** Creates the one WeChat API client of a process (docs/architecture.md §4). */
export function createWeChatApiClient(config: Partial<WeChatApiConfig>, ports: WeChatApiPorts): WeChatApiClient {
  return new Client({ ...defaultWeChatApiConfig, ...config }, ports);
}

class Client implements WeChatApiClient {
  readonly #config: WeChatApiConfig;
  readonly #ports: WeChatApiPorts;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #ring: HostRing;
  readonly #flow: FlowControl;
  readonly #holder = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  /** Numbers the window takes of this client: with `#holder`, an attempt id unique across replicas. */
  #attemptCount = 0;
  readonly #tokens = new Map<string, SharedCredential>();
  readonly #tickets = new Map<string, SharedCredential>();
  /** The last path made per API path with the access_token alone (see `#pathOf`). */
  readonly #paths = new Map<string, { readonly token: string; readonly path: string }>();
  /** Undefined when spans are not exported (`telemetry.isTracing` false): no span per call then. */
  readonly #tracer: Tracer | undefined;
  readonly #metrics: ReturnType<typeof createMetrics>;
  readonly #onFailover = (failure: HostFailure): void => this.#metrics.failovers.add(1, { host: failure.host });

  constructor(config: WeChatApiConfig, ports: WeChatApiPorts) {
    this.#config = config;
    this.#ports = ports;
    this.#now = ports.now ?? Date.now;
    this.#sleep = ports.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = ports.random ?? Math.random;
    this.#ring = new HostRing(config.bases, {
      cooldownMs: config.hostCooldownMs,
      timeoutMs: config.requestTimeoutMs,
      now: this.#now,
    });
    this.#flow = new FlowControl({
      coordination: ports.coordination,
      namespace: config.keyNamespace,
      rates: config.rates,
      dailyQuotas: config.dailyQuotas,
      ...(ports.accountQuotas === undefined ? {} : { accountQuotas: ports.accountQuotas }),
      ...(ports.accountRates === undefined ? {} : { accountRates: ports.accountRates }),
      serviceWindow: config.serviceWindow,
      now: this.#now,
      sleep: this.#sleep,
    });
    this.#tracer =
      ports.telemetry === undefined
        ? trace.getTracer('mpstack-wechat-api')
        : ports.telemetry.isTracing === false
          ? undefined
          : ports.telemetry.tracer;
    this.#metrics = createMetrics(ports.telemetry?.meter ?? metrics.getMeter('mpstack-wechat-api'));
  }

  getAccessToken(appId: string): Promise<string> {
    return this.#tokenOf(appId).get();
  }

  getJsapiTicket(appId: string): Promise<string> {
    return this.#ticketOf(appId).get();
  }

  invalidateJsapiTicket(appId: string, ticket: string): Promise<string> {
    return this.#ticketOf(appId).invalidate(ticket);
  }

  call(appId: string, api: ApiName, params: CallParams = {}): Promise<ApiResult> {
    if (!isApiName(api)) {
      return Promise.reject(new AppError(ErrorCode.badRequest, `unknown WeChat API "${String(api)}"`));
    }
    const spec: ApiSpec = WECHAT_APIS[api];
    if (spec.multipart === true) {
      return Promise.reject(
        new AppError(ErrorCode.badRequest, `${api} is a multipart upload; the client sends JSON only`),
      );
    }
    return this.#run(appId, api, spec, params);
  }

  /**
   * A call with its span when spans are exported. Not an async function itself: a template send
   * waits through a chain of them already, each a promise and a suspended frame held for the
   * whole round trip of every send in flight (a push has hundreds) — what the young-generation
   * collector copies.
   */
  #run(appId: string, api: ApiName, spec: ApiSpec, params: CallParams): Promise<ApiResult> {
    if (this.#tracer === undefined) return this.#callSpan(appId, api, spec, params);
    return this.#tracer.startActiveSpan(`wechat ${api}`, { attributes: { 'wechat.api': api } }, async (span) => {
      try {
        const result = await this.#callSpan(appId, api, spec, params);
        span.setAttribute('wechat.errcode', 0);
        return result;
      } catch (error) {
        if (error instanceof WeChatApiError) span.setAttribute('wechat.errcode', error.errcode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async sendTemplate(appId: string, message: TemplateMessage): Promise<{ readonly msgid: string }> {
    // A push's message carries its key already: sent as it is (no copy per send).
    const body =
      message.client_msg_id === undefined ? { ...message, client_msg_id: randomBytes(12).toString('hex') } : message;
    const result = await this.#run(appId, 'sendTemplateMessage', templateSpec, { body });
    return { msgid: String(result.msgid) };
  }

  async sendCustomMessage(appId: string, message: CustomMessage): Promise<void> {
    await this.#run(appId, 'sendCustomMessage', customSpec, { body: message });
  }

  async getPrivateTemplates(appId: string): Promise<PrivateTemplate[]> {
    return privateTemplatesOf(await this.call(appId, 'getAllPrivateTemplates'));
  }

  async getTags(appId: string): Promise<FollowerTag[]> {
    return followerTagsOf(await this.call(appId, 'getTags'));
  }

  tokenHealth(appId: string): Promise<CredentialHealth> {
    return this.#tokenOf(appId).health();
  }

  quotaUsage(appId: string): Promise<QuotaUsage[]> {
    return this.#flow.usage(appId);
  }

  ratesOf(appId: string): Promise<Readonly<Record<RateFamily, RateSetting>>> {
    return this.#flow.ratesOf(appId);
  }

  hostsCoolingDown(): readonly string[] {
    return this.#ring.coolingDown();
  }

  close(): Promise<void> {
    return this.#ring.close();
  }

  async #callSpan(appId: string, api: ApiName, spec: ApiSpec, params: CallParams): Promise<ApiResult> {
    const startedAt = performance.now();
    const slot: WindowSlot = { openId: undefined, attempt: '' };
    try {
      await this.#admit(appId, api, spec, params, slot);
      return await this.#attempts(appId, api, spec, params);
    } catch (error) {
      if (error instanceof WeChatLocalRefusal) this.#metrics.refusals.add(1, { api, reason: error.reason });
      if (slot.openId !== undefined && isCertainlyNotSent(error)) {
        // Best effort: the coordination store down now loses the message, as before.
        const isGiven = await this.#flow.giveBackServiceWindow(appId, slot.openId, slot.attempt).catch(() => false);
        if (isGiven) this.#metrics.givenBack.add(1, this.#metrics.apiAttributes(api));
      }
      throw error;
    } finally {
      this.#metrics.duration.record((performance.now() - startedAt) / 1000, this.#metrics.apiAttributes(api));
    }
  }

  /**
   * Flow control before anything is sent: the service window and the daily quota refuse at
   * once (before a bucket token is spent on a call that will not go out), then the family's
   * bucket makes the call wait its turn.
   */
  async #admit(appId: string, api: ApiName, spec: ApiSpec, params: CallParams, slot: WindowSlot): Promise<void> {
    if (api === 'sendCustomMessage') {
      const touser = (params.body as { touser?: unknown } | undefined)?.touser;
      if (typeof touser === 'string' && touser !== '') {
        const attempt = `${this.#holder}:${++this.#attemptCount}`;
        if (await this.#flow.takeServiceWindow(appId, touser, api, attempt)) {
          slot.openId = touser;
          slot.attempt = attempt;
        }
      }
    }
    await this.#flow.consumeQuota(appId, api);
    if (spec.family !== undefined) await this.#flow.throttle(appId, spec.family);
  }

  async #attempts(appId: string, api: ApiName, spec: ApiSpec, params: CallParams): Promise<ApiResult> {
    let hasRefreshedToken = false;
    let token = spec.auth === 'token' ? await this.getAccessToken(appId) : undefined;
    for (let attempt = 1; ; attempt += 1) {
      const body = await this.#send(api, spec, params, token);
      const errcode = Number(body.errcode ?? 0);
      this.#metrics.calls.add(api, errcode);
      if (errcode === 0) {
        // WeChat reset the account's daily counters: so do ours (a remembered 45009 ends now).
        // Best effort, as #learn: the call itself succeeded.
        if (api === 'clearQuota' || api === 'clearQuotaByAppSecret')
          await this.#flow.clearQuotas(appId).catch(() => {});
        return body;
      }
      if (TOKEN_ERRCODES.has(errcode) && token !== undefined && !hasRefreshedToken) {
        // Mark stale only if still the stored token, then use the writer's new one — once.
        hasRefreshedToken = true;
        token = await this.#tokenOf(appId).invalidate(token);
        continue;
      }
      if (RETRYABLE_ERRCODES.has(errcode) && attempt < this.#config.maxAttempts) {
        await this.#sleep(this.#backoff(errcode, attempt));
        continue;
      }
      await this.#learn(appId, api, errcode, params);
      throw new WeChatApiError(api, errcode, String(body.errmsg ?? ''), body);
    }
  }

  /** What an errcode teaches the local flow control: a used-up quota, a closed window. */
  async #learn(appId: string, api: ApiName, errcode: number, params: CallParams): Promise<void> {
    try {
      if (errcode === 45009) await this.#flow.fillQuota(appId, api);
      const touser = (params.body as { touser?: unknown } | undefined)?.touser;
      if (errcode === 45015 && api === 'sendCustomMessage' && typeof touser === 'string') {
        await this.#flow.closeServiceWindow(appId, touser);
      }
    } catch {
      // Best effort: the errcode itself is what the caller gets.
    }
  }

  /** Capped exponential backoff with equal jitter: half the step fixed, half random. */
  #backoff(errcode: number, attempt: number): number {
    const { baseMs, capMs } = backoffs[errcode] ?? { baseMs: 200, capMs: 5_000 };
    const step = Math.min(capMs, baseMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (step / 2) * this.#random());
  }

  async #send(api: string, spec: ApiSpec, params: CallParams, token: string | undefined): Promise<ApiResult> {
    const path = this.#pathOf(spec, token, params.query);
    const isRepeated = isRepeatable(spec, params.body);
    const request: HostRequest =
      params.body === undefined
        ? { method: spec.method, path, isRepeatable: isRepeated }
        : { method: spec.method, path, body: JSON.stringify(params.body), isRepeatable: isRepeated };
    try {
      const answer = await this.#ring.send(request, this.#onFailover);
      return answer.body;
    } catch (error) {
      this.#metrics.calls.add(api, 'unavailable');
      if (error instanceof HostFailure) {
        const outcome =
          error.isMaybeDelivered && !isRepeated
            ? ' — the request may have reached WeChat, not sent again (no idempotency key)'
            : '';
        throw new WeChatUnavailableError(api, `${error.host}: ${error.message}${outcome}`, error);
      }
      throw error;
    }
  }

  /**
   * The path and query string of a call. A call with the access_token alone (every send) reuses
   * the path made for the same API and token: the token is the same for hours, and encoding it
   * and joining a 200-character path is work of every send otherwise.
   */
  #pathOf(spec: ApiSpec, token: string | undefined, query: CallParams['query']): string {
    if (token === undefined || query !== undefined) {
      const search = queryOf(token, query);
      return search === '' ? spec.path : `${spec.path}?${search}`;
    }
    const cached = this.#paths.get(spec.path);
    if (cached?.token === token) return cached.path;
    const path = `${spec.path}?${queryOf(token, undefined)}`;
    this.#paths.set(spec.path, { token, path });
    return path;
  }

  #tokenOf(appId: string): SharedCredential {
    let credential = this.#tokens.get(appId);
    if (credential === undefined) {
      const api = this.#config.tokenMode === 'stable' ? 'getStableAccessToken' : 'getAccessToken';
      credential = this.#credential(`${this.#config.keyNamespace}token:${appId}`, api, (stale) =>
        this.#fetchToken(appId, stale),
      );
      this.#tokens.set(appId, credential);
    }
    return credential;
  }

  #ticketOf(appId: string): SharedCredential {
    let credential = this.#tickets.get(appId);
    if (credential === undefined) {
      credential = this.#credential(`${this.#config.keyNamespace}ticket:${appId}`, 'getJsapiTicket', async () => {
        const result = await this.call(appId, 'getJsapiTicket', { query: { type: 'jsapi' } });
        return fetchedFrom('getJsapiTicket', result.ticket, result.expires_in);
      });
      this.#tickets.set(appId, credential);
    }
    return credential;
  }

  #credential(
    key: string,
    api: string,
    fetch: (stale: string | undefined) => Promise<FetchedCredential>,
  ): SharedCredential {
    return new SharedCredential({
      coordination: this.#ports.coordination,
      key,
      api,
      holder: this.#holder,
      fetch,
      refreshAheadMs: this.#config.refreshAheadMs,
      localCacheMs: this.#config.localCacheMs,
      waitMs: this.#config.tokenWaitMs,
      leaseMs: this.#config.refreshLeaseMs,
      now: this.#now,
      sleep: this.#sleep,
      onRefresh: (outcome) => this.#metrics.refreshes.add(1, { api, outcome }),
    });
  }

  /**
   * The writer's fetch. stable_token: the normal call returns the platform's current token
   * (a new one in its last 5 minutes); only when the token marked stale comes back is a
   * forced refresh spent (≤ 20 a day). `/cgi-bin/token`: a new token each call.
   */
  async #fetchToken(appId: string, stale: string | undefined): Promise<FetchedCredential> {
    const secret = await this.#ports.secrets.appSecret(appId);
    if (this.#config.tokenMode === 'token') {
      const query = { grant_type: 'client_credential', appid: appId, secret };
      const result = await this.call(appId, 'getAccessToken', { query });
      return fetchedFrom('getAccessToken', result.access_token, result.expires_in);
    }
    const stable = async (isForced: boolean) => {
      const body = { grant_type: 'client_credential', appid: appId, secret, force_refresh: isForced };
      const result = await this.call(appId, 'getStableAccessToken', { body });
      return fetchedFrom('getStableAccessToken', result.access_token, result.expires_in);
    };
    const fetched = await stable(false);
    return stale !== undefined && fetched.value === stale ? stable(true) : fetched;
  }
}

function fetchedFrom(api: string, value: unknown, expiresIn: unknown): FetchedCredential {
  const seconds = Number(expiresIn);
  if (typeof value !== 'string' || value === '' || !(seconds > 0)) {
    throw new WeChatUnavailableError(api, 'the answer carried no credential and lifetime');
  }
  return { value, expiresInMs: seconds * 1000 };
}

/** The query string of a call; the access_token alone (every send) without a URLSearchParams. */
function queryOf(token: string | undefined, params: CallParams['query']): string {
  if (params === undefined) return token === undefined ? '' : `access_token=${encodeURIComponent(token)}`;
  const query = new URLSearchParams();
  if (token !== undefined) query.set('access_token', token);
  for (const [name, value] of Object.entries(params)) query.set(name, String(value));
  return query.toString();
}

/** The window message a customer-service call took, given back when the call certainly did not reach WeChat. */
interface WindowSlot {
  openId: string | undefined;
  attempt: string;
}

/**
 * True when a failed customer-service call certainly did not reach WeChat, so its window
 * message may be given back: refused here after the take (a quota), no token, the store down,
 * no host accepted the connection, or WeChat answered an errcode other than 45047 (its own
 * count says the budget is used) and 45015 (the window is closed anyway) — −1 and 45011 after
 * the retries included. A call whose fate is unknown (a 5xx, a connection lost or a timeout
 * after the request went out) keeps its message: it may have been delivered.
 */
function isCertainlyNotSent(error: unknown): boolean {
  if (error instanceof WeChatApiError) return error.errcode !== 45047 && error.errcode !== 45015;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return !(cause instanceof HostFailure && cause.isMaybeDelivered);
}

/**
 * The metrics of every call. The calls counter is counted here and reported when the metrics are
 * collected (an observable counter: the same Prometheus exposition), and the duration's `{ api }`
 * attribute set is made once per API: the synchronous API hashes an attribute set (keys sorted,
 * JSON) at every call before its own lookup — two per send. The ingress's request counter does
 * the same (`services/ingress/src/metrics.ts`).
 */
function createMetrics(meter: Meter) {
  const byApi = new Map<string, Attributes>();
  return {
    calls: new CallTally(meter, 'mpstack_wechat_api_calls_total', {
      description: 'WeChat API answers by API and errcode (0 success, "unavailable" no host answered)',
    }),
    duration: meter.createHistogram('mpstack_wechat_api_duration_seconds', {
      description: 'WeChat API calls, flow control and retries included',
      unit: 's',
    }),
    apiAttributes(api: string): Attributes {
      let attributes = byApi.get(api);
      if (attributes === undefined) {
        attributes = { api };
        byApi.set(api, attributes);
      }
      return attributes;
    },
    refreshes: meter.createCounter('mpstack_wechat_token_refreshes_total', {
      description: 'access_token / jsapi_ticket refreshes this replica made as the writer, by outcome',
    }),
    failovers: meter.createCounter('mpstack_wechat_host_failovers_total', {
      description: 'Requests moved to the next host after a network error or 5xx, by failed host',
    }),
    givenBack: meter.createCounter('mpstack_wechat_window_given_back_total', {
      description: 'Customer-service window messages given back: the send certainly did not reach WeChat',
    }),
    refusals: meter.createCounter('mpstack_wechat_local_refusals_total', {
      description: 'Calls not attempted because WeChat would refuse them (quota, service window), by reason',
    }),
  };
}

/**
 * The answers counted by API and errcode in maps, reported at each collection: a call finds its
 * series with two lookups, without making a key string or an attribute set.
 */
class CallTally {
  readonly #byApi = new Map<string, Map<number | string, { readonly attributes: Attributes; value: number }>>();

  constructor(meter: Meter, name: string, options: { readonly description: string }) {
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const series of this.#byApi.values()) {
        for (const { attributes, value } of series.values()) result.observe(value, attributes);
      }
    });
  }

  /** Counts one answer of `api`: its errcode, or `unavailable` (no host answered). */
  add(api: string, errcode: number | 'unavailable'): void {
    let series = this.#byApi.get(api);
    if (series === undefined) {
      series = new Map();
      this.#byApi.set(api, series);
    }
    const entry = series.get(errcode);
    if (entry === undefined) series.set(errcode, { attributes: { api, errcode: String(errcode) }, value: 1 });
    else entry.value += 1;
  }
}
