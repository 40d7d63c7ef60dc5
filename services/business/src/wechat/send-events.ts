import type { JobReceipt, ReceiptLogEvent, SendFamily, SendLogEvent, SendRefusal } from '@mpstack/common/contracts';
import { SEND_REFUSALS } from '@mpstack/common/contracts';
import { errcodeOf, type OutboundApi } from './outbound-api.js';

/** Where send and receipt events go: the service's `LogSink` (synchronous, bounded, never waits for the broker). */
export interface SendEventSink {
  nextId(): string;
  record(event: SendLogEvent | ReceiptLogEvent): void;
}

/** A send attempt's outcome as the log contract has it, from what the call returned or threw. */
export function sendOutcomeOf(
  error: unknown,
): { outcome: 'failed'; errcode: number } | { outcome: 'refused'; reason: SendRefusal; errcode: number } {
  const reason = (error as { reason?: unknown } | null)?.reason;
  const errcode = errcodeOf(error);
  if (errcode !== undefined && SEND_REFUSALS.includes(reason as SendRefusal)) {
    return { outcome: 'refused', reason: reason as SendRefusal, errcode };
  }
  // No errcode: WeChat's answer is unknown (transport failure, 5xx, timeout) — −1, as the interface events.
  return { outcome: 'failed', errcode: errcode ?? -1 };
}

/**
 * The pipeline's WeChat calls with one `send` log event per attempt (template sends, customer-service
 * sends, mass sends and previews): the outcome, WeChat's errcode or the local refusal — never the recipient, the
 * content or a token. Recording is synchronous and bounded (the sink buffers and publishes in
 * the background), so it adds no wait to a send. `deleteMass` is not a send and is not recorded.
 */
export function recordingSends(api: OutboundApi, sink: SendEventSink, clock: () => number = Date.now): OutboundApi {
  const attempt = async <T>(account: string, family: SendFamily, call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      sink.record({ type: 'send', id: sink.nextId(), at: clock(), account, family, outcome: 'sent' });
      return result;
    } catch (error) {
      sink.record({ type: 'send', id: sink.nextId(), at: clock(), account, family, ...sendOutcomeOf(error) });
      throw error;
    }
  };
  return {
    sendTemplate: (account, message) => attempt(account, 'template', () => api.sendTemplate(account, message)),
    sendCustom: (account, message) => attempt(account, 'kefu', () => api.sendCustom(account, message)),
    sendAll: (account, message) => attempt(account, 'mass', () => api.sendAll(account, message)),
    preview: (account, message) => attempt(account, 'mass', () => api.preview(account, message)),
    deleteMass: (account, msgId) => api.deleteMass(account, msgId),
  };
}

/**
 * The `receipt` log event of a receipt the service stored (or had stored before: its id and time
 * are the receipt's — its MsgID and CreateTime — so the log service counts a repeat once).
 * A template receipt's status: `success`, `failed:user block`, `failed: system failed` (WeChat's
 * three); anything else is counted as a system failure (not delivered, not the user's doing).
 */
export function receiptEventOf(receipt: JobReceipt): ReceiptLogEvent {
  // Object literals, no spread of a shared base: one of these per receipt of a push.
  if (receipt.kind === 'mass') {
    const counts = receipt.counts ?? { sent: 0, error: 0 };
    return {
      type: 'receipt',
      id: `rm${receipt.msgId}`,
      at: receipt.at,
      account: receipt.account,
      family: 'mass',
      success: counts.sent,
      userBlock: 0,
      systemFailed: counts.error,
    };
  }
  const outcome = templateOutcomeOf(receipt.status);
  const success = outcome === 'success' ? 1 : 0;
  const userBlock = outcome === 'userBlock' ? 1 : 0;
  return {
    type: 'receipt',
    id: `rt${receipt.msgId}`,
    at: receipt.at,
    account: receipt.account,
    family: 'template',
    success,
    userBlock,
    systemFailed: 1 - success - userBlock,
  };
}

/**
 * A template receipt's status: WeChat's three spellings compared as they are (one receipt per
 * send, so no regular expression for them), any other normalized (blanks removed, lower case).
 */
function templateOutcomeOf(status: string): 'success' | 'userBlock' | 'systemFailed' {
  if (status === 'success') return 'success';
  if (status === 'failed:user block') return 'userBlock';
  if (status === 'failed: system failed') return 'systemFailed';
  const normalized = status.replace(/\s+/g, '').toLowerCase();
  if (normalized === 'success') return 'success';
  return normalized === 'failed:userblock' ? 'userBlock' : 'systemFailed';
}
