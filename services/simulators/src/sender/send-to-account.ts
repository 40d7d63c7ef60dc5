import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildEnvelope,
  encryptFor,
  parseXml,
  type Stamp,
  wechatDelivery,
  type XmlFields,
} from '@mpstack/common/wechat';
import { numericNonce } from '../shared/ids.js';
import { AnswerTimeout } from './origin-pool.js';
import { readReply } from './reply-reader.js';
import {
  type DeliveryAttempt,
  type DeliveryReport,
  type FetchLike,
  type ResponseLike,
  type SendOptions,
  serviceUnavailableText,
  type TimedFetchLike,
} from './sender.types.js';

/** WeChat waits 5 s per delivery and delivers 3 times in all. */
export const defaultTimeoutMs = wechatDelivery.timeoutMs;
export const defaultMaxDeliveries = wechatDelivery.maxDeliveries;

/**
 * Delivers a user message or event to an account's callback URL the way WeChat does and
 * reports what the user would have seen.
 *
 * Retries, as documented ("微信服务器在五秒内收不到响应会断掉连接，并且重新发起请求，总共重试三次",
 * docs/architecture.md, "Answer or hold"): when no answer came — no response within the timeout, or the connection
 * failed — the message is delivered again, up to `maxDeliveries` in all. Any HTTP status is
 * an answer: a 2xx ends the exchange whatever its body, any other status ends it with the
 * error the user sees. `retryOn: 'any-failure'` also re-delivers after a non-2xx status
 * (undocumented; for testing a server that relies on it). The XML
 * (same MsgId / CreateTime) is identical on every delivery: that is what the documented
 * dedupe advice (msgid, or FromUserName + CreateTime) relies on. Whether WeChat also reuses
 * the query's timestamp/nonce/signature is not documented, and no public capture settles
 * it; by default every delivery is freshly stamped (a fresh nonce, timestamp, signature and
 * ciphertext), which is the stricter case for an ingress that rejects replayed nonces.
 * `sameNonceOnRetry: true` re-sends the first delivery byte for byte instead.
 */
export async function sendToAccount(options: SendOptions): Promise<DeliveryReport> {
  const fields = options.fields ?? parseXml(options.xml);
  options.recorder?.recordInbound(options.account.appId, fields);
  const maxDeliveries = options.maxDeliveries ?? defaultMaxDeliveries;
  const deliveries: DeliveryAttempt[] = [];
  let stamp: Stamp | undefined;
  for (let attempt = 1; attempt <= maxDeliveries; attempt++) {
    if (stamp === undefined || options.sameNonceOnRetry !== true) stamp = freshStamp(options);
    const envelope = buildEnvelope(options.account, options.xml, fields, stamp);
    const url = `${options.url}${options.url.includes('?') ? '&' : '?'}${envelope.search}`;
    const delivery = await deliver(options, attempt, url, envelope.body);
    deliveries.push(delivery);
    options.onDelivery?.(delivery);
    if (delivery.status !== null && delivery.status >= 200 && delivery.status < 300) {
      return { deliveries, userSees: readReply(options.account, delivery.body ?? '', isEvent(fields)) };
    }
    if (delivery.status !== null && options.retryOn !== 'any-failure') break;
    if (attempt < maxDeliveries && (options.retryDelayMs ?? 0) > 0) await sleep(options.retryDelayMs);
  }
  return {
    deliveries,
    userSees: { kind: 'error', text: serviceUnavailableText, reason: failureOf(deliveries.at(-1)) },
  };
}

function failureOf(last: DeliveryAttempt | undefined): string {
  if (last !== undefined && last.status !== null) return `answered ${describe(last)}`;
  return last?.isTimedOut === true ? 'every delivery timed out' : `every delivery failed (${describe(last)})`;
}

function freshStamp(options: SendOptions): Stamp {
  const now = (options.clock ?? Date.now)();
  const encrypt = encryptFor(options.account, options.xml);
  const base = { timestamp: String(Math.floor(now / 1000)), nonce: numericNonce() };
  return encrypt === undefined ? base : { ...base, encrypt };
}

function isEvent(fields: XmlFields): boolean {
  return fields.MsgType === 'event';
}

function describe(delivery: DeliveryAttempt | undefined): string {
  if (delivery === undefined) return 'no delivery';
  return delivery.status === null ? (delivery.error ?? 'no response') : `HTTP ${delivery.status}`;
}

/** The headers of a delivery's POST (what the receipts' own client writes too, callback-dispatcher.ts). */
export const deliveryHeaders = { 'content-type': 'text/xml; charset=utf-8', 'user-agent': 'Mozilla/4.0' };

/**
 * One POST bounded by the timeout; the body must arrive within it too. A fetch that bounds its
 * calls itself ({@link TimedFetchLike}: the receipts' pool) is given the timeout, any other an
 * AbortSignal.
 */
async function deliver(options: SendOptions, attempt: number, url: string, body: string): Promise<DeliveryAttempt> {
  const fetchImpl: FetchLike = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const { within } = fetchImpl as Partial<TimedFetchLike>;
  const init: RequestInit = { method: 'POST', headers: deliveryHeaders, body };
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    let response: ResponseLike;
    if (within !== undefined) {
      response = await within(url, init, timeoutMs);
    } else {
      const aborter = new AbortController();
      controller = aborter;
      timer = setTimeout(() => aborter.abort(), timeoutMs);
      response = await fetchImpl(url, { ...init, signal: aborter.signal });
    }
    const text = await response.text();
    return { attempt, url, status: response.status, elapsedMs: elapsed(), isTimedOut: false, body: text };
  } catch (error) {
    const isTimedOut = error instanceof AnswerTimeout || controller?.signal.aborted === true;
    const message = isTimedOut ? `no response within ${timeoutMs} ms` : errorText(error);
    return { attempt, url, status: null, elapsedMs: elapsed(), isTimedOut, error: message };
  } finally {
    clearTimeout(timer);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
