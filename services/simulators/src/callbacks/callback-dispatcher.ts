import { performance } from 'node:perf_hooks';
import {
  buildEnvelope,
  encryptFor,
  massSendJobFinishEvent,
  parseXml,
  templateSendJobFinishEvent,
  type XmlFields,
} from '@mpstack/common/wechat';
import Denque from 'denque';
import type { Clock } from '../clock.js';
import type { MassSendRecord } from '../mass/mass-store.js';
import type { Http1Answer } from '../sender/http1-response.js';
import { keepAliveFetch } from '../sender/keep-alive-fetch.js';
import { OriginPool } from '../sender/origin-pool.js';
import { defaultMaxDeliveries, defaultTimeoutMs, deliveryHeaders, sendToAccount } from '../sender/send-to-account.js';
import type { DeliveryAttempt, FetchLike } from '../sender/sender.types.js';
import { numericNonce } from '../shared/ids.js';
import type { TemplateSendRecord } from '../template/template-store.js';
import { callbackUrlOf, originalIdOf, type SimAccount } from '../types.js';
import type { CallbackOutcome } from './callback-state.js';

export interface CallbackDispatcherOptions {
  readonly clock: Clock;
  /** Ingress base URL: events go to `<base>/wx/<account id>` unless the account sets `callbackUrl`. */
  readonly callbackBaseUrl?: string;
  readonly timeoutMs?: number;
  /** How the events are posted; by default a keep-alive pool of `concurrency` sockets per callback origin. */
  readonly fetchImpl?: FetchLike;
  /** Event pushes in flight at once (the rest wait their turn, in order); 32 by default. */
  readonly concurrency?: number;
  /** Told of each push as it ends: answered 2xx or not, and how long it took (the analytics count them). */
  readonly onCallback?: (appId: string, isOk: boolean, elapsedMs: number) => void;
}

const defaultConcurrency = 32;

/** One event push waiting for, or holding, a delivery slot. */
interface Job {
  readonly url: string;
  readonly account: SimAccount;
  readonly record: CallbackOutcome;
  readonly xml: string;
  readonly fields: XmlFields | undefined;
}

/**
 * An `http:` callback URL as the receipts' own client writes to it: the request line up to
 * the query's stamp, and the headers up to the body's length (as keepAliveFetch writes them).
 */
interface Target {
  readonly pool: OriginPool;
  /** `POST <path>?<the URL's own query&>` — the stamp's query follows. */
  readonly head: string;
  /** ` HTTP/1.1`, host, content-type, user-agent and `content-length: ` — the length follows. */
  readonly tail: string;
}

/** One receipt being delivered by the receipts' own client: its job, target and deliveries so far. */
interface Delivery {
  readonly job: Job;
  readonly target: Target;
  readonly fields: XmlFields;
  readonly statuses: (number | null)[];
}

/**
 * Pushes asynchronous events (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) to accounts, signed and
 * encrypted like any message push, after the API call that caused them has answered — each
 * event its own POST, as WeChat sends them, over kept-alive connections, at most
 * `concurrency` at once (a burst of sends queues its receipts instead of opening a socket per
 * receipt; each delivery's 5 s timeout starts when it is posted).
 *
 * The events wait in one queue; one `setImmediate` per burst starts as many as there are free
 * slots, and a finished push starts the next (no promise chain or timer per event). Unless a
 * `fetchImpl` is given, an `http:` URL is posted to by the dispatcher itself: the request line
 * and headers worked out once per URL, each delivery stamped, enveloped and written as one
 * string on an {@link OriginPool} with callbacks — the same bytes and retries as sendToAccount
 * over the keep-alive fetch, without its promises and report objects (the simulator's CPU per
 * template send and receipt 151–165 → 123–125 µs in simulator-template-send.ts).
 * {@link CallbackDispatcher.drain} waits for every scheduled push on close.
 */
export class CallbackDispatcher {
  private readonly fetchImpl: FetchLike;
  private readonly concurrency: number;
  private active = 0;
  private isScheduled = false;
  /** Held: events queue up and none is posted until {@link CallbackDispatcher.release}. */
  private held = false;
  /** Taken from the front in O(1): `Array#shift` moves every element — a 1,000,000-send push's
   * receipts queued behind 32 slots spent 70 % of the simulator's CPU there. */
  private readonly waiting = new Denque<Job>();
  private idleWaiters: (() => void)[] = [];
  private readonly urls = new WeakMap<SimAccount, string | undefined>();
  /** The `http:` URLs posted to by the receipts' own client (none when a `fetchImpl` was given); null: another scheme. */
  private readonly targets: Map<string, Target | null> | undefined;
  private readonly pools = new Map<string, OriginPool>();
  private readonly timeoutMs: number;

