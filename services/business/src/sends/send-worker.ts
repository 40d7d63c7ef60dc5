import { setTimeout as sleep } from 'node:timers/promises';
import { decodeSendJob, outboundSendsQueue } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import { classifyFailure, type OutboundApi } from '../wechat/outbound-api.js';
import type { SendRepository } from './send.repository.js';

/** The client_msg_id of a single send: the same on every attempt, so a resend is de-duplicated by WeChat. */
export function singleClientMsgId(sendId: number): string {
  return `s${sendId}`;
}

/**
 * Executes single template sends from `mpstack.outbound.sends` (prefetch): marks the row
 * `sending`, calls WeChat with client_msg_id `s<id>`, records msgid or errcode, then acks. A
 * redelivery of a send already recorded is acked without sending; one left `sending` (a crash
 * mid-call) is sent again with the same client_msg_id — de-duplicated by WeChat within 10
 * minutes. An unknown answer (−1 after retries, 5xx, host down) is retried later; a refusal
 * that stops all sends (quota, credentials) is recorded as failed with its errcode.
 */
export class SendWorker {
  private consumer: Consumer | undefined;
  private closing = false;

  constructor(
    private readonly options: {
      readonly sends: SendRepository;
      readonly api: OutboundApi;
      readonly queue: QueuePort;
      readonly logger: Logger;
      readonly prefetch: number;
      readonly clock?: () => number;
    },
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.options.queue.consume(outboundSendsQueue, (delivery) => this.handle(delivery.body), {
      prefetch: this.options.prefetch,
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.consumer?.cancel();
  }

  private async handle(body: Buffer): Promise<HandlerOutcome> {
    let sendId: number;
    try {
      sendId = decodeSendJob(body).sendId;
    } catch (error) {
      return { action: 'dead-letter', reason: (error as Error).message };
    }
    const clock = this.options.clock ?? Date.now;
    const { sends, api } = this.options;
    try {
      const send = await sends.get(sendId);
      if (send === undefined) return { action: 'dead-letter', reason: `send ${sendId} does not exist` };
      if (send.status === 'sent' || send.status === 'failed') return { action: 'ack' };
      await sends.markSending(send.id, clock());
      try {
        const msgid = await api.sendTemplate(send.account, {
          touser: send.openId,
          template_id: send.templateId,
          ...(send.payload.url === undefined ? {} : { url: send.payload.url }),
          data: send.payload.data,
          client_msg_id: singleClientMsgId(send.id),
        });
        await sends.record(send.id, { msgid }, clock());
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'unknown') throw error;
        const errmsg =
          failure.kind === 'stop' ? failure.reason : error instanceof Error ? error.message : String(error);
        await sends.record(send.id, { errcode: failure.errcode, errmsg }, clock());
      }
      return { action: 'ack' };
    } catch (error) {
      this.options.logger.warn({ err: error, sendId }, 'send not completed; retried');
      await sleep(this.closing ? 0 : 1000);
      return { action: 'retry' };
    }
  }
}
