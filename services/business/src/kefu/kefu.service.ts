import { encodeKefuJob, type KefuJobSend, outboundKefuQueue } from '@mpstack/common/contracts';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { QueuePort } from '@mpstack/common/ports';
import type { KefuRepository, KefuSend } from './kefu.repository.js';
import type { KefuMessage } from './kefu-message.js';

/**
 * Customer-service sends: accepted at once (the row, then the job on `mpstack.outbound.kefu` —
 * the caller never waits for WeChat), executed by the kefu worker. The job carries the send, so
 * its worker claims it without reading it; `accountExists` is answered from a cache the accounts
 * channel invalidates: one statement here, two in the worker (claim, outcome).
 */
export class KefuService {
  constructor(
    private readonly options: {
      readonly kefu: KefuRepository;
      readonly queue: QueuePort;
      readonly clock: () => number;
      readonly accountExists: (account: string) => Promise<boolean>;
    },
  ) {}

  async accept(send: {
    readonly account: string;
    readonly openId: string;
    readonly message: KefuMessage;
  }): Promise<{ readonly sendId: number }> {
    if (!(await this.options.accountExists(send.account))) {
      throw new AppError(ErrorCode.notFound, `account "${send.account}" does not exist`);
    }
    const sendId = await this.options.kefu.create({ ...send, now: this.options.clock() });
    // Published after the row exists; a failed publish leaves it queued for the sweeper.
    await this.publish(sendId, { account: send.account, openId: send.openId, message: send.message }).catch(
      (error: unknown) => {
        throw new AppError(
          ErrorCode.unavailable,
          `customer-service send ${sendId} stored but not queued yet (it will be): ${String(error)}`,
        );
      },
    );
    return { sendId };
  }

  /** The send's job; without `send` (the sweeper's), its worker reads the row. */
  publish(sendId: number, send?: KefuJobSend): Promise<void> {
    return this.options.queue.publish(
      outboundKefuQueue,
      encodeKefuJob(send === undefined ? { sendId } : { sendId, send }),
      {
        messageId: `kefu-${sendId}`,
      },
    );
  }

  async get(id: number): Promise<KefuSend> {
    const send = await this.options.kefu.get(id);
    if (send === undefined) throw new AppError(ErrorCode.notFound, `customer-service send ${id} does not exist`);
    return send;
  }
}

/** Why the sweeper records a send left `sending` for long `unknown`. */
const abandoned =
  'left sending with no worker on it (its job was lost); it may have reached WeChat and is not sent again';

/**
 * The sweeper's part for customer-service sends: one left `queued` for `stallMs` (its publish
 * failed, or the job was lost with a broker) is queued again — only while no job waits in
 * `mpstack.outbound.kefu`, so a backlog paced by the bucket is not queued twice (a second job
 * finding its send claimed would record it `unknown`); one left `sending` for ten times that (its
 * worker and its job both gone — a live worker's call ends long before) is `unknown`, never sent
 * again.
 */
export async function sweepKefuSends(
  kefu: KefuRepository,
  service: KefuService,
  queue: QueuePort,
  { now, stallMs }: { readonly now: number; readonly stallMs: number },
): Promise<void> {
  const stale = await kefu.stale('queued', now - stallMs, 500);
  const isIdle = stale.length > 0 && (await queue.depth(outboundKefuQueue)) === 0;
  for (const id of isIdle ? stale : []) {
    // Taken before it is published: one replica's sweeper queues it (a failed publish leaves it
    // for the sweep after the stall time).
    if (await kefu.touch(id, now, now - stallMs)) await service.publish(id);
  }
  for (const id of await kefu.stale('sending', now - 10 * stallMs, 500)) {
    await kefu.record(id, { status: 'unknown', errmsg: abandoned }, now);
  }
}