  constructor(private readonly options: CallbackDispatcherOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? defaultConcurrency);
    this.fetchImpl = options.fetchImpl ?? keepAliveFetch(this.concurrency);
    this.targets = options.fetchImpl === undefined ? new Map() : undefined;
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  }

  callbackUrl(account: SimAccount): string | undefined {
    // Accounts are replaced, never changed in place (accounts.ts): their URL is worked out once.
    if (this.urls.has(account)) return this.urls.get(account);
    const base = this.options.callbackBaseUrl;
    const url =
      account.callbackUrl === undefined && base === undefined ? undefined : callbackUrlOf(account, base ?? '');
    this.urls.set(account, url);
    return url;
  }

  /** Schedules the delivery event of a template send and records its outcome on `record`. */
  templateFinished(account: SimAccount, record: TemplateSendRecord): void {
    const url = this.callbackUrl(account);
    if (url === undefined) {
      record.callback = 'skipped';
      return;
    }
    const event = {
      from: record.openid,
      to: originalIdOf(account),
      createTime: Math.floor(this.options.clock() / 1000),
      msgId: record.msgid,
      status: record.status,
    };
    const xml = templateSendJobFinishEvent(event);
    this.enqueue({ url, account, record, xml, fields: templateSendJobFinishFields(event) });
  }

  /**
   * Schedules the result event of a mass send. WeChat sends it from the mass-send helper
   * (`FromUserName` "mphelper" in the event's field table), not from a user.
   */
  massFinished(account: SimAccount, record: MassSendRecord): void {
    const url = this.callbackUrl(account);
    if (url === undefined) {
      record.callback = 'skipped';
      return;
    }
    const xml = massSendJobFinishEvent({
      from: 'mphelper',
      to: originalIdOf(account),
      createTime: Math.floor(this.options.clock() / 1000),
      msgId: record.msgId,
      status: record.result.status,
      totalCount: record.result.totalCount,
      filterCount: record.result.filterCount,
      sentCount: record.result.sentCount,
      errorCount: record.result.errorCount,
      isArticle: record.msgtype === 'mpnews',
    });
    this.enqueue({ url, account, record, xml, fields: undefined });
  }

  /**
   * Schedules an event the caller wrote whole (the subscribe-message events,
   * subscribe-events.ts) and records its outcome on `record`.
   */
  pushEvent(account: SimAccount, record: CallbackOutcome, xml: string): void {
    const url = this.callbackUrl(account);
    if (url === undefined) {
      record.callback = 'skipped';
      return;
    }
    this.enqueue({ url, account, record, xml, fields: undefined });
  }

  /**
   * Holds every event push from now on (those in flight finish): WeChat sends a template
   * send's receipt when the follower's phone got it, seconds to minutes after the call, and a
   * push's receipts may arrive after its last send. Events queue in order until released.
   */
  hold(): void {
    this.held = true;
  }

  /** Posts the held events, `concurrency` at a time, in the order they were scheduled. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.startWaiting();
  }

  /** Whether pushes are held, how many wait and how many are in flight. */
  status(): { readonly held: boolean; readonly waiting: number; readonly inFlight: number } {
    return { held: this.held, waiting: this.waiting.length, inFlight: this.active };
  }

  /** Resolves when every push scheduled so far has finished (held ones are released first). */
  async drain(): Promise<void> {
    this.release();
    while (this.active > 0 || !this.waiting.isEmpty()) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private enqueue(job: Job): void {
    this.waiting.push(job);
    if (this.isScheduled) return;
    this.isScheduled = true;
    // The push leaves after the API call's answer was written (that happens in this tick).
    setImmediate(() => {
      this.isScheduled = false;
      this.startWaiting();
    });
  }

  private startWaiting(): void {
    if (this.held) return;
    while (this.active < this.concurrency) {
      const job = this.waiting.shift();
      if (job === undefined) break;
      this.active += 1;
      this.run(job);
    }
    if (this.active === 0 && this.waiting.isEmpty()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private run(job: Job): void {
    const target = this.targetOf(job.url);
    if (target === undefined) {
      this.runFetch(job);
      return;
    }
    const delivery: Delivery = { job, target, fields: job.fields ?? parseXml(job.xml), statuses: [] };
    this.deliver(delivery);
  }

  /** The receipts' own client for `url`, or undefined when it goes through the fetch. */
  private targetOf(url: string): Target | undefined {
    const { targets } = this;
    if (targets === undefined) return undefined;
    let target = targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = parsed.protocol === 'http:' ? this.makeTarget(parsed) : null;
      targets.set(url, target);
    }
    return target ?? undefined;
  }

  private makeTarget(url: URL): Target {
    let pool = this.pools.get(url.origin);
    if (pool === undefined) {
      pool = new OriginPool(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), this.concurrency);
      this.pools.set(url.origin, pool);
    }
    const headers = Object.entries(deliveryHeaders)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    return {
      pool,
      head: `POST ${url.pathname}${url.search}${url.search === '' ? '?' : '&'}`,
      tail: ` HTTP/1.1\r\nhost: ${url.host}\r\n${headers}content-length: `,
    };
  }

  /**
   * One delivery of a receipt, as sendToAccount makes it (a fresh stamp, signature and
   * ciphertext each time; again at once when no answer came, 3 deliveries in all; any HTTP
   * status ends it), written as one request without the fetch's promises and objects.
   */
  private deliver(delivery: Delivery): void {
    const { job, target, fields } = delivery;
    const encrypt = encryptFor(job.account, job.xml);
    const timestamp = String(Math.floor(this.options.clock() / 1000));
    const stamp =
      encrypt === undefined ? { timestamp, nonce: numericNonce() } : { timestamp, nonce: numericNonce(), encrypt };
    const { search, body } = buildEnvelope(job.account, job.xml, fields, stamp);
    const request = `${target.head}${search}${target.tail}${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const started = performance.now();
    const ended = (isOk: boolean): void =>
      this.options.onCallback?.(job.account.appId, isOk, Math.round(performance.now() - started));
    target.pool.call(
      request,
      undefined,
      this.timeoutMs,
      (answer: Http1Answer) => {
        ended(answer.status >= 200 && answer.status < 300);
        delivery.statuses.push(answer.status);
        this.delivered(delivery, answer.status >= 200 && answer.status < 300 ? 'delivered' : 'failed');
      },
      () => {
        ended(false);
        delivery.statuses.push(null);
        if (delivery.statuses.length < defaultMaxDeliveries) queueMicrotask(() => this.deliver(delivery));
        else this.delivered(delivery, 'failed');
      },
    );
  }

  private delivered({ job, statuses }: Delivery, outcome: 'delivered' | 'failed'): void {
    job.record.callbackStatuses = statuses;
    job.record.callback = outcome;
    this.active -= 1;
    this.startWaiting();
  }

  private runFetch({ url, account, record, xml, fields }: Job): void {
    sendToAccount({
      url,
      account,
      xml,
      ...(fields === undefined ? {} : { fields }),
      clock: this.options.clock,
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      fetchImpl: this.fetchImpl,
      ...(this.options.onCallback === undefined
        ? {}
        : {
            onDelivery: ({ status, elapsedMs }: DeliveryAttempt) =>
              this.options.onCallback?.(account.appId, status !== null && status >= 200 && status < 300, elapsedMs),
          }),
    })
      .then(
        (report) => {
          record.callbackStatuses = report.deliveries.map((delivery) => delivery.status);
          record.callback = report.deliveries.some(isSuccess) ? 'delivered' : 'failed';
        },
        () => {
          record.callback = 'failed';
        },
      )
      .finally(() => {
        this.active -= 1;
        this.startWaiting();
      });
  }
}

/** What `parseXml` reads of {@link templateSendJobFinishEvent}'s XML, without parsing it again. */
export function templateSendJobFinishFields(event: {
  readonly from: string;
  readonly to: string;
  readonly createTime: number;
  readonly msgId: number;
  readonly status: string;
}): XmlFields {
  return {
    ToUserName: event.to,
    FromUserName: event.from,
    CreateTime: String(event.createTime),
    MsgType: 'event',
    Event: 'TEMPLATESENDJOBFINISH',
    MsgID: String(event.msgId),
    Status: event.status,
  };
}

function isSuccess(delivery: { readonly status: number | null }): boolean {
  return delivery.status !== null && delivery.status >= 200 && delivery.status < 300;
}
