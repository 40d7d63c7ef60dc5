import { readFile } from 'node:fs/promises';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { type DeliveryReport, eventMessage, type RetryPolicy, sendToAccount, textMessage } from '@mpstack/simulators';

export interface SimSendOptions {
  readonly url: string;
  readonly appid: string;
  readonly token: string;
  readonly aesKey?: string;
  readonly mode: 'plain' | 'compatible' | 'safe';
  readonly from: string;
  readonly to: string;
  readonly text?: string;
  readonly event?: string;
  readonly eventKey?: string;
  readonly file?: string;
  readonly timeoutMs: number;
  readonly deliveries: number;
  /** `no-answer` (WeChat's documented behaviour) or `any-failure` (also after a non-2xx status). */
  readonly retryOn?: RetryPolicy;
  /** How long to wait after the deliveries for customer-service messages to the user (0 = not at all). */
  readonly waitMs: number;
  /**
   * The WeChat simulator to tell about the user's action first (as WeChat learns of a message
   * before the account does: follow state, the 48 h customer-service window); false = none.
   */
  readonly simulator: string | false;
}

/** What the simulator learned, or why it did not. */
export type SimulatorNotice = { readonly recorded: true } | { readonly recorded: false; readonly reason: string };

/** A customer-service message the simulator accepted for the user (its inbox, as the phone shows it). */
export interface CustomerServiceMessage {
  readonly seq: number;
  readonly msgtype: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface SimSendReport extends DeliveryReport {
  readonly simulator: SimulatorNotice | 'not asked';
  /** What arrived in the user's inbox while waiting, or why it could not be read. */
  readonly customerService:
    | { readonly waitedMs: number; readonly messages: readonly CustomerServiceMessage[] }
    | { readonly unread: string };
}

export { simSendDefaults } from './sim-defaults.js';

/**
 * `mpstack sim send`: sends one message the way WeChat does (signed, encrypted, 5 s
 * timeout, up to 3 deliveries) and reports every delivery and what the user would see.
 */
export async function simSend(options: SimSendOptions): Promise<SimSendReport> {
  const parties = { from: options.from, to: options.to };
  let xml: string;
  if (options.file !== undefined) xml = await readFile(options.file, 'utf8');
  else if (options.event !== undefined) {
    xml = eventMessage({
      ...parties,
      event: options.event,
      ...(options.eventKey === undefined ? {} : { eventKey: options.eventKey }),
    });
  } else if (options.text !== undefined) xml = textMessage({ ...parties, content: options.text });
  else throw new AppError(ErrorCode.badRequest, 'say what to send: --text <content>, --event <event> or --file <xml>');
  const simulator =
    options.simulator === false ? 'not asked' : await tellSimulator(options.simulator, options.appid, xml);
  const isListening = simulator !== 'not asked' && simulator.recorded && options.waitMs > 0;
  const inbox =
    options.simulator === false || !isListening
      ? undefined
      : inboxOf(options.simulator, options.appid, fromOf(xml) ?? options.from);
  // Only what arrives from now on: the inbox may hold earlier conversations.
  const before = inbox === undefined ? undefined : await inbox.read(0).then(lastSeq, () => undefined);
  const report = await sendToAccount({
    url: options.url,
    account: {
      appId: options.appid,
      token: options.token,
      mode: options.mode,
      ...(options.aesKey === undefined ? {} : { encodingAesKey: options.aesKey }),
    },
    xml,
    timeoutMs: options.timeoutMs,
    maxDeliveries: options.deliveries,
    ...(options.retryOn === undefined ? {} : { retryOn: options.retryOn }),
  });
  let customerService: SimSendReport['customerService'];
  if (inbox === undefined || before === undefined) {
    customerService = { unread: whyUnread(options, simulator, inbox !== undefined) };
  } else {
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, options.waitMs));
    try {
      customerService = { waitedMs: Date.now() - started, messages: await inbox.read(before) };
    } catch (error) {
      customerService = { unread: `the simulator's inbox could not be read: ${(error as Error).message}` };
    }
  }
  return { ...report, simulator, customerService };
}

function whyUnread(options: SimSendOptions, simulator: SimSendReport['simulator'], hadInbox: boolean): string {
  if (options.simulator === false) return 'no simulator (--no-simulator)';
  if (simulator !== 'not asked' && !simulator.recorded) return 'the simulator could not be told (above)';
  if (options.waitMs === 0) return 'not waited for (--wait-ms 0)';
  return hadInbox ? "the simulator's inbox could not be read" : 'not waited for';
}

function fromOf(xml: string): string | undefined {
  return /<FromUserName>\s*(?:<!\[CDATA\[)?([^<\]]+)/.exec(xml)?.[1];
}

function lastSeq(messages: readonly CustomerServiceMessage[]): number {
  return messages.reduce((max, message) => Math.max(max, message.seq), 0);
}

/** The user's customer-service inbox in the simulator (`/_sim/accounts/:appid/inbox/:openid`). */
function inboxOf(baseUrl: string, appId: string, openid: string) {
  const url = `${baseUrl.replace(/\/+$/, '')}/_sim/accounts/${encodeURIComponent(appId)}/inbox/${encodeURIComponent(openid)}`;
  return {
    async read(since: number): Promise<readonly CustomerServiceMessage[]> {
      const response = await fetch(`${url}?since=${since}`, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return ((await response.json()) as { messages: CustomerServiceMessage[] }).messages;
    },
  };
}

/** Posts the plaintext message to the simulator's `/_sim/accounts/:appid/inbound`; never throws. */
async function tellSimulator(baseUrl: string, appId: string, xml: string): Promise<SimulatorNotice> {
  const url = `${baseUrl.replace(/\/+$/, '')}/_sim/accounts/${encodeURIComponent(appId)}/inbound`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: xml,
      signal: AbortSignal.timeout(2000),
    });
    if (response.ok) return { recorded: true };
    const body = await response.text();
    return { recorded: false, reason: `${url} answered ${response.status}: ${body.slice(0, 200)}` };
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    return {
      recorded: false,
      reason: `no simulator at ${baseUrl} (${cause}): its customer-service window for this user stays closed`,
    };
  }
}
