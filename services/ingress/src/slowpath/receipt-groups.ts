import { encodeReceiptGroup, receiptsQueue } from '@mpstack/common/contracts';
import { injectTraceContext, trace } from '@mpstack/common/telemetry';
import type { Context, Tracer } from '@opentelemetry/api';
import type { Forwarder, ForwardOutcome } from './forwarder.js';

export interface ReceiptGroupOptions {
  readonly forwarder: Pick<Forwarder, 'forward'>;
  readonly tracer: Tracer;
  /** How long a group gathers from its first receipt (0: until the end of that event-loop turn). */
  readonly windowMs: number;
  /** Receipts in a group at most: a full group goes at once. */
  readonly maxReceipts: number;
  /** Told the size of each group handed over (the metrics). */
  readonly onGroup?: (receipts: number) => void;
}

interface Waiter {
  readonly resolve: (outcome: ForwardOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface Group {
  readonly ids: string[];
  readonly encoded: string[];
  readonly waiters: Waiter[];
  readonly parent: Context;
  timer: NodeJS.Timeout | undefined;
  immediate: NodeJS.Immediate | undefined;
}

/**
 * Gathers delivery receipts into one message of `mpstack.receipts` (`encodeReceiptGroup`):
 * one confirmed publish per group, or one spool entry when the broker does not confirm it —
 * the same hand-over as a single message, so a receipt acknowledged to WeChat is never lost.
 * Each receipt's request is answered only after its group was confirmed or spooled; when
 * neither took the group, every request of it is held so that WeChat re-delivers it
 * (business applies a MsgID once).
 *
 * A group gathers for `windowMs` from its first receipt (0: until the end of that event-loop
 * turn), or until it is full, and then goes whatever else is in flight (the broker confirms
 * groups pipelined). The window is what makes groups: WeChat holds a delivery open until it is
 * answered, so the few milliseconds of an answer let the receipts of that time share a message —
 * 5 ms on a 5 s budget. Measured: with one group in flight at a time (group commit) the webhook
 * benchmark's receipts halved their rate (the confirm's round trip became each request's), and
 * with a window of 0 the push benchmark made groups of one or two.
 *
 * Why: during a push WeChat pushes one receipt per send; a queue message each cost RabbitMQ
 * (a quorum queue: Raft log write, confirm, delivery, ack) and both services more CPU than the
 * receipt's own work.
 */
export class ReceiptGroups {
  private open: Group | undefined;
  private sequence = 0;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: ReceiptGroupOptions) {}

  /**
   * Adds an encoded receipt (`encodeReceipt`) with its de-duplication key; resolves with how
   * its group was handed over, rejects when neither the broker nor the spool took it.
   * `parentOf` gives the request's trace context; called only for a group's first receipt
   * (whose trace the group's span joins), so the others' headers are not read.
   */
  add(id: string, encoded: string, parentOf: () => Context): Promise<ForwardOutcome> {
    return new Promise<ForwardOutcome>((resolve, reject) => {
      let group = this.open;
      if (group === undefined) {
        group = { ids: [], encoded: [], waiters: [], parent: parentOf(), timer: undefined, immediate: undefined };
        this.open = group;
        this.startGathering(group);
      }
      group.ids.push(id);
      group.encoded.push(encoded);
      group.waiters.push({ resolve, reject });
      if (group.encoded.length >= this.options.maxReceipts) this.send(group);
    });
  }

  /** Receipts gathered and not yet handed over. */
  get gathering(): number {
    return this.open?.encoded.length ?? 0;
  }

  /** Hands the group being gathered over at once and waits for every group in flight. */
  async flush(): Promise<void> {
    if (this.open !== undefined) this.send(this.open);
    await Promise.allSettled([...this.sending]);
  }

  private startGathering(group: Group): void {
    const due = (): void => {
      if (this.open === group) this.send(group);
    };
    if (this.options.windowMs > 0) group.timer = setTimeout(due, this.options.windowMs);
    else group.immediate = setImmediate(due);
  }

  private send(group: Group): void {
    if (this.open === group) this.open = undefined;
    clearTimeout(group.timer);
    clearImmediate(group.immediate);
    const sending = this.forward(group).finally(() => this.sending.delete(sending));
    this.sending.add(sending);
  }

  /** One span per group; its context rides in the AMQP headers (the first request's trace as parent). */
  private async forward(group: Group): Promise<void> {
    const n = group.encoded.length;
    const span = this.options.tracer.startSpan(
      'wechat.forward',
      { attributes: { 'mpstack.receipts': n } },
      group.parent,
    );
    const headers: Record<string, string> = { receipts: String(n) };
    injectTraceContext(headers, trace.setSpan(group.parent, span));
    this.sequence += 1;
    try {
      const outcome = await this.options.forwarder.forward({
        queue: receiptsQueue,
        // Unique per group (the forwarder tracks a publish in doubt by it); the consumer keys on MsgIDs.
        messageId: n === 1 ? (group.ids[0] as string) : `${group.ids[0]}+${n - 1}#${this.sequence}`,
        headers,
        body: encodeReceiptGroup(group.encoded),
      });
      this.options.onGroup?.(n);
      for (const waiter of group.waiters) waiter.resolve(outcome);
    } catch (error) {
      for (const waiter of group.waiters) waiter.reject(error);
    } finally {
      span.end();
    }
  }
}
