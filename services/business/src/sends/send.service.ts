import { encodeSendJob, outboundSendsQueue } from '@mpstack/common/contracts';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { QueuePort } from '@mpstack/common/ports';
import { fieldLimit } from '../templates/template-fields.js';
import type { SendRepository, TemplateSend } from './send.repository.js';

export interface AcceptSend {
  readonly account: string;
  readonly kind: 'single' | 'preview';
  readonly pushId?: number;
  readonly openId: string;
  readonly templateId: string;
  readonly data: Readonly<Record<string, { readonly value: string }>>;
  readonly url?: string | undefined;
}

/**
 * Single template sends: accepted at once (the row, then the job on the queue — the caller
 * never waits for WeChat), executed by the send worker.
 */
export class SendService {
  constructor(
    private readonly options: {
      readonly sends: SendRepository;
      readonly queue: QueuePort;
      readonly clock: () => number;
      readonly accountExists: (account: string) => Promise<boolean>;
    },
  ) {}

  async accept(send: AcceptSend): Promise<{ readonly sendId: number }> {
    for (const [key, { value }] of Object.entries(send.data)) {
      const length = [...value].length;
      if (length > fieldLimit(key)) {
        throw new AppError(
          ErrorCode.badRequest,
          `field ${key} is ${length} characters, over its limit of ${fieldLimit(key)}; not sent`,
        );
      }
    }
    if (!(await this.options.accountExists(send.account))) {
      throw new AppError(ErrorCode.notFound, `account "${send.account}" does not exist`);
    }
    const sendId = await this.options.sends.create({
      account: send.account,
      kind: send.kind,
      ...(send.pushId === undefined ? {} : { pushId: send.pushId }),
      openId: send.openId,
      templateId: send.templateId,
      payload: { data: { ...send.data }, ...(send.url === undefined ? {} : { url: send.url }) },
      now: this.options.clock(),
    });
    // Published after the row exists; a failed publish leaves it queued for the sweeper.
    await this.publish(sendId).catch((error: unknown) => {
      throw new AppError(
        ErrorCode.unavailable,
        `send ${sendId} stored but not queued yet (it will be): ${String(error)}`,
      );
    });
    return { sendId };
  }

  publish(sendId: number): Promise<void> {
    return this.options.queue.publish(outboundSendsQueue, encodeSendJob({ sendId }), { messageId: `send-${sendId}` });
  }

  async get(id: number): Promise<TemplateSend> {
    const send = await this.options.sends.get(id);
    if (send === undefined) throw new AppError(ErrorCode.notFound, `send ${id} does not exist`);
    return send;
  }
}
