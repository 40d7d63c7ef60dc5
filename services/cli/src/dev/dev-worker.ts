import {
  decodeInbound,
  InboundDeduplicator,
  type InboundMessage,
  inboundQueueName,
  inboundQueues,
} from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, Delivery, HandlerOutcome, QueuePort } from '@mpstack/common/ports';

export interface DevWorkerOptions {
  readonly queue: QueuePort;
  readonly partitions: number;
  readonly logger: Logger;
  /** The business service's base URL: its customer-service sends (`POST /api/kefu-sends`). */
  readonly businessUrl: string;
}

/**
 * DEVELOPMENT STAND-IN for the business workers (a later issue): consumes the slow-path
 * queues and answers text messages with a customer-service message, so the phone page shows
 * the asynchronous half of the message path. The message goes through the business service's
 * customer-service sends (the shared WeChat client: one token, the follower's 48-hour window,
 * its send listed on the console's 客服消息 page), not to WeChat directly. It acks once the
 * business service accepted the send (202).
 */
export async function startDevWorker(options: DevWorkerOptions): Promise<() => Promise<void>> {
  // Declared here too (idempotent): with `--scale auto` the ingress copies that also declare
  // them are separate processes that may not have started yet.
  await options.queue.declare(inboundQueues(options.partitions));
  const consumers: Consumer[] = [];
  // The ingress's dedupe TTL (600 s) bounds how late a repeat copy can come.
  const dedupe = new InboundDeduplicator({ ttlMs: 600_000, capacity: 100_000 });
  for (let partition = 0; partition < options.partitions; partition++) {
    const name = inboundQueueName(partition);
    const handler = (delivery: Delivery) => handle(options, dedupe, delivery);
    consumers.push(await options.queue.consume(name, handler, { prefetch: 10 }));
  }
  return async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.cancel()));
  };
}

async function handle(
  options: DevWorkerOptions,
  dedupe: InboundDeduplicator,
  delivery: Delivery,
): Promise<HandlerOutcome> {
  let inbound: InboundMessage;
  try {
    inbound = decodeInbound(delivery.body);
  } catch (error) {
    return { action: 'dead-letter', reason: error instanceof Error ? error.message : 'undecodable' };
  }
  const { message } = inbound;
  const event = message.kind === 'event' ? message.event : undefined;
  options.logger.info({ account: inbound.account, kind: message.kind, event }, 'slow path received');
  if (dedupe.isRepeat(inbound)) return { action: 'ack' };
  if (message.kind !== 'text') return { action: 'ack' };
  try {
    const response = await fetch(`${options.businessUrl}/api/kefu-sends`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account: inbound.account,
        openId: message.fromUserName,
        message: {
          msgtype: 'text',
          text: { content: `（业务处理）已收到「${message.content}」，稍后由人工客服回复您。` },
        },
      }),
    });
    if (response.status >= 500) throw new Error(`the business service answered ${response.status}`);
    // A refusal of the request (400, 404 for an unknown account) is final: a retry gets the same answer.
    if (response.status !== 202) {
      options.logger.warn({ status: response.status, body: await response.text() }, 'customer-service send refused');
    } else {
      await response.body?.cancel();
    }
    dedupe.executed(inbound);
    return { action: 'ack' };
  } catch (error) {
    options.logger.warn({ err: error }, 'customer-service send not accepted; will retry');
    return { action: 'retry' };
  }
}

/** An access_token from the (simulated) API's `/cgi-bin/stable_token`. */
export async function fetchStableToken(apiBaseUrl: string, appId: string, appSecret: string): Promise<string> {
  const response = await fetch(`${apiBaseUrl}/cgi-bin/stable_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret }),
  });
  const result = (await response.json()) as { access_token?: string; errcode?: number; errmsg?: string };
  if (result.access_token === undefined) throw new Error(`stable_token failed: ${result.errcode} ${result.errmsg}`);
  return result.access_token;
}
