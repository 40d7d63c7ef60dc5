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
} as const;

/**
 * `mpstack sim send`: sends one message the way WeChat does (signed, encrypted, 5 s
 * timeout, up to 3 deliveries) and reports every delivery and what the user would see.
 */
export async function simSend(options: SimSendOptions): Promise<DeliveryReport> {
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
  return sendToAccount({
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
}
