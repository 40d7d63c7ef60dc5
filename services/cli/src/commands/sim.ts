import { readFile } from 'node:fs/promises';
import { type DeliveryReport, eventMessage, sendToAccount, textMessage } from '@mpstack/simulators';
import { demoAccount } from '../dev/demo-account.js';

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
  /**
   * The WeChat simulator to tell about the user's action first (as WeChat learns of a message
   * before the account does: follow state, the 48 h customer-service window); false = none.
   */
  readonly simulator: string | false;
}

/** What the simulator learned, or why it did not. */
export type SimulatorNotice = { readonly recorded: true } | { readonly recorded: false; readonly reason: string };

export interface SimSendReport extends DeliveryReport {
  readonly simulator: SimulatorNotice | 'not asked';
}

/** Defaults: the demo account of `mpstack dev` on its default port. */
export const simSendDefaults = {
  url: `http://127.0.0.1:8080/wx/${demoAccount.id}`,
  appid: demoAccount.appId,
  token: demoAccount.token,
  aesKey: demoAccount.encodingAesKey,
  mode: demoAccount.encryptMode,
  from: 'o_mpstack_cli_user',
  to: demoAccount.originalId,
  simulator: 'http://127.0.0.1:9090',
} as const;

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
  } else xml = textMessage({ ...parties, content: options.text ?? 'hello' });
  const simulator =
    options.simulator === false ? 'not asked' : await tellSimulator(options.simulator, options.appid, xml);
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
  });
  return { ...report, simulator };
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
