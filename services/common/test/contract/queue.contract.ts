import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import type { Delivery, HandlerOutcome, QueuePort } from '../../src/ports/queue.js';
import { gate, turns } from './support.js';

/** Creates adapters over one broker and unique queue names; deletes what it created. */
export interface QueueHarness {
  /** A new adapter, configured with `deliveryLimit: 4` and a zero retry backoff. */
  create(): Promise<QueuePort>;
  /** A queue name unique to this run. */
  queueName(base: string): string;
  cleanup(): Promise<void>;
}

export const CONTRACT_DELIVERY_LIMIT = 4;

/** The queue contract every adapter honours; see `ports/queue.ts`. */
export function describeQueueContract(name: string, createHarness: () => Promise<QueueHarness>): void {
  describe(`QueuePort contract: ${name}`, () => {
    let harness: QueueHarness;
    let port: QueuePort;
    let queue: string;
    let dlq: string;

    const collect = async (
      target: string,
      decide: (delivery: Delivery, index: number) => HandlerOutcome | Promise<HandlerOutcome>,
      prefetch = 10,
    ): Promise<Delivery[]> => {
      const seen: Delivery[] = [];
      await port.consume(target, async (delivery) => decide(delivery, seen.push(delivery) - 1), { prefetch });
      return seen;
    };

    before(async () => {
      harness = await createHarness();
    });
    after(async () => harness.cleanup());
    beforeEach(async () => {
      port = await harness.create();
      queue = harness.queueName('work');
      dlq = `${queue}.dlq`;
      await port.declare([{ name: queue, deadLetterQueue: dlq }]);
    });
    afterEach(async () => port.close());

    it('a confirmed publish is consumed once with its id and headers, then acked', async () => {
      await port.publish(queue, Buffer.from('hello'), { messageId: 'm-1', headers: { traceparent: 't1' } });
      const seen = await collect(queue, () => ({ action: 'ack' }));
      await until(() => seen.length === 1, 5_000, 'delivery');
      const [delivery] = seen;
      assert.equal(delivery?.body.toString(), 'hello');
      assert.equal(delivery?.messageId, 'm-1');
      assert.equal(delivery?.headers['traceparent'], 't1');
      assert.equal(delivery?.redelivered, false);
      assert.equal(delivery?.deliveryCount, 0);
      await until(async () => (await port.depth(queue)) === 0, 5_000, 'empty queue');
    });

    it('retry redelivers the message with redelivered=true and a growing deliveryCount', async () => {
      await port.publish(queue, Buffer.from('flaky'), { messageId: 'm-2' });
      const seen = await collect(queue, (_, index) => (index < 2 ? { action: 'retry' } : { action: 'ack' }));
      await until(() => seen.length === 3, 5_000, 'three deliveries');
      assert.deepEqual(
        seen.map((d) => [d.redelivered, d.deliveryCount, d.messageId]),
        [
          [false, 0, 'm-2'],
          [true, 1, 'm-2'],
          [true, 2, 'm-2'],
        ],
      );
    });

    it('a handler that throws is retried like a transient failure', async () => {
      await port.publish(queue, Buffer.from('boom'));
      const seen = await collect(queue, (_, index) => {
        if (index === 0) throw new Error('transient');
        return { action: 'ack' };
      });
      await until(() => seen.length === 2, 5_000, 'redelivery after a throw');
      assert.equal(seen[1]?.redelivered, true);
    });

    it('dead-letter moves the message to the dead-letter queue carrying the reason', async () => {
      await port.publish(queue, Buffer.from('poison'), { messageId: 'm-3', headers: { keep: 'me' } });
      await collect(queue, () => ({ action: 'dead-letter', reason: 'unparseable payload' }));
      const dead = await collect(dlq, () => ({ action: 'ack' }));
      await until(() => dead.length === 1, 5_000, 'dead letter');
      assert.equal(dead[0]?.body.toString(), 'poison');
      assert.equal(dead[0]?.messageId, 'm-3');
      assert.equal(dead[0]?.headers['x-death-reason'], 'unparseable payload');
      assert.equal(dead[0]?.headers['x-death-queue'], queue);
      assert.equal(dead[0]?.headers['keep'], 'me');
    });

    it('a message that keeps failing is dead-lettered at the delivery limit', async () => {
      await port.publish(queue, Buffer.from('always fails'));
      const seen = await collect(queue, () => ({ action: 'retry' }));
      const dead = await collect(dlq, () => ({ action: 'ack' }));
      await until(() => dead.length === 1, 5_000, 'dead letter');
      assert.equal(seen.length, CONTRACT_DELIVERY_LIMIT);
      assert.equal(dead[0]?.headers['x-death-reason'], 'delivery_limit');
    });

    it('prefetch bounds the deliveries in flight per consumer', async () => {
      const release = gate();
      let inFlight = 0;
      let maxInFlight = 0;
      let done = 0;
      for (let i = 0; i < 6; i += 1) await port.publish(queue, Buffer.from(String(i)));
      await port.consume(
        queue,
        async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await release.opened;
          inFlight -= 1;
          done += 1;
          return { action: 'ack' };
        },
        { prefetch: 2 },
      );
      await until(() => inFlight === 2, 5_000, 'two deliveries in flight');
      await turns(20);
      assert.equal(inFlight, 2, 'no third delivery while two are unacked');
      release.open();
      await until(() => done === 6, 5_000, 'all processed');
      assert.equal(maxInFlight, 2);
    });

    it('cancel stops intake and waits for the in-flight handler', async () => {
      const release = gate();
      const started: string[] = [];
      let finished = 0;
      await port.publish(queue, Buffer.from('a'));
      const consumer = await port.consume(
        queue,
        async (delivery) => {
          started.push(delivery.body.toString());
          await release.opened;
          finished += 1;
          return { action: 'ack' };
        },
        { prefetch: 1 },
      );
      await until(() => started.length === 1, 5_000, 'handler started');
      let isCancelled = false;
      const cancelled = consumer.cancel().then(() => {
        isCancelled = true;
      });
      await turns(20);
      assert.equal(isCancelled, false, 'cancel waits for the handler');
      release.open();
      await cancelled;
      assert.equal(finished, 1);
      await port.publish(queue, Buffer.from('b'));
      await turns(20);
      assert.deepEqual(started, ['a'], 'no intake after cancel');
    });

    it('close drains in-flight handlers before resolving, then refuses publishes', async () => {
      const release = gate();
      let finished = false;
      await port.publish(queue, Buffer.from('a'));
      let started = false;
      await port.consume(
        queue,
        async () => {
          started = true;
          await release.opened;
          finished = true;
          return { action: 'ack' };
        },
        { prefetch: 1 },
      );
      await until(() => started, 5_000, 'handler started');
      const closed = port.close();
      await turns(20);
      assert.equal(finished, false);
      release.open();
      await closed;
      assert.equal(finished, true, 'close resolved only after the handler finished');
      assert.equal(port.isConnected(), false);
      await assert.rejects(port.publish(queue, Buffer.from('late')), { code: 'unavailable' });
    });

    it('depth counts ready messages; declare is idempotent', async () => {
      await port.declare([{ name: queue, deadLetterQueue: dlq }]);
      for (let i = 0; i < 3; i += 1) await port.publish(queue, Buffer.from(String(i)));
      await until(async () => (await port.depth(queue)) === 3, 5_000, 'depth 3');
    });

    it('publishing to a queue this adapter never declared is refused', async () => {
      await assert.rejects(port.publish(harness.queueName('undeclared'), Buffer.from('x')), { code: 'not_found' });
    });
  });
}
