import type { Reply, XmlFields } from '@mpstack/common/wechat';
import type { Clock } from '../clock.js';
import type { EncryptionMode } from '../types.js';

/** What the user sees when WeChat gives up on the account (Passive user reply doc). */
export const serviceUnavailableText = '该公众号暂时无法提供服务，请稍后再试';

/** The account settings the sender needs: exactly what is configured in the console. */
export interface SenderAccount {
  readonly appId: string;
  readonly token: string;
  readonly encodingAesKey?: string;
  readonly mode: EncryptionMode;
}

/** Told about each inbound message before delivery, as WeChat itself knows of it first. */
export interface InboundRecorder {
  recordInbound(appId: string, message: XmlFields): void;
}

export type RetryPolicy = 'no-answer' | 'any-failure';

/** What a delivery reads of an answer: a fetch `Response` is one. */
export interface ResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<ResponseLike>;

/**
 * A {@link FetchLike} that can also bound a call by a timeout itself (rejecting with
 * `AnswerTimeout`, origin-pool.ts), without an AbortController and a timer per call.
 */
export type TimedFetchLike = FetchLike & {
  readonly within: (input: string, init: RequestInit, timeoutMs: number) => Promise<ResponseLike>;
};

export interface SendOptions {
  /** The account's callback URL, e.g. `http://127.0.0.1:8080/wx/demo`. */
  readonly url: string;
  readonly account: SenderAccount;
  /** The plaintext message or event XML (see the builders). */
  readonly xml: string;
  /** `parseXml(xml)`, when the caller built the XML and has its fields (it is not parsed again). */
  readonly fields?: XmlFields;
  /** How long one delivery may take (WeChat: 5 s). */
  readonly timeoutMs?: number;
  /** Deliveries in total, the first included (WeChat: 3). */
  readonly maxDeliveries?: number;
  /**
   * When a message is delivered again. `no-answer` (default, what WeChat documents): only
   * when no HTTP answer came — no response within `timeoutMs`, or the connection failed; any
   * status ends the exchange, a non-2xx one with the error the user sees. `any-failure`:
   * also after a non-2xx status (what earlier versions of this simulator did; undocumented).
   */
  readonly retryOn?: RetryPolicy;
  /** Pause between a failed delivery and the next (default 0: WeChat re-sends at once). */
  readonly retryDelayMs?: number;
  /** Re-use the first timestamp/nonce/signature (and ciphertext) on retries; see sendToAccount. */
  readonly sameNonceOnRetry?: boolean;
  /** Source of the `timestamp` query parameter (ms). */
  readonly clock?: Clock;
  readonly fetchImpl?: FetchLike;
  readonly recorder?: InboundRecorder;
  /** Told of each delivery as it ends (the analytics count the pushes to the account). */
  readonly onDelivery?: (delivery: DeliveryAttempt) => void;
}

/** One HTTP delivery of the message. */
export interface DeliveryAttempt {
  /** 1-based. */
  readonly attempt: number;
  /** The full URL posted to, query included. */
  readonly url: string;
  /** HTTP status, or null when no response arrived. */
  readonly status: number | null;
  readonly elapsedMs: number;
  readonly isTimedOut: boolean;
  /** Network error text when the request failed without a response. */
  readonly error?: string;
  /** The response body. */
  readonly body?: string;
}

/** What the user's phone shows after the exchange. */
export type UserView =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly fields: XmlFields; readonly isEncrypted: boolean }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'error'; readonly text: typeof serviceUnavailableText; readonly reason: string };

export interface DeliveryReport {
  readonly deliveries: readonly DeliveryAttempt[];
  readonly userSees: UserView;
}
